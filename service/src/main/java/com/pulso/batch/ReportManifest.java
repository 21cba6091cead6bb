package com.pulso.batch;

import com.pulso.report.ReportLayout;
import com.pulso.report.ReportLayout.Manifest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A provider's day's {@code _manifest.json} ({@link ReportLayout}): what the nightly run wrote and
 * the figures it stands for. A day without one has no report.
 */
public record ReportManifest(int providerId, LocalDate day, String runId, Instant createdAt, long rows,
                             long transactions, BigDecimal totalAmount, JsonObject sourceHighWaterMark,
                             List<ReportFile> files) {

  /** A data file of the report, named within its day's directory. */
  public record ReportFile(String name, String format, long bytes, String sha256) {}

  public ReportManifest {
    Objects.requireNonNull(day, "day");
    files = List.copyOf(files);
  }

  /** The file of a format ({@link ReportLayout#JSON_LINES}, {@link ReportLayout#PARQUET}), if the run wrote one. */
  public Optional<ReportFile> file(String format) {
    return files.stream().filter(file -> file.format().equals(format)).findFirst();
  }

  /**
   * Reads a manifest found at the key of {@code providerId}'s {@code day}.
   *
   * @throws IllegalArgumentException naming what is wrong: another version, another provider or day
   *     than its key says, a missing field, an inexact amount, a file name outside its directory
   */
  public static ReportManifest parse(int providerId, LocalDate day, String json) {
    try {
      JsonObject manifest = new JsonObject(json);
      int version = manifest.getInteger(Manifest.VERSION, -1);
      if (version != ReportLayout.MANIFEST_VERSION) {
        throw new IllegalArgumentException("manifest version " + version + ", expected " + ReportLayout.MANIFEST_VERSION);
      }
      if (manifest.getInteger(Manifest.PROVIDER_ID, -1) != providerId
          || !day.toString().equals(manifest.getString(Manifest.DATE))) {
        throw new IllegalArgumentException("manifest of provider " + manifest.getValue(Manifest.PROVIDER_ID) + " and day "
            + manifest.getValue(Manifest.DATE) + " found under provider " + providerId + "'s " + day);
      }
      List<ReportFile> files = new ArrayList<>();
      JsonArray listed = required(manifest.getJsonArray(Manifest.FILES), Manifest.FILES);
      for (int i = 0; i < listed.size(); i++) {
        JsonObject file = listed.getJsonObject(i);
        String name = required(file.getString(Manifest.FILE_NAME), Manifest.FILE_NAME);
        ReportLayout.fileKey(providerId, day, name); // refuses names outside the day's directory
        files.add(new ReportFile(name, required(file.getString(Manifest.FILE_FORMAT), Manifest.FILE_FORMAT),
            required(file.getLong(Manifest.FILE_BYTES), Manifest.FILE_BYTES),
            required(file.getString(Manifest.FILE_SHA256), Manifest.FILE_SHA256)));
      }
      BigDecimal total = new BigDecimal(required(manifest.getString(Manifest.TOTAL_AMOUNT), Manifest.TOTAL_AMOUNT));
      if (total.scale() != 2) {
        throw new IllegalArgumentException(Manifest.TOTAL_AMOUNT + " must have two decimals: " + total);
      }
      return new ReportManifest(providerId, day, required(manifest.getString(Manifest.RUN_ID), Manifest.RUN_ID),
          Instant.parse(required(manifest.getString(Manifest.CREATED_AT), Manifest.CREATED_AT)),
          required(manifest.getLong(Manifest.ROWS), Manifest.ROWS),
          required(manifest.getLong(Manifest.TRANSACTIONS), Manifest.TRANSACTIONS), total,
          manifest.getJsonObject(Manifest.SOURCE_HIGH_WATER_MARK, new JsonObject()), files);
    } catch (RuntimeException e) {
      throw e instanceof IllegalArgumentException bad ? bad
          : new IllegalArgumentException("unreadable manifest: " + e.getMessage(), e);
    }
  }

  /** The manifest as {@code _manifest.json} holds it. */
  public JsonObject toJson() {
    JsonArray listed = new JsonArray();
    files.forEach(file -> listed.add(new JsonObject()
        .put(Manifest.FILE_NAME, file.name())
        .put(Manifest.FILE_FORMAT, file.format())
        .put(Manifest.FILE_BYTES, file.bytes())
        .put(Manifest.FILE_SHA256, file.sha256())));
    return new JsonObject()
        .put(Manifest.VERSION, ReportLayout.MANIFEST_VERSION)
        .put(Manifest.PROVIDER_ID, providerId)
        .put(Manifest.DATE, day.toString())
        .put(Manifest.RUN_ID, runId)
        .put(Manifest.CREATED_AT, createdAt.toString())
        .put(Manifest.ROWS, rows)
        .put(Manifest.TRANSACTIONS, transactions)
        .put(Manifest.TOTAL_AMOUNT, totalAmount.toPlainString())
        .put(Manifest.SOURCE_HIGH_WATER_MARK, sourceHighWaterMark)
        .put(Manifest.FILES, listed);
  }

  private static <T> T required(T value, String field) {
    if (value == null) {
      throw new IllegalArgumentException("manifest field " + field + " is missing");
    }
    return value;
  }
}
