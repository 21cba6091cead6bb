package com.pulso.glue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.pulso.report.ReportLayout;
import com.pulso.report.ReportLayout.Manifest;
import com.pulso.report.ReportLayout.Row;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * Where the reports go, in the layout of {@link ReportLayout}, through Hadoop's FileSystem API: S3 on
 * Glue ({@code s3://}), a plain directory locally. A report is published in three steps: its data
 * files under names of its run ({@link #writeFiles}), then its manifest, which replaces the previous
 * one whole ({@link #publish}), then the files no manifest names any more are removed
 * ({@link #removeStale}). Readers trust only what a manifest names, so they see the old report or
 * the new one, never a mix.
 */
final class ReportOutput {

  /** A data file as its manifest names it. */
  record WrittenFile(String name, String format, long bytes, String sha256) {}

  /** What of the source a run read, for the manifest. {@code maxSaleId} is null for a day without sales. */
  record HighWaterMark(Long maxSaleId, Instant readAt) {}

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final JsonFactory JSON_LINES = new JsonFactoryBuilder().rootValueSeparator((String) null).build();

  private final FileSystem fs;
  private final Path root;
  private final Configuration conf;

  private ReportOutput(FileSystem fs, Path root, Configuration conf) {
    this.fs = fs;
    this.root = root;
    this.conf = conf;
  }

  /** {@code output}: a Hadoop URI ({@code s3://bucket/prefix}) or a local directory (made absolute). */
  static ReportOutput open(String output, Configuration conf) throws IOException {
    URI uri = new Path(output).toUri();
    Path root;
    if (uri.getScheme() == null) {
      root = new Path(new File(output).getAbsoluteFile().toURI());
    } else {
      root = new Path(uri.getScheme(), uri.getAuthority(), uri.getPath() == null || uri.getPath().isEmpty() ? "/" : uri.getPath());
    }
    FileSystem fs;
    if ("file".equals(root.toUri().getScheme())) {
      fs = new LocalReportFileSystem();
      fs.initialize(URI.create("file:///"), conf);
    } else {
      fs = root.getFileSystem(conf);
    }
    return new ReportOutput(fs, fs.makeQualified(root), conf);
  }

  Path dayDirectory(int providerId, LocalDate day) {
    return new Path(root, ReportLayout.dayPrefix(providerId, day));
  }

  /** Writes the report's Parquet and JSON lines files under names of {@code runId}. */
  List<WrittenFile> writeFiles(DailyReport report, String runId) throws IOException {
    Path dir = dayDirectory(report.providerId(), report.day());
    List<WrittenFile> files = new ArrayList<>();

    String parquet = ReportLayout.dataFileName(runId, ReportLayout.PARQUET);
    HashingOutputStream parquetOut = new HashingOutputStream(fs.create(new Path(dir, parquet), true));
    ReportParquet.write(report, parquetOut, conf);
    files.add(new WrittenFile(parquet, ReportLayout.PARQUET, parquetOut.bytes(), parquetOut.sha256()));

    String jsonLines = ReportLayout.dataFileName(runId, ReportLayout.JSON_LINES);
    HashingOutputStream jsonOut = new HashingOutputStream(fs.create(new Path(dir, jsonLines), true));
    try (jsonOut) {
      writeJsonLines(report, jsonOut);
    }
    files.add(new WrittenFile(jsonLines, ReportLayout.JSON_LINES, jsonOut.bytes(), jsonOut.sha256()));
    return files;
  }

  /**
   * Writes the report's manifest, naming {@code files}: from here on readers see this run's report.
   * Locally it is written aside and moved over the old one (a reader never sees half a manifest); an
   * object store replaces an object whole on its own.
   */
  void publish(DailyReport report, List<WrittenFile> files, String runId, Instant createdAt, HighWaterMark mark)
      throws IOException {
    byte[] manifest = JSON.writeValueAsBytes(manifest(report, files, runId, createdAt, mark));
    Path dir = dayDirectory(report.providerId(), report.day());
    Path target = new Path(dir, ReportLayout.MANIFEST);
    if (fs instanceof RawLocalFileSystem local) {
      Path aside = new Path(dir, ReportLayout.MANIFEST + ".tmp-" + runId);
      write(aside, manifest);
      Files.move(local.pathToFile(aside).toPath(), local.pathToFile(target).toPath(), StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
    } else {
      write(target, manifest);
    }
  }

  /**
   * Removes the files of the report's directory that its manifest does not name (earlier runs', a
   * failed run's).
   *
   * @return the names removed
   */
  List<String> removeStale(DailyReport report, List<WrittenFile> kept) throws IOException {
    Set<String> keep = new java.util.HashSet<>();
    kept.forEach(file -> keep.add(file.name()));
    keep.add(ReportLayout.MANIFEST);
    List<String> removed = new ArrayList<>();
    for (FileStatus status : fs.listStatus(dayDirectory(report.providerId(), report.day()))) {
      String name = status.getPath().getName();
      if (status.isFile() && !keep.contains(name)) {
        fs.delete(status.getPath(), false);
        removed.add(name);
      }
    }
    return removed;
  }

  private static ObjectNode manifest(DailyReport report, List<WrittenFile> files, String runId, Instant createdAt,
                                     HighWaterMark mark) {
    ObjectNode manifest = JSON.createObjectNode()
        .put(Manifest.VERSION, ReportLayout.MANIFEST_VERSION)
        .put(Manifest.PROVIDER_ID, report.providerId())
        .put(Manifest.DATE, report.day().toString())
        .put(Manifest.RUN_ID, runId)
        .put(Manifest.CREATED_AT, createdAt.toString())
        .put(Manifest.ROWS, (long) report.rows().size())
        .put(Manifest.TRANSACTIONS, report.transactions())
        .put(Manifest.TOTAL_AMOUNT, report.totalAmount().toPlainString());
    manifest.putObject(Manifest.SOURCE_HIGH_WATER_MARK)
        .put(Manifest.SOURCE_MAX_SALE_ID, mark.maxSaleId())
        .put(Manifest.SOURCE_READ_AT, mark.readAt().toString());
    ArrayNode listed = manifest.putArray(Manifest.FILES);
    for (WrittenFile file : files) {
      listed.addObject()
          .put(Manifest.FILE_NAME, file.name())
          .put(Manifest.FILE_FORMAT, file.format())
          .put(Manifest.FILE_BYTES, file.bytes())
          .put(Manifest.FILE_SHA256, file.sha256());
    }
    return manifest;
  }

  /** One {@link Row} object per line; the amount a string with two decimals, as the server reads it. */
  private static void writeJsonLines(DailyReport report, OutputStream out) throws IOException {
    String day = report.day().toString();
    try (JsonGenerator json = JSON_LINES.createGenerator(out)) {
      for (DailyReport.Row row : report.rows()) {
        json.writeStartObject();
        json.writeNumberField(Row.PROVIDER_ID, report.providerId());
        json.writeStringField(Row.DATE, day);
        json.writeNumberField(Row.CLIENT_ID, row.clientId());
        json.writeStringField(Row.FIRST_NAME, row.firstName());
        json.writeStringField(Row.LAST_NAME, row.lastName());
        json.writeNumberField(Row.TRANSACTIONS, row.transactions());
        json.writeStringField(Row.TOTAL_AMOUNT, row.totalAmount().toPlainString());
        json.writeEndObject();
        json.writeRaw('\n');
      }
    }
  }

  private void write(Path path, byte[] bytes) throws IOException {
    try (OutputStream out = fs.create(path, true)) {
      out.write(bytes);
    }
  }
}
