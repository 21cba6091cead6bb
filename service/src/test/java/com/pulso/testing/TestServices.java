package com.pulso.testing;

import com.pulso.config.ConfigLoader;
import com.pulso.config.PulsoConfig;
import com.pulso.devservices.DevServices;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The dev services every test of this JVM shares, started on first use and stopped when the JVM
 * exits. Test ports differ from the local profile's, so a server running locally does not clash.
 */
public final class TestServices {

  // Started once per test JVM on purpose: each test class paying PostgreSQL's and node's start would triple the build.
  private static PulsoConfig config;
  // A failed start is remembered: every later test class retrying it would cost a minute or more each.
  private static Throwable startFailure;

  private TestServices() {}

  /**
   * The local-profile configuration on the test ports; dev services run once this returns. If they
   * failed to start, this and every later call throw, with the first failure as the cause.
   */
  public static synchronized PulsoConfig config() {
    if (startFailure != null) {
      throw new IllegalStateException("the test services failed to start earlier in this JVM (see the cause);"
          + " fix that first: later tests needing them fail without retrying", startFailure);
    }
    if (config == null) {
      try {
        PulsoConfig loaded = ConfigLoader.load(home().resolve("conf"), env());
        DevServices services = DevServices.start(loaded);
        Runtime.getRuntime().addShutdownHook(new Thread(services::close, "pulso-test-services-stop"));
        config = loaded;
      } catch (RuntimeException | Error e) {
        startFailure = e;
        throw e;
      }
    }
    return config;
  }

  /** The environment {@link #config()} is loaded from: give it to a server JVM started by a test. */
  public static Map<String, String> env() {
    Path home = home();
    return Map.of(
        ConfigLoader.PROFILE_ENV, "local",
        ConfigLoader.envName("database.port"), Integer.toString(TestPorts.port(25432)),
        ConfigLoader.envName("aws.endpoints.kinesis"), "http://127.0.0.1:" + TestPorts.port(24567),
        ConfigLoader.envName("aws.endpoints.dynamodb"), "http://127.0.0.1:" + TestPorts.port(24568),
        ConfigLoader.envName("aws.endpoints.s3"), "http://127.0.0.1:" + TestPorts.port(24569),
        ConfigLoader.envName("devServices.dataDir"), home.resolve("service/target/test-services").toString(),
        ConfigLoader.envName("devServices.emulatorsDir"), home.resolve("dev").toString(),
        ConfigLoader.envName("demo.enabled"), "false",
        // Several API servers may run in a test JVM: each one's operators' port is any free one.
        ConfigLoader.envName("http.managementPort"), "0");
  }

  /** The repository root: Maven sets {@code pulso.home}; from an IDE, the nearest directory up holding conf/. */
  public static Path home() {
    String property = System.getProperty("pulso.home");
    if (property != null) {
      return Path.of(property).toAbsolutePath();
    }
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("conf/application.yaml"))) {
        return dir;
      }
    }
    throw new IllegalStateException("system property pulso.home is not set and no conf/application.yaml was found"
        + " above " + Path.of("").toAbsolutePath() + ": run the tests through Maven or set -Dpulso.home=<repo root>");
  }
}
