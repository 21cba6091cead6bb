package com.pulso;

import com.pulso.config.ConfigException;
import com.pulso.config.ConfigLoader;
import com.pulso.config.PulsoConfig;
import java.util.Map;
import sun.misc.Signal;

/**
 * Starts a Pulso member: reads the configuration, then hands over to {@link PulsoServer}. SIGTERM
 * and SIGINT stop it in order (stop accepting, drain, leave the cluster, stop dev services) and the
 * process exits 0; a configuration error exits 2 with the key named, any other start failure 1.
 */
public final class Main {

  private Main() {}

  public static void main(String[] args) {
    Map<String, String> env = System.getenv();
    PulsoConfig config;
    try {
      config = ConfigLoader.load(ConfigLoader.confDir(env), env);
    } catch (ConfigException e) {
      System.err.println("Pulso cannot start, configuration error: " + e.getMessage());
      System.exit(2);
      return;
    }
    // Before the first logger exists: JSON lines on AWS, readable text elsewhere.
    if (Main.class.getResource("/logback-" + config.profile() + ".xml") != null) {
      System.setProperty("logback.configurationFile", "logback-" + config.profile() + ".xml");
    }

    PulsoServer server = new PulsoServer(config);
    Runnable stopAndExit = () -> {
      server.stop();
      System.exit(0);
    };
    Signal.handle(new Signal("TERM"), signal -> new Thread(stopAndExit, "pulso-shutdown").start());
    Signal.handle(new Signal("INT"), signal -> new Thread(stopAndExit, "pulso-shutdown").start());
    // Any other way out of the JVM (System.exit elsewhere, SIGHUP) still releases what it can.
    Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "pulso-shutdown-hook"));

    try {
      server.start();
    } catch (RuntimeException e) {
      server.failed(e);
      server.stop();
      System.exit(1);
    }
  }
}
