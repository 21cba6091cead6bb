package com.pulso.testing;

import com.pulso.aggregate.DailyClientTotal;
import com.pulso.aws.AwsClients;
import com.pulso.batch.ReportManifest;
import com.pulso.batch.ReportManifest.ReportFile;
import com.pulso.batch.ReportStore;
import com.pulso.report.ReportLayout;
import com.pulso.report.ReportLayout.Row;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import software.amazon.awssdk.core.async.AsyncRequestBody;

/**
 * Writes a provider's day's report into S3 as the nightly job leaves it (JSON lines, then the
 * manifest naming it), for tests of what reads reports: the server's checks, reconciliation and API.
 */
public final class TestReports {

  private TestReports() {}

  /** The report of {@code rows} (one provider's day), manifest last; completes with its manifest. */
  public static Future<ReportManifest> write(AwsClients aws, String bucket, int providerId, LocalDate day, String runId,
                                             List<DailyClientTotal> rows) {
    StringBuilder lines = new StringBuilder();
    rows.forEach(total -> lines.append(row(providerId, day, total.clientId(), total.transactions(),
        total.amount().toPlainString())).append('\n'));
    byte[] jsonLines = lines.toString().getBytes(StandardCharsets.UTF_8);
    String name = "part-00000-" + runId + ".jsonl";
    ReportManifest manifest = new ReportManifest(providerId, day, runId, Instant.now(), rows.size(),
        rows.stream().mapToLong(DailyClientTotal::transactions).sum(),
        rows.stream().map(DailyClientTotal::amount).reduce(new BigDecimal("0.00"), BigDecimal::add),
        new JsonObject(), List.of(new ReportFile(name, ReportLayout.JSON_LINES, jsonLines.length,
            ReportStore.sha256(jsonLines))));
    return put(aws, bucket, ReportLayout.fileKey(providerId, day, name), jsonLines)
        .compose(v -> put(aws, bucket, ReportLayout.manifestKey(providerId, day),
            manifest.toJson().encode().getBytes(StandardCharsets.UTF_8)))
        .map(manifest);
  }

  /** One JSON lines row of the report layout. */
  public static String row(int providerId, LocalDate day, long clientId, long transactions, String amount) {
    return new JsonObject().put(Row.PROVIDER_ID, providerId).put(Row.DATE, day.toString())
        .put(Row.CLIENT_ID, clientId).put(Row.FIRST_NAME, "Nombre" + clientId)
        .put(Row.LAST_NAME, "Apellido" + clientId).put(Row.TRANSACTIONS, transactions)
        .put(Row.TOTAL_AMOUNT, amount).encode();
  }

  public static Future<Void> put(AwsClients aws, String bucket, String key, byte[] bytes) {
    return aws.call(() -> aws.s3().putObject(put -> put.bucket(bucket).key(key), AsyncRequestBody.fromBytes(bytes)))
        .mapEmpty();
  }
}
