package com.pulso.bench;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import com.pulso.api.AccessLog;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * What the access log costs the process per API answer: CPU time (all threads: the answering ones,
 * the writer's, the wake-ups between them) per line, with the Logback configuration the server uses
 * (text in the local profile, JSON lines in the aws profile), measured the way a server logs — two
 * event loops, each answering (40 µs of work here) then logging, not a flood of lines, whose
 * batching would hide the hand-over's cost. The same loop with the logger off is the baseline.
 * Figures on standard error; the lines go to standard output (send it to /dev/null or a file).
 * Arguments: lines per thread (100,000), rounds (5).
 */
public final class AccessLogBenchmark {

  private static final int THREADS = 2;
  private static final long WORK_NANOS = 40_000;

  public static void main(String[] args) throws Exception {
    int lines = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    for (String configuration : List.of("logback.xml", "logback-aws.xml")) {
      LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
      context.reset();
      JoranConfigurator configurator = new JoranConfigurator();
      configurator.setContext(context);
      configurator.doConfigure(AccessLogBenchmark.class.getClassLoader().getResource(configuration));
      ch.qos.logback.classic.Logger access = context.getLogger("pulso.access");
      List<Double> on = new ArrayList<>();
      List<Double> off = new ArrayList<>();
      for (int round = 0; round < rounds; round++) {
        access.setLevel(Level.OFF);
        off.add(cpuMicrosPerAnswer(lines));
        access.setLevel(Level.INFO);
        on.add(cpuMicrosPerAnswer(lines));
      }
      context.stop();
      // The first rounds warm the JIT up: the last ones are the figure.
      double logged = on.get(rounds - 1);
      double baseline = off.get(rounds - 1);
      System.err.printf("%-16s CPU per answer: %.1f µs logged, %.1f µs with the logger off: the line costs %.1f µs"
          + " (rounds logged %s, off %s)%n", configuration, logged, baseline, logged - baseline, format(on),
          format(off));
    }
  }

  /** CPU time of the whole process per answer, while {@link #THREADS} threads answer and log. */
  private static double cpuMicrosPerAnswer(int lines) throws Exception {
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long cpuBefore = os.getProcessCpuTime();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      Thread thread = new Thread(() -> {
        for (int i = 0; i < lines; i++) {
          long until = System.nanoTime() + WORK_NANOS;
          while (System.nanoTime() < until) {
            Thread.onSpinWait();
          }
          AccessLog.log(Long.toHexString(0x1000_0000_0000_0000L + i), "GET", "/v1/providers/:providerId/daily-sales",
              "1", 200, 1, 10_824);
        }
      }, "answering-" + t);
      threads.add(thread);
      thread.start();
    }
    for (Thread thread : threads) {
      thread.join();
    }
    Thread.sleep(500); // the writer's last chunks count too
    return (os.getProcessCpuTime() - cpuBefore) / 1_000.0 / ((double) THREADS * lines);
  }

  private static String format(List<Double> figures) {
    return figures.stream().map(f -> String.format("%.1f", f)).toList().toString();
  }
}
