package com.pulso.glue;

import com.pulso.glue.ReportOutput.HighWaterMark;
import com.pulso.glue.ReportOutput.WrittenFile;
import com.pulso.glue.SalesAggregation.ClientTotal;
import com.pulso.glue.SourceDatabase.ClientName;
import com.pulso.glue.SourceDatabase.DayBounds;
import com.pulso.glue.SourceQueries.DayWindow;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The nightly report job: for each business day asked, every provider's sales per client, written as
 * a report per provider and day ({@link com.pulso.report.ReportLayout}). The entry point for Glue
 * ({@code --class}) and for the local runner ({@code java @conf/spark-jvm.options -cp ... }).
 *
 * <p>A day is done in three steps, so that a run that fails leaves every previous report readable:
 * the data files of every provider (new names), then the manifests, then the stale files.
 */
public final class DailyReportJob {

  /** Exit status of a run refused for its arguments (nothing was read or written). */
  public static final int EXIT_BAD_ARGUMENTS = 2;
  /** Exit status of a run that failed (reports it had not published yet are untouched). */
  public static final int EXIT_FAILED = 1;
  /** The log configuration used when run locally (Glue has its own). */
  static final String LOCAL_LOG_CONFIG = "pulso-glue-job-log4j2.properties";

  private final SparkSession spark;
  private final JobArguments args;
  private final Clock clock;
  // Not static: the logging configuration is chosen in main, before the first logger exists.
  private final Logger log = LoggerFactory.getLogger(DailyReportJob.class);

  public DailyReportJob(SparkSession spark, JobArguments args, Clock clock) {
    this.spark = spark;
    this.args = args;
    this.clock = clock;
  }

  public static void main(String[] argv) {
    List<JobArguments.Ignored> ignored = new ArrayList<>();
    JobArguments args;
    try {
      args = JobArguments.parse(argv, System.getenv(), Clock.systemUTC(), ignored);
    } catch (IllegalArgumentException e) {
      System.err.println("pulso-glue-job: " + e.getMessage());
      System.err.println(JobArguments.USAGE);
      System.exit(EXIT_BAD_ARGUMENTS);
      return;
    }
    if (!args.onGlue() && System.getProperty("log4j2.configurationFile") == null) {
      System.setProperty("log4j2.configurationFile", LOCAL_LOG_CONFIG);
    }
    Logger log = LoggerFactory.getLogger(DailyReportJob.class);
    int status = 0;
    SparkSession spark = null;
    try {
      long starting = System.nanoTime();
      spark = session(args);
      // Logged once Spark has set up logging (on Glue, before that only errors show).
      log.info("run {}: Spark {} ready in {} ms", args.runId(), spark.version(), (System.nanoTime() - starting) / 1_000_000);
      ignored.forEach(argument -> log.info("ignoring --{}: a Glue parameter, not the job's", argument.name()));
      List<DailyReport> reports = new DailyReportJob(spark, args, Clock.systemUTC()).run();
      log.info("run {} done: {} reports of {} day(s) under {}", args.runId(), reports.size(), args.days().size(),
          args.output());
    } catch (Exception | LinkageError e) {
      String message = "daily report run " + args.runId() + " failed: " + describe(e);
      log.error(message, e);
      if (args.onGlue()) {
        // Glue reports the exception's message as the run's ErrorMessage, where the server reads it.
        throw new IllegalStateException(message, e);
      }
      System.err.println("pulso-glue-job: " + message);
      status = EXIT_FAILED;
    } finally {
      if (spark != null && !args.onGlue()) {
        spark.stop();
      }
    }
    if (!args.onGlue()) {
      System.exit(status);
    }
  }

  /**
   * Glue's session as Glue set it up; locally, Spark in this JVM on every core (or as the {@code spark.*}
   * system properties say), on loopback, without its web UI.
   */
  static SparkSession session(JobArguments args) {
    SparkSession.Builder builder = SparkSession.builder().appName("pulso-daily-report");
    if (!args.onGlue() && !new SparkConf().contains("spark.master")) {
      builder.master("local[*]")
          .config("spark.ui.enabled", "false")
          .config("spark.driver.host", "127.0.0.1")
          .config("spark.driver.bindAddress", "127.0.0.1")
          .config("spark.sql.shuffle.partitions", Integer.toString(Runtime.getRuntime().availableProcessors()));
    }
    return builder.getOrCreate();
  }

  /**
   * Reports every day of the arguments, in order.
   *
   * @return the reports published, per day and provider
   */
  public List<DailyReport> run() throws Exception {
    // An amount that does not fit decimal(18, 2) must fail the run, not become a null.
    spark.conf().set("spark.sql.ansi.enabled", "true");
    JobArguments args = SourceCredentials.resolve(this.args);
    ReportOutput output = ReportOutput.open(args.output(), spark.sparkContext().hadoopConfiguration());
    SalesAggregation aggregation = new SalesAggregation(spark, args);
    List<DailyReport> published = new ArrayList<>();
    try (SourceDatabase source = SourceDatabase.connect(args)) {
      SourceQueries queries = new SourceQueries(args.source(), source.saleColumnTypes());
      List<Integer> providers = source.providers();
      Map<String, Integer> products = source.productProviders();
      for (LocalDate day : args.days()) {
        long start = System.nanoTime();
        DayWindow window = new DayWindow(day, args.zone());
        DayBounds bounds = source.bounds(queries, window);
        List<ClientTotal> totals = bounds.isEmpty() ? List.of()
            : aggregation.totals(queries.countedSales(window, bounds.maxSaleId()), bounds, products);
        long aggregated = System.nanoTime();
        Map<Long, ClientName> names = source.clientNames(queries,
            totals.stream().map(ClientTotal::clientId).distinct().toList());
        List<DailyReport> reports = reports(day, providers, totals, names);
        publish(output, reports, new HighWaterMark(bounds.maxSaleId(), bounds.readAt()));
        published.addAll(reports);
        log.info("{}: {} read and summed in {} ms, {} reports written in {} ms", day,
            bounds.isEmpty() ? "no sales" : "sales " + bounds.minSaleId() + ".." + bounds.maxSaleId(),
            (aggregated - start) / 1_000_000, reports.size(), (System.nanoTime() - aggregated) / 1_000_000);
      }
    }
    return published;
  }

  /** A report per provider: every provider of Pulso's list, with or without sales. */
  private static List<DailyReport> reports(LocalDate day, List<Integer> providers, List<ClientTotal> totals,
                                           Map<Long, ClientName> names) {
    Map<Integer, List<DailyReport.Row>> rows = new LinkedHashMap<>();
    new TreeSet<>(providers).forEach(provider -> rows.put(provider, new ArrayList<>()));
    for (ClientTotal total : totals) {
      ClientName name = names.getOrDefault(total.clientId(), ClientName.UNKNOWN);
      rows.computeIfAbsent(total.providerId(), provider -> new ArrayList<>()).add(new DailyReport.Row(total.clientId(),
          name.first(), name.last(), total.transactions(), total.totalAmount()));
    }
    List<DailyReport> reports = new ArrayList<>();
    rows.forEach((provider, clients) -> reports.add(new DailyReport(provider, day, clients)));
    return reports;
  }

  /** A report and the data files written for it. */
  private record Written(DailyReport report, List<WrittenFile> files) {}

  /** Data files of every report first, then the manifests, then the stale files. */
  private void publish(ReportOutput output, List<DailyReport> reports, HighWaterMark mark) throws IOException {
    List<Written> written = new ArrayList<>();
    for (DailyReport report : reports) {
      written.add(new Written(report, output.writeFiles(report, args.runId())));
    }
    Instant createdAt = clock.instant().truncatedTo(ChronoUnit.MILLIS);
    for (Written each : written) {
      DailyReport report = each.report();
      output.publish(report, each.files(), args.runId(), createdAt, mark);
      log.info("provider {} {}: {} clients, {} transactions, {} (run {})", report.providerId(), report.day(),
          report.rows().size(), report.transactions(), report.totalAmount(), args.runId());
    }
    for (Written each : written) {
      DailyReport report = each.report();
      try {
        List<String> removed = output.removeStale(report, each.files());
        if (!removed.isEmpty()) {
          log.info("provider {} {}: removed stale {}", report.providerId(), report.day(), removed);
        }
      } catch (IOException e) {
        // The new report is published and readable; leftovers only cost space and go with the next run.
        log.warn("provider {} {}: stale files not removed: {}", report.providerId(), report.day(), e.toString());
      }
    }
  }

  private static String describe(Throwable e) {
    StringBuilder message = new StringBuilder(String.valueOf(e.getMessage()));
    for (Throwable cause = e.getCause(); cause != null && cause != cause.getCause(); cause = cause.getCause()) {
      if (cause.getMessage() != null && !message.toString().contains(cause.getMessage())) {
        message.append(": ").append(cause.getMessage());
      }
    }
    return message.toString();
  }
}
