package com.pulso.glue;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.pulso.report.ReportLayout;
import com.pulso.report.ReportLayout.Manifest;
import com.pulso.report.ReportLayout.Row;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.apache.spark.sql.SparkSession;

/**
 * A provider's day as a reader finds it in a job's output directory, read the way the server reads
 * it: the manifest first, then only the files it names, each checked against its size and SHA-256.
 */
record StoredReport(JsonNode manifest, Path parquet, List<Line> lines) {

  /** One report row, whichever file it was read from. */
  record Line(int providerId, LocalDate day, long clientId, String firstName, String lastName, long transactions,
              BigDecimal totalAmount) {}

  private static final ObjectMapper JSON = new ObjectMapper();

  static Path manifestPath(Path output, int providerId, LocalDate day) {
    return output.resolve(ReportLayout.manifestKey(providerId, day));
  }

  /** The report, after checking that every file its manifest names is there, byte for byte. */
  static StoredReport read(Path output, int providerId, LocalDate day) throws IOException {
    JsonNode manifest = JSON.readTree(Files.readAllBytes(manifestPath(output, providerId, day)));
    assertThat(manifest.get(Manifest.VERSION).asInt()).isEqualTo(ReportLayout.MANIFEST_VERSION);
    assertThat(manifest.get(Manifest.PROVIDER_ID).asInt()).isEqualTo(providerId);
    assertThat(manifest.get(Manifest.DATE).asText()).isEqualTo(day.toString());
    Path parquet = null;
    List<Line> lines = new ArrayList<>();
    for (JsonNode file : manifest.get(Manifest.FILES)) {
      Path path = output.resolve(ReportLayout.fileKey(providerId, day, file.get(Manifest.FILE_NAME).asText()));
      byte[] bytes = Files.readAllBytes(path);
      assertThat(bytes.length).as("size of %s", path).isEqualTo(file.get(Manifest.FILE_BYTES).asLong());
      assertThat(sha256(bytes)).as("SHA-256 of %s", path).isEqualTo(file.get(Manifest.FILE_SHA256).asText());
      switch (file.get(Manifest.FILE_FORMAT).asText()) {
        case ReportLayout.PARQUET -> parquet = path;
        case ReportLayout.JSON_LINES -> lines.addAll(jsonLines(bytes));
        default -> throw new AssertionError("unknown format in " + manifest);
      }
    }
    assertThat(parquet).as("the Parquet file of %s", manifest).isNotNull();
    return new StoredReport(manifest, parquet, List.copyOf(lines));
  }

  String runId() {
    return manifest.get(Manifest.RUN_ID).asText();
  }

  long rows() {
    return manifest.get(Manifest.ROWS).asLong();
  }

  long transactions() {
    return manifest.get(Manifest.TRANSACTIONS).asLong();
  }

  /** As the manifest holds it: a string with two decimals. */
  String totalAmount() {
    return manifest.get(Manifest.TOTAL_AMOUNT).asText();
  }

  List<String> fileNames() {
    List<String> names = new ArrayList<>();
    manifest.get(Manifest.FILES).forEach(file -> names.add(file.get(Manifest.FILE_NAME).asText()));
    return names;
  }

  /** The rows of the Parquet file, as Spark reads them. */
  List<Line> parquetLines(SparkSession spark) {
    List<Line> read = new ArrayList<>();
    for (org.apache.spark.sql.Row row : spark.read().parquet(parquet.toUri().toString()).collectAsList()) {
      read.add(new Line(row.getInt(row.fieldIndex(Row.PROVIDER_ID)),
          row.getDate(row.fieldIndex(Row.DATE)).toLocalDate(), row.getLong(row.fieldIndex(Row.CLIENT_ID)),
          row.getString(row.fieldIndex(Row.FIRST_NAME)), row.getString(row.fieldIndex(Row.LAST_NAME)),
          row.getLong(row.fieldIndex(Row.TRANSACTIONS)), row.getDecimal(row.fieldIndex(Row.TOTAL_AMOUNT))));
    }
    return read;
  }

  private static List<Line> jsonLines(byte[] bytes) throws IOException {
    List<Line> lines = new ArrayList<>();
    for (String text : new String(bytes, StandardCharsets.UTF_8).split("\n")) {
      if (text.isEmpty()) {
        continue;
      }
      JsonNode row = JSON.readTree(text);
      String amount = row.get(Row.TOTAL_AMOUNT).asText();
      assertThat(amount).as("the amount of %s", text).matches("[0-9]+\\.[0-9]{2}");
      lines.add(new Line(row.get(Row.PROVIDER_ID).asInt(), LocalDate.parse(row.get(Row.DATE).asText()),
          row.get(Row.CLIENT_ID).asLong(), text(row, Row.FIRST_NAME), text(row, Row.LAST_NAME),
          row.get(Row.TRANSACTIONS).asLong(), new BigDecimal(amount)));
    }
    return lines;
  }

  private static String text(JsonNode row, String field) {
    JsonNode value = row.get(field);
    return value == null || value.isNull() ? null : value.asText();
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
