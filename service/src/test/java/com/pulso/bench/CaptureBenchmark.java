package com.pulso.bench;

import com.pulso.capture.CaptureVerticle;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Capture alone (slot → decode → map → Kinesis acknowledged) against embedded PostgreSQL and the
 * Kinesis emulator; figures, not assertions. Targets: ≥ 33,000 changes/s for 200,000 rows committed
 * in transactions of 1,000; commit → Kinesis acknowledgement p99 < 50 ms at rest.
 *
 * <ul>
 *   <li><b>Backlog</b>: the rows are committed while the capture is stopped, then it is started and
 *       timed until Kinesis acknowledged every change: the capture's own throughput.</li>
 *   <li><b>Live</b>: the same rows committed as fast as one connection can while the capture runs,
 *       timed from the first commit to the last acknowledgement.</li>
 *   <li><b>At rest</b>: single-sale transactions at random 20–80 ms intervals; the capture's
 *       {@code pulso.capture.latency} (commit → acknowledged) percentiles.</li>
 * </ul>
 * Run it as README's "Benchmarks" says; arguments: rows (200000), transaction size (1000), samples at rest (500).
 */
public final class CaptureBenchmark {

  private CaptureBenchmark() {}

  public static void main(String[] args) throws Exception {
    try {
      run(args);
    } finally {
      // The test services' shutdown hook stops PostgreSQL and the emulators.
      System.exit(0);
    }
  }

  private static void run(String[] args) throws Exception {
    int rows = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
    int transaction = args.length > 1 ? Integer.parseInt(args[1]) : 1_000;
    int samples = args.length > 2 ? Integer.parseInt(args[2]) : 500;
    try (BenchPipeline pipeline = BenchPipeline.create(2); Connection writer = pipeline.writer()) {
      SimpleMeterRegistry warmup = BenchPipeline.registry();
      String capture = pipeline.deploy(capture(pipeline, warmup));
      pipeline.awaitBootstrapped();
      // Warms the JIT and the connections up on the same path, so the figures below are of a steady state.
      commit(pipeline, writer, 50_000, transaction);
      awaitShipped(warmup, 50_000, Duration.ofMinutes(5));
      pipeline.undeploy(capture);

      long insertStart = System.nanoTime();
      commit(pipeline, writer, rows, transaction);
      double insertSeconds = seconds(insertStart);
      SimpleMeterRegistry backlog = BenchPipeline.registry();
      long start = System.nanoTime();
      capture = pipeline.deploy(capture(pipeline, backlog));
      awaitShipped(backlog, rows, Duration.ofMinutes(10));
      double backlogSeconds = seconds(start);

      SimpleMeterRegistry live = BenchPipeline.registry();
      pipeline.undeploy(capture);
      capture = pipeline.deploy(capture(pipeline, live));
      start = System.nanoTime();
      commit(pipeline, writer, rows, transaction);
      double liveInsertSeconds = seconds(start);
      awaitShipped(live, rows, Duration.ofMinutes(10));
      double liveSeconds = seconds(start);

      SimpleMeterRegistry rest = BenchPipeline.registry();
      pipeline.undeploy(capture);
      pipeline.deploy(capture(pipeline, rest));
      for (int i = 0; i < samples; i++) {
        pipeline.insert(writer, 1);
        Thread.sleep(ThreadLocalRandom.current().nextLong(20, 81));
      }
      awaitShipped(rest, samples, Duration.ofMinutes(1));
      System.out.printf("%nCapture benchmark (%d rows in transactions of %d, %d cores)%n", rows, transaction,
          Runtime.getRuntime().availableProcessors());
      System.out.printf("  backlog: %,.0f changes/s (%.2f s; %s)%n", rows / backlogSeconds, backlogSeconds, calls(backlog));
      System.out.printf("  live:    %,.0f changes/s (first commit to last ack %.2f s; inserting alone took %.2f s,"
          + " and %.2f s with the capture stopped)%n", rows / liveSeconds, liveSeconds, liveInsertSeconds, insertSeconds);
      System.out.printf("  at rest, commit → Kinesis ack: %s%n",
          BenchPipeline.percentiles(rest.get("pulso.capture.latency").timer()));
    }
  }

  private static CaptureVerticle capture(BenchPipeline pipeline, SimpleMeterRegistry registry) {
    return new CaptureVerticle(pipeline.config(), pipeline.pool(), pipeline.clients(), registry);
  }

  private static void commit(BenchPipeline pipeline, Connection writer, int rows, int transaction) throws Exception {
    for (int done = 0; done < rows; done += transaction) {
      pipeline.insert(writer, Math.min(transaction, rows - done));
    }
  }

  private static void awaitShipped(SimpleMeterRegistry registry, long changes, Duration bound) throws Exception {
    long deadline = System.nanoTime() + bound.toNanos();
    while (BenchPipeline.counter(registry, "pulso.stream.publish.changes") < changes) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("only " + BenchPipeline.counter(registry, "pulso.stream.publish.changes")
            + " of " + changes + " changes acknowledged after " + bound);
      }
      Thread.sleep(2);
    }
  }

  private static String calls(SimpleMeterRegistry registry) {
    var calls = registry.get("pulso.stream.publish.call.records").summary();
    return String.format("%d PutRecords calls, %.0f records, %.0f changes per record", calls.count(),
        calls.totalAmount(), BenchPipeline.counter(registry, "pulso.stream.publish.changes") / calls.totalAmount());
  }

  private static double seconds(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }
}
