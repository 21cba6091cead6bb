package com.pulso.batch;

import com.pulso.aggregate.DailyClientTotal;
import com.pulso.aws.AwsClients;
import com.pulso.batch.ReportManifest.ReportFile;
import com.pulso.report.ReportLayout;
import com.pulso.report.ReportLayout.Row;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * The nightly reports as the server reads them from S3: a day's manifest, its client rows (the JSON
 * lines file, checked against the manifest's checksum and totals), and signed download links.
 */
public final class ReportStore {

  private final Vertx vertx;
  private final AwsClients aws;
  private final String bucket;

  public ReportStore(Vertx vertx, AwsClients aws, String bucket) {
    this.vertx = vertx;
    this.aws = aws;
    this.bucket = bucket;
  }

  /** A signed, time-limited GET of one report file. */
  public record ReportLink(ReportFile file, URL url, Instant expiresAt) {}

  /** The provider's day's manifest; empty when the day has no report. */
  public Future<Optional<ReportManifest>> manifest(int providerId, LocalDate day) {
    String key = ReportLayout.manifestKey(providerId, day);
    return read(key)
        .map(bytes -> Optional.of(ReportManifest.parse(providerId, day, new String(bytes, StandardCharsets.UTF_8))))
        .recover(error -> error instanceof NoSuchKeyException ? Future.succeededFuture(Optional.empty())
            : Future.failedFuture(error));
  }

  /**
   * The report's rows, by client id.
   *
   * @return a failed future ({@link IllegalStateException}) when the report has no JSON lines file,
   *     or its bytes, rows or totals are not what the manifest says
   */
  public Future<List<DailyClientTotal>> clients(ReportManifest manifest) {
    ReportFile file = manifest.file(ReportLayout.JSON_LINES).orElse(null);
    if (file == null) {
      return Future.failedFuture(new IllegalStateException(describe(manifest) + " has no JSON lines file"));
    }
    return read(ReportLayout.fileKey(manifest.providerId(), manifest.day(), file.name()))
        // A large provider's day is megabytes of JSON: parsed off the event loop.
        .compose(bytes -> vertx.executeBlocking(() -> rows(manifest, file, bytes), false));
  }

  /** Signs a GET of each file of the report, valid for {@code validity}. */
  public List<ReportLink> links(ReportManifest manifest, Duration validity, Instant now) {
    List<ReportLink> links = new ArrayList<>();
    for (ReportFile file : manifest.files()) {
      GetObjectRequest get = GetObjectRequest.builder().bucket(bucket)
          .key(ReportLayout.fileKey(manifest.providerId(), manifest.day(), file.name())).build();
      URL url = aws.s3Presigner().presignGetObject(p -> p.signatureDuration(validity).getObjectRequest(get)).url();
      links.add(new ReportLink(file, url, now.plus(validity)));
    }
    return links;
  }

  private Future<byte[]> read(String key) {
    return aws.call(() -> aws.s3().getObject(GetObjectRequest.builder().bucket(bucket).key(key).build(),
        AsyncResponseTransformer.toBytes())).map(response -> response.asByteArray());
  }

  private static List<DailyClientTotal> rows(ReportManifest manifest, ReportFile file, byte[] bytes) {
    if (bytes.length != file.bytes() || !sha256(bytes).equals(file.sha256())) {
      throw new IllegalStateException(describe(manifest) + ": " + file.name() + " is not the file its manifest names"
          + " (size or SHA-256 differ)");
    }
    List<DailyClientTotal> rows = new ArrayList<>();
    long transactions = 0;
    BigDecimal amount = BigDecimal.ZERO.setScale(2);
    for (String line : new String(bytes, StandardCharsets.UTF_8).split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      JsonObject row = new JsonObject(line);
      if (row.getInteger(Row.PROVIDER_ID) != manifest.providerId() || !manifest.day().toString().equals(row.getString(Row.DATE))) {
        throw new IllegalStateException(describe(manifest) + " holds a row of another provider or day: " + line);
      }
      DailyClientTotal total = new DailyClientTotal(manifest.providerId(), manifest.day(), row.getLong(Row.CLIENT_ID),
          row.getLong(Row.TRANSACTIONS), new BigDecimal(row.getString(Row.TOTAL_AMOUNT)).setScale(2));
      transactions += total.transactions();
      amount = amount.add(total.amount());
      rows.add(total);
    }
    if (rows.size() != manifest.rows() || transactions != manifest.transactions()
        || amount.compareTo(manifest.totalAmount()) != 0) {
      throw new IllegalStateException(describe(manifest) + ": its rows add up to " + rows.size() + " rows, " + transactions
          + " transactions, " + amount + "; the manifest says " + manifest.rows() + ", " + manifest.transactions() + ", "
          + manifest.totalAmount());
    }
    rows.sort(Comparator.comparingLong(DailyClientTotal::clientId));
    return List.copyOf(rows);
  }

  /** Lower-case hex SHA-256, as manifests hold it. */
  public static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String describe(ReportManifest manifest) {
    return "the report of provider " + manifest.providerId() + "'s " + manifest.day() + " (run " + manifest.runId() + ")";
  }
}
