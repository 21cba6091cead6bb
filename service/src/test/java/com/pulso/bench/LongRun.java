package com.pulso.bench;

import com.pulso.db.Postgres;
import com.pulso.testing.SalesWorkload;
import com.pulso.testing.ServerJvm;
import com.pulso.testing.ServerPipeline;
import com.pulso.testing.TestPorts;
import com.pulso.testing.TestServices;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The long run (README, "Long run"): two server JVMs in one cluster under sales at a fixed rate with
 * corrections and voids, a member restarted (SIGTERM, then started again) every few minutes in turn,
 * the nightly batch run for yesterday in the middle; every 30 s, each member's heap, threads, open
 * files, L2 entries and the slot's retained WAL, printed as a series. At the end: the figures exact
 * to the cent against SQL, the batch run succeeded, and no growth from the first third of the run to
 * the last in threads, files, WAL, L2 entries (their highest) or the heap's floor (its lowest) —
 * otherwise it exits 1. Arguments: minutes (30), sales/s (1000), minutes between restarts (5).
 */
public final class LongRun {

  private static final int[] HTTP_PORTS = {TestPorts.port(25870), TestPorts.port(25871)};
  private static final int[] CLUSTER_PORTS = {TestPorts.port(25872), TestPorts.port(25873)};
  private static final String ADMIN = "long-run-admin-key-0123456789abcdef0123";
  private static final long TICK_MILLIS = 10;
  private static final Duration SAMPLE_EVERY = Duration.ofSeconds(30);

  /** One member's figures at one moment: heap in use and live after the last full collection, MB; WAL, KB. */
  private record Sample(long second, int member, long heapMb, long liveMb, long threads, long files, long l2Entries,
                        long walKb) {

    @Override
    public String toString() {
      return String.format("member %d: heap %,d MB (live %,d), %d threads, %d files, %,d L2 entries, WAL %,d KB",
          member, heapMb, liveMb, threads, files, l2Entries, walKb);
    }
  }

  private LongRun() {}

  public static void main(String[] args) throws Exception {
    int minutes = args.length > 0 ? Integer.parseInt(args[0]) : 30;
    int rate = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
    int restartMinutes = args.length > 2 ? Integer.parseInt(args[2]) : 5;
    boolean passed;
    try (ServerPipeline pipeline = ServerPipeline.create()) {
      passed = run(pipeline, minutes, rate, restartMinutes);
    }
    // The test services stop in their shutdown hook.
    System.exit(passed ? 0 : 1);
  }

  private static boolean run(ServerPipeline pipeline, int minutes, int rate, int restartMinutes) throws Exception {
    Path dir = Files.createDirectories(TestServices.home().resolve("service/target/long-run"));
    LocalDate today = LocalDate.now(pipeline.config().businessZone());
    // Yesterday's sales, for the batch to report in the middle of the run.
    SalesWorkload.run(pipeline.config(), today.minusDays(1), 20_000, 3, 20261205L);
    String members = "127.0.0.1:" + CLUSTER_PORTS[0] + ",127.0.0.1:" + CLUSTER_PORTS[1];
    List<ServerJvm> servers = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      Files.deleteIfExists(dir.resolve("member-" + (i + 1) + ".log"));
      servers.add(pipeline.startServer(dir.resolve("member-" + (i + 1) + ".log"), HTTP_PORTS[i], CLUSTER_PORTS[i],
          Map.of("PULSO_CLUSTER_NAME", "long-run", "PULSO_CLUSTER_MEMBERS", members, "PULSO_ADMIN_KEY", ADMIN,
              "PULSO_BATCH_ENABLED", "true", "PULSO_BATCH_RUNNER", "local", "PULSO_BATCH_CATCH_UP_DAYS", "0")));
    }
    pipeline.awaitCaptureStreaming();

    AtomicBoolean driving = new AtomicBoolean(true);
    AtomicLong inserted = new AtomicLong();
    AtomicReference<Throwable> driverFailure = new AtomicReference<>();
    Thread driver = new Thread(() -> drive(pipeline, rate, driving, inserted, driverFailure), "long-run-sales");
    driver.start();
    // Dashboards asking for today's figures (10 requests/s, under the key's rate limit): the caches work.
    Thread dashboards = new Thread(() -> {
      for (int i = 0; driving.get(); i++) {
        try {
          http("GET", "/v1/providers/" + (1 + i % 3) + (i % 2 == 0 ? "/realtime" : "/daily-sales?date=" + today));
          Thread.sleep(100);
        } catch (InterruptedException e) {
          return;
        } catch (Exception memberRestarting) {
          // the other member answers the next one
        }
      }
    }, "long-run-dashboards");
    dashboards.start();

    List<Sample> samples = new ArrayList<>();
    long start = System.nanoTime();
    long end = start + Duration.ofMinutes(minutes).toNanos();
    long nextSample = start;
    long nextRestart = start + Duration.ofMinutes(restartMinutes).toNanos();
    long batchAt = start + Duration.ofMinutes(minutes).toNanos() / 2;
    int restarts = 0;
    String batchRun = null;
    while (System.nanoTime() < end && driverFailure.get() == null) {
      long now = System.nanoTime();
      if (now >= nextSample) {
        for (int i = 0; i < servers.size(); i++) {
          samples.add(sample((now - start) / 1_000_000_000, i + 1, servers.get(i)));
        }
        System.out.printf("%5d s  %,d sales  %s%n", (now - start) / 1_000_000_000, inserted.get(),
            samples.subList(samples.size() - 2, samples.size()));
        nextSample += SAMPLE_EVERY.toNanos();
      }
      if (now >= nextRestart) {
        ServerJvm restarted = servers.get(restarts % servers.size());
        System.out.printf("%5d s  restarting member %d%n", (now - start) / 1_000_000_000, restarts % servers.size() + 1);
        restarted.stop();
        restarted.restart();
        restarted.awaitReady(Duration.ofSeconds(180));
        restarts++;
        nextRestart += Duration.ofMinutes(restartMinutes).toNanos();
      }
      if (batchRun == null && now >= batchAt) {
        batchRun = askBatch(today.minusDays(1));
        System.out.printf("%5d s  batch run for %s: %s%n", (now - start) / 1_000_000_000, today.minusDays(1), batchRun);
      }
      Thread.sleep(1_000);
    }
    driving.set(false);
    driver.join();
    dashboards.join();
    if (driverFailure.get() != null) {
      throw new IllegalStateException("the sales driver failed", driverFailure.get());
    }

    pipeline.awaitFiguresEqualGroundTruth(SalesWorkload.days(today.minusDays(1)), Duration.ofMinutes(5));
    String batchState = batchRun == null ? "not asked" : awaitBatch(batchRun);
    return report(samples, minutes, rate, restarts, inserted.get(), batchState);
  }

  /** Sales at {@code rate} (a transaction every 10 ms), a correction every 10th tick and a void every 20th. */
  private static void drive(ServerPipeline pipeline, int rate, AtomicBoolean driving, AtomicLong inserted,
                            AtomicReference<Throwable> failure) {
    SplittableRandom random = new SplittableRandom(20261212L);
    try (Connection c = Postgres.connect(pipeline.config().database()); Statement st = c.createStatement()) {
      long start = System.nanoTime();
      for (long tick = 1; driving.get(); tick++) {
        long due = rate * tick * TICK_MILLIS / 1000;
        int count = (int) (due - inserted.get());
        if (count > 0) {
          StringBuilder insert = new StringBuilder("INSERT INTO ventas (cliente_id, producto, fecha, monto) VALUES ");
          for (int i = 0; i < count; i++) {
            insert.append(i == 0 ? "" : ", ").append("(").append(1 + random.nextInt(500)).append(", '")
                .append(SalesWorkload.PRODUCTS.get(random.nextInt(SalesWorkload.PRODUCTS.size())))
                .append("', now(), ").append(random.nextInt(100, 100_000) / 100.0).append(")");
          }
          st.execute(insert.toString());
          inserted.addAndGet(count);
        }
        if (tick % 10 == 0) {
          st.execute(switch (random.nextInt(3)) {
            case 0 -> "UPDATE ventas SET monto = monto + 0.01 WHERE id = (SELECT max(id) FROM ventas) - " + random.nextInt(500);
            case 1 -> "UPDATE ventas SET producto = '" + SalesWorkload.PRODUCTS.get(random.nextInt(6))
                + "' WHERE id = (SELECT max(id) FROM ventas) - " + random.nextInt(500);
            default -> "UPDATE ventas SET cliente_id = " + (1 + random.nextInt(500))
                + " WHERE id = (SELECT max(id) FROM ventas) - " + random.nextInt(500);
          });
        }
        if (tick % 20 == 0) {
          st.execute("DELETE FROM ventas WHERE id = (SELECT max(id) FROM ventas) - " + random.nextInt(500));
        }
        long sleep = start + tick * TICK_MILLIS * 1_000_000 - System.nanoTime();
        if (sleep > 0) {
          Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
        }
      }
    } catch (Throwable e) {
      failure.set(e);
    }
  }

  private static Sample sample(long second, int member, ServerJvm server) {
    return new Sample(second, member, server.heapUsedBytes() >> 20, server.metricSum("jvm_gc_live_data_size_bytes") >> 20,
        server.metricSum("jvm_threads_live_threads"), server.metricSum("process_files_open_files"),
        server.metricSum("pulso_api_cache_l2_size"), server.metricSum("pulso_capture_slot_retained_wal_bytes") >> 10);
  }

  private static String askBatch(LocalDate day) throws Exception {
    HttpResponse<String> queued = http("POST", "/v1/admin/batch-runs?date=" + day);
    return queued.statusCode() == 202 ? String.valueOf(new JsonObject(queued.body()).getLong("id"))
        : "refused " + queued.statusCode() + " " + queued.body();
  }

  private static String awaitBatch(String run) throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
    String state = "unknown";
    while (System.nanoTime() < deadline) {
      HttpResponse<String> answer = http("GET", "/v1/admin/batch-runs/" + run);
      state = answer.statusCode() == 200 ? new JsonObject(answer.body()).getString("state") : "HTTP " + answer.statusCode();
      if (!state.equals("queued") && !state.equals("running")) {
        return state;
      }
      Thread.sleep(2_000);
    }
    return state;
  }

  /** To whichever member answers (one may be restarting). */
  private static HttpResponse<String> http(String method, String path) throws Exception {
    Exception last = null;
    for (int port : HTTP_PORTS) {
      try {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .header("X-API-Key", ADMIN).method(method, HttpRequest.BodyPublishers.noBody()).build(),
            HttpResponse.BodyHandlers.ofString());
      } catch (java.io.IOException down) {
        last = down;
      }
    }
    throw last;
  }

  /** Prints the series and the verdicts; true when every one holds. */
  private static boolean report(List<Sample> samples, int minutes, int rate, int restarts, long sales, String batch) {
    System.out.printf("%nLong run: %d min at %,d sales/s (%,d sales), %d restarts, batch run %s; figures exact%n",
        minutes, rate, sales, restarts, batch);
    System.out.println("  second member heapMB liveMB threads files l2Entries walKB");
    samples.forEach(s -> System.out.printf("  %6d %6d %6d %6d %7d %5d %9d %6d%n", s.second(), s.member(), s.heapMb(),
        s.liveMb(), s.threads(), s.files(), s.l2Entries(), s.walKb()));
    List<Sample> first = samples.subList(0, Math.max(2, samples.size() / 3));
    List<Sample> last = samples.subList(samples.size() - Math.max(2, samples.size() / 3), samples.size());
    boolean ok = batch.equals("succeeded");
    ok &= verdict("threads", max(first, Sample::threads), max(last, Sample::threads), 1.2, 10);
    ok &= verdict("open files", max(first, Sample::files), max(last, Sample::files), 1.2, 20);
    ok &= verdict("retained WAL (KB)", max(first, Sample::walKb), max(last, Sample::walKb), 2.0, 65_536);
    ok &= verdict("L2 entries", max(first, Sample::l2Entries), max(last, Sample::l2Entries), 2.0, 1_000);
    // The heap in use swings with every collection: a leak raises its floor, the lowest it falls to.
    ok &= verdict("heap floor (MB)", min(first, Sample::heapMb), min(last, Sample::heapMb), 1.5, 64);
    System.out.println(ok ? "PASSED" : "FAILED");
    return ok;
  }

  private static long max(List<Sample> samples, java.util.function.ToLongFunction<Sample> value) {
    return samples.stream().mapToLong(value).max().orElse(0);
  }

  private static long min(List<Sample> samples, java.util.function.ToLongFunction<Sample> value) {
    return samples.stream().mapToLong(value).min().orElse(0);
  }

  private static boolean verdict(String what, long first, long last, double factor, long slack) {
    boolean steady = last <= first * factor + slack;
    System.out.printf("  %-18s first third %,d, last third %,d: %s%n", what, first, last,
        steady ? "steady" : "GROWING");
    return steady;
  }
}
