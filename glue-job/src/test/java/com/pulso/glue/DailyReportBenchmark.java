package com.pulso.glue;

import com.pulso.report.CountedSales;
import com.pulso.report.CountedSales.TypedColumn;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.postgresql.PGConnection;

/**
 * Figures, not assertions (README, "Benchmark"): the daily report job over 1,000,000 sales of one
 * business day, as the local runner starts it (a child JVM: JVM and Spark start included), against
 * the floor, PostgreSQL doing the same aggregation itself ({@code GROUP BY} streamed out with
 * {@code COPY ... TO STDOUT}). Needs the packaged job: {@code target/pulso-glue-job.jar} and
 * {@code target/job-classpath.txt}.
 */
public final class DailyReportBenchmark {

  private static final int SALES = 1_000_000;
  private static final int CLIENTS = 10_000;
  private static final int RUNS = 3;
  private static final LocalDate DAY = LocalDate.of(2026, 4, 15);
  private static final ZoneId ZONE = JobArguments.DEFAULT_ZONE;

  private DailyReportBenchmark() {}

  public static void main(String[] args) throws Exception {
    Path home = home();
    Path jar = home.resolve("glue-job/target/pulso-glue-job.jar");
    Path classpath = home.resolve("glue-job/target/job-classpath.txt");
    if (!Files.isRegularFile(jar) || !Files.isRegularFile(classpath)) {
      throw new IllegalStateException(jar + " or " + classpath + " is missing: package the module first (README)");
    }
    TestSource source = TestSource.get();
    source.execute("INSERT INTO clientes SELECT g, 'Nombre ' || g, 'Apellido ' || g FROM generate_series(601, " + CLIENTS
        + ") g; SELECT setseed(0.7)");
    loadSales(source, DAY);

    List<Duration> floor = new ArrayList<>();
    for (int i = 0; i <= RUNS; i++) {
      Duration took = copyGroupBy(source);
      if (i > 0) { // the first one warms the cache, as the job's first run would otherwise pay for both
        floor.add(took);
      }
      System.out.printf("floor (COPY of the GROUP BY) run %d: %d ms%s%n", i, took.toMillis(), i == 0 ? " (warm-up)" : "");
    }
    List<Duration> job = new ArrayList<>();
    String jobClasspath = jar + java.io.File.pathSeparator + Files.readString(classpath).strip();
    for (int i = 1; i <= RUNS; i++) {
      Duration took = runJob(home, jobClasspath, source, "bench-" + i, "--date", DAY.toString());
      job.add(took);
      System.out.printf("job (child JVM, JVM start included) run %d: %d ms%n", i, took.toMillis());
    }
    // A catch-up run: the same job over two such days, to tell the fixed cost from the per-day one.
    loadSales(source, DAY.plusDays(1));
    Duration twoDays = runJob(home, jobClasspath, source, "bench-two-days", "--from", DAY.toString(), "--to",
        DAY.plusDays(1).toString());
    System.out.printf("job over two days (%,d sales) in one run: %d ms%n", 2 * SALES, twoDays.toMillis());

    long floorMillis = median(floor).toMillis();
    long jobMillis = median(job).toMillis();
    System.out.printf("%nmedian of %d: job %,d ms, floor %,d ms, ratio %.1f (%,d sales, one day, %d cores);"
        + " a second day in the same run: %,d ms more%n", RUNS, jobMillis, floorMillis, (double) jobMillis / floorMillis,
        SALES, Runtime.getRuntime().availableProcessors(), twoDays.toMillis() - jobMillis);
    System.exit(0);
  }

  /** {@link #SALES} sales over the business day, for the three providers' products and {@link #CLIENTS} clients. */
  private static void loadSales(TestSource source, LocalDate day) {
    long loading = System.nanoTime();
    source.execute("INSERT INTO ventas (cliente_id, producto, fecha, monto)"
        + " SELECT 1 + floor(random() * " + CLIENTS + ")::int,"
        + " (ARRAY['LAC-001', 'LAC-002', 'CAF-001', 'CAF-002', 'ASE-001', 'ASE-002'])[1 + floor(random() * 6)::int],"
        + " timestamptz '" + day + " 00:00 " + ZONE.getId() + "' + random() * interval '24 hours',"
        + " round((1 + random() * 250000)::numeric, 2)"
        + " FROM generate_series(1, " + SALES + ") g");
    source.execute("VACUUM ANALYZE ventas");
    System.out.printf("loaded %,d sales of %s in %.1f s%n", SALES, day, (System.nanoTime() - loading) / 1e9);
  }

  /** PostgreSQL's own aggregation of the day, by the same rules and with the names, streamed out. */
  private static Duration copyGroupBy(TestSource source) throws Exception {
    TypedColumn id = new TypedColumn("v.id", "bigint");
    TypedColumn client = new TypedColumn("v.cliente_id", "bigint");
    TypedColumn amount = new TypedColumn("v.monto", "numeric");
    String sql = "COPY (SELECT p.provider_id, " + CountedSales.clientId(client) + ", c.nombre, c.apellido, count(*),"
        + " sum((" + CountedSales.amount(amount) + ")::numeric(18, 2))"
        + " FROM ventas v JOIN pulso.products p ON p.code = v.producto::text"
        + " LEFT JOIN clientes c ON c.id = " + CountedSales.clientId(client)
        + " WHERE v.fecha >= '" + DAY.atStartOfDay(ZONE).toInstant() + "' AND v.fecha < '"
        + DAY.plusDays(1).atStartOfDay(ZONE).toInstant() + "' AND "
        + CountedSales.predicate(id, client, new TypedColumn("v.fecha", "timestamp with time zone"), amount)
        + " GROUP BY 1, 2, 3, 4) TO STDOUT";
    long start = System.nanoTime();
    try (Connection c = source.connect()) {
      c.unwrap(PGConnection.class).getCopyAPI().copyOut(sql, OutputStream.nullOutputStream());
    }
    return Duration.ofNanos(System.nanoTime() - start);
  }

  private static Duration runJob(Path home, String classpath, TestSource source, String runId, String... days)
      throws Exception {
    Path output = Files.createTempDirectory("pulso-bench-");
    Path log = home.resolve("glue-job/target/benchmark-" + runId + ".log");
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "@" + home.resolve("conf/spark-jvm.options"), "-cp", classpath, DailyReportJob.class.getName(),
        "--jdbc-url", source.jdbcUrl(), "--jdbc-user", TestSource.USER, "--output", output.toString(), "--run-id", runId));
    command.addAll(List.of(days));
    long start = System.nanoTime();
    Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    if (!process.waitFor(10, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      throw new IllegalStateException("the job did not finish in 10 minutes: " + log);
    }
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    if (process.exitValue() != 0) {
      throw new IllegalStateException("the job exited with " + process.exitValue() + ": " + Files.readString(log));
    }
    return took;
  }

  private static Duration median(List<Duration> durations) {
    List<Duration> sorted = durations.stream().sorted().toList();
    return sorted.get(sorted.size() / 2);
  }

  /** The repository root: the nearest directory up holding conf/spark-jvm.options. */
  private static Path home() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("conf/spark-jvm.options"))) {
        return dir;
      }
    }
    throw new IllegalStateException("no conf/spark-jvm.options above " + Path.of("").toAbsolutePath());
  }
}
