package com.pulso.batch;

import com.pulso.aws.AwsClients;
import com.pulso.config.PulsoConfig;
import com.pulso.db.Postgres;
import com.pulso.report.ReportLayout;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The report job in a child JVM of this member: the glue-job module's entry point on its own class
 * path ({@code batch.local.jobJar}, then what {@code batch.local.classpathFile} lists) with Spark's JVM
 * flags ({@code batch.local.jvmOptionsFile}),
 * reading the source database of {@code database.*} and writing the reports' layout into a local
 * directory of {@code batch.local.workDir}; its output and exit code are kept in a log beside it.
 * Once the job exits 0, the directory is uploaded to {@code aws.s3.bucket}: each day's data files,
 * then its manifest, then the files of earlier runs that the manifest no longer names are removed
 * (readers trust only what a manifest names, so a reader in between sees the old report whole).
 */
public final class LocalSparkRunner implements JobRunner {

  static final String MAIN_CLASS = "com.pulso.glue.DailyReportJob";
  /** Where the job reads the source password from when no {@code --jdbc-password} is given. */
  private static final String PASSWORD_ENV = "PULSO_JDBC_PASSWORD";
  private static final Logger LOG = LoggerFactory.getLogger(LocalSparkRunner.class);
  private static final int LOG_TAIL_LINES = 15;

  private final Vertx vertx;
  private final AwsClients aws;
  private final PulsoConfig config;
  private final Map<String, Process> running = new ConcurrentHashMap<>();

  public LocalSparkRunner(Vertx vertx, AwsClients aws, PulsoConfig config) {
    this.vertx = vertx;
    this.aws = aws;
    this.config = config;
  }

  @Override
  public String name() {
    return "local";
  }

  @Override
  public Future<String> start(JobRequest request) {
    String runId = request.runId();
    return vertx.executeBlocking(() -> {
      Path output = output(runId);
      Files.createDirectories(output);
      ProcessBuilder builder = new ProcessBuilder(command(request, output))
          .redirectErrorStream(true)
          .redirectOutput(log(runId).toFile());
      // The password goes through the environment, never the command line (visible to ps).
      builder.environment().put(PASSWORD_ENV, config.database().password());
      running.put(runId, builder.start());
      return runId;
    }, false);
  }

  @Override
  public Future<JobState> state(String runId) {
    Process process = running.get(runId);
    if (process == null) {
      return Future.succeededFuture(JobState.failed("no local job " + runId + " runs on this member"));
    }
    if (process.isAlive()) {
      return Future.succeededFuture(JobState.RUNNING);
    }
    running.remove(runId);
    if (process.exitValue() != 0) {
      return vertx.executeBlocking(() -> JobState.failed("the job exited with " + process.exitValue() + ": "
          + tail(log(runId))), false);
    }
    return upload(output(runId))
        .andThen(uploaded -> {
          if (uploaded.succeeded()) {
            removeFiles(runId);
          }
        })
        .map(JobState.SUCCEEDED)
        .recover(error -> Future.succeededFuture(JobState.failed("the reports could not be uploaded to S3: "
            + error.getMessage())));
  }

  @Override
  public Future<Void> stop(String runId) {
    Process process = running.remove(runId);
    if (process == null) {
      return Future.succeededFuture();
    }
    return vertx.executeBlocking(() -> {
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
      return null;
    }, false);
  }

  /** Stops every job this member runs (the member is leaving: its child JVMs must not outlive it). */
  @Override
  public void close() {
    running.values().forEach(Process::destroyForcibly);
    running.clear();
  }

  private List<String> command(JobRequest request, Path output) throws IOException {
    PulsoConfig.Batch batch = config.batch();
    PulsoConfig.Database db = config.database();
    PulsoConfig.Source source = config.source();
    String classpath = batch.localJobJar().toAbsolutePath() + File.pathSeparator
        + Files.readString(batch.localClasspathFile(), StandardCharsets.UTF_8).strip();
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "@" + batch.localJvmOptionsFile().toAbsolutePath(),
        "-cp", classpath, MAIN_CLASS));
    request.arguments(config.businessZone()).forEach((name, value) -> command.addAll(List.of(name, value)));
    command.addAll(List.of(
        "--output", output.toAbsolutePath().toString(),
        "--jdbc-url", Postgres.jdbcUrl(db),
        "--jdbc-user", db.user(),
        "--clients-table", source.clientsTable(),
        "--client-id-column", source.clientIdColumn(),
        "--client-first-name-column", source.clientFirstNameColumn(),
        "--client-last-name-column", source.clientLastNameColumn(),
        "--sales-table", source.salesTable(),
        "--sale-id-column", source.saleIdColumn(),
        "--sale-client-column", source.saleClientColumn(),
        "--sale-product-column", source.saleProductColumn(),
        "--sale-time-column", source.saleTimeColumn(),
        "--sale-amount-column", source.saleAmountColumn()));
    return command;
  }

  /** Once in S3, a run's files and log are of no more use here (a failed run keeps them, to be read). */
  private void removeFiles(String runId) {
    vertx.fileSystem().deleteRecursive(output(runId).toString())
        .compose(v -> vertx.fileSystem().delete(log(runId).toString()))
        .onFailure(error -> LOG.warn("Local report run {}: its files in {} could not be removed: {}", runId,
            config.batch().localWorkDir(), error.toString()));
  }

  private Path output(String runId) {
    return config.batch().localWorkDir().resolve(runId);
  }

  private Path log(String runId) {
    return config.batch().localWorkDir().resolve(runId + ".log");
  }

  /** Every day directory of the output, uploaded in turn. */
  private Future<Void> upload(Path output) {
    return vertx.executeBlocking(() -> {
      try (Stream<Path> files = Files.walk(output)) {
        return files.filter(file -> file.getFileName().toString().equals(ReportLayout.MANIFEST)).sorted().toList();
      }
    }, false).compose(manifests -> {
      Future<Void> chain = Future.succeededFuture();
      for (Path manifest : manifests) {
        chain = chain.compose(v -> uploadDay(output, manifest.getParent()));
      }
      return chain;
    });
  }

  /** One provider's day: data files, manifest last, then what the manifest no longer names. */
  private Future<Void> uploadDay(Path output, Path dayDirectory) {
    String prefix = output.relativize(dayDirectory).toString().replace('\\', '/') + "/";
    return vertx.executeBlocking(() -> {
      try (Stream<Path> files = Files.list(dayDirectory)) {
        return files.filter(Files::isRegularFile).map(file -> file.getFileName().toString()).sorted().toList();
      }
    }, false).compose(names -> {
      Future<Void> chain = Future.succeededFuture();
      for (String name : names) {
        if (!name.equals(ReportLayout.MANIFEST)) {
          chain = chain.compose(v -> put(prefix + name, dayDirectory.resolve(name)));
        }
      }
      return chain.compose(v -> put(prefix + ReportLayout.MANIFEST, dayDirectory.resolve(ReportLayout.MANIFEST)))
          .compose(v -> removeStale(prefix, names));
    });
  }

  private Future<Void> put(String key, Path file) {
    return aws.call(() -> aws.s3().putObject(aws.putObject(config.aws().s3Bucket(), key), AsyncRequestBody.fromFile(file)))
        .mapEmpty();
  }

  private Future<Void> removeStale(String prefix, List<String> current) {
    return aws.call(() -> aws.s3().listObjectsV2(list -> list.bucket(config.aws().s3Bucket()).prefix(prefix)))
        .compose((ListObjectsV2Response listing) -> {
          List<Future<?>> deletes = new ArrayList<>();
          for (S3Object object : listing.contents()) {
            String name = object.key().substring(prefix.length());
            if (!name.isEmpty() && !name.contains("/") && !current.contains(name)) {
              deletes.add(aws.call(() -> aws.s3().deleteObject(delete -> delete.bucket(config.aws().s3Bucket())
                  .key(object.key()))));
            }
          }
          return Future.all(deletes).mapEmpty();
        });
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.exists(log) ? Files.readAllLines(log, StandardCharsets.UTF_8) : List.of();
      return String.join("\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
