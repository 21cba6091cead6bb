package com.pulso.bench;

import com.pulso.capture.CaptureVerticle;
import com.pulso.stream.ConsumerVerticle;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The whole real-time pipeline on one member — capture, Kinesis, shard consumers, DynamoDB —
 * against embedded PostgreSQL and the emulators; figures, not assertions. A driver commits sales at
 * a fixed rate (one transaction every 10 ms carrying the sales due by then) and the consumers'
 * {@code pulso.freshness} histogram (source commit → applied in DynamoDB) gives p50/p95/p99. Rates
 * go up step by step; a step is sustained when the driver kept its rate and the pipeline had applied
 * everything within a second of the last commit. Target: p99 < 1 s at 1,000 sales/s.
 * Run it as README's "Benchmarks" says; arguments: rates (250,500,1000,2000,4000,8000,16000), seconds per rate (20).
 */
public final class FreshnessBenchmark {

  private static final long TICK_MILLIS = 10;

  private FreshnessBenchmark() {}

  public static void main(String[] args) throws Exception {
    try {
      run(args);
    } finally {
      // The test services' shutdown hook stops PostgreSQL and the emulators.
      System.exit(0);
    }
  }

  private record Step(int rate, double achieved, Timer freshness, double drainSeconds) {
    boolean sustained() {
      return achieved >= 0.95 * rate && drainSeconds <= 1.0;
    }
  }

  private static void run(String[] args) throws Exception {
    String[] rates = (args.length > 0 ? args[0] : "250,500,1000,2000,4000,8000,16000").split(",");
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    List<Step> steps = new ArrayList<>();
    try (BenchPipeline pipeline = BenchPipeline.create(2); Connection writer = pipeline.writer()) {
      // Unmeasured: the JIT, the connections and the shard leases settle.
      measure(pipeline, writer, 500, 10);
      for (String rate : rates) {
        Step step = measure(pipeline, writer, Integer.parseInt(rate.trim()), seconds);
        steps.add(step);
        System.out.printf("%,6d sales/s: %s%n", step.rate(), describe(step));
        if (!step.sustained()) {
          break;
        }
      }
    }
    System.out.printf("%nEnd-to-end freshness, commit → applied in DynamoDB (%d s per rate, %d cores, 2 shards)%n",
        seconds, Runtime.getRuntime().availableProcessors());
    for (Step step : steps) {
      System.out.printf("  %,6d sales/s: %s%n", step.rate(), describe(step));
    }
    steps.stream().filter(Step::sustained).mapToInt(Step::rate).max()
        .ifPresent(rate -> System.out.printf("  highest sustained rate: %,d sales/s%n", rate));
    steps.stream().filter(step -> step.sustained() && step.freshness().percentile(0.99, TimeUnit.MILLISECONDS) < 1_000)
        .mapToInt(Step::rate).max()
        .ifPresent(rate -> System.out.printf("  highest rate with p99 under 1 s: %,d sales/s%n", rate));
  }

  private static String describe(Step step) {
    return String.format("driver %,.0f/s, %s, all applied %.2f s after the last commit%s",
        step.achieved(), BenchPipeline.percentiles(step.freshness()), step.drainSeconds(),
        step.sustained() ? "" : " — not sustained");
  }

  /** Deploys a fresh pipeline (fresh meters), drives {@code rate} sales/s for {@code seconds}, waits until all applied. */
  private static Step measure(BenchPipeline pipeline, Connection writer, int rate, int seconds) throws Exception {
    SimpleMeterRegistry registry = BenchPipeline.registry();
    ConsumerVerticle consumer = new ConsumerVerticle(pipeline.clients(), pipeline.config(), registry);
    String consumerId = pipeline.deploy(consumer);
    String captureId = pipeline.deploy(new CaptureVerticle(pipeline.config(), pipeline.pool(), pipeline.clients(), registry));
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (consumer.ownedShards().size() < 2 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }

    long start = System.nanoTime();
    long inserted = 0;
    for (long tick = 1; tick * TICK_MILLIS <= seconds * 1000L; tick++) {
      long due = rate * tick * TICK_MILLIS / 1000;
      if (due > inserted) {
        pipeline.insert(writer, (int) (due - inserted));
        inserted = due;
      }
      long sleep = start + tick * TICK_MILLIS * 1_000_000 - System.nanoTime();
      if (sleep > 0) {
        Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
      }
    }
    double achieved = inserted / ((System.nanoTime() - start) / 1e9);
    long lastCommit = System.nanoTime();
    Timer freshness = registry.get("pulso.freshness").timer();
    deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
    while (freshness.count() < inserted && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    double drain = (System.nanoTime() - lastCommit) / 1e9;
    pipeline.undeploy(captureId);
    pipeline.undeploy(consumerId);
    return new Step(rate, achieved, freshness, drain);
  }
}
