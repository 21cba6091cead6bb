package com.pulso.stream;

import com.pulso.aws.AwsClients;
import com.pulso.report.AwsLayout;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.services.kinesis.model.Record;

/**
 * Keeps the Kinesis records the codec cannot read, so that nothing read is ever silently dropped:
 * each becomes one JSON object in the reports bucket, {@value #PREFIX}{@code <stream>/<shard>/<sequence>.json},
 * holding the stream, shard, sequence number, partition key, arrival time, the reason and the
 * record's bytes (base64), for inspection and replay. A record up to Kinesis's 1 MiB does not fit
 * a DynamoDB item, hence S3. Storing the same record again writes the same key: harmless.
 */
public final class UnreadableRecords {

  public static final String PREFIX = AwsLayout.DEAD_LETTERS_PREFIX + "kinesis/";

  /** A record the codec refused, and why. */
  public record Unreadable(Record record, String reason) {}

  private final AwsClients clients;
  private final String bucket;
  private final String stream;

  public UnreadableRecords(AwsClients clients, String bucket, String stream) {
    this.clients = clients;
    this.bucket = Objects.requireNonNull(bucket, "bucket");
    this.stream = Objects.requireNonNull(stream, "stream");
  }

  /** The object key of one record of {@code shardId}. */
  public String key(String shardId, String sequenceNumber) {
    return PREFIX + stream + "/" + shardId + "/" + sequenceNumber + ".json";
  }

  /** Stores every record; completes once all are in S3. */
  public Future<Void> store(String shardId, List<Unreadable> records) {
    List<Future<?>> puts = new ArrayList<>(records.size());
    for (Unreadable unreadable : records) {
      Record record = unreadable.record();
      byte[] body = new JsonObject()
          .put("stream", stream)
          .put("shard", shardId)
          .put("sequenceNumber", record.sequenceNumber())
          .put("partitionKey", record.partitionKey())
          .put("arrivedAt", record.approximateArrivalTimestamp() == null ? null
              : record.approximateArrivalTimestamp().toString())
          .put("storedAt", Instant.now().toString())
          .put("reason", unreadable.reason())
          .put("data", Base64.getEncoder().encodeToString(record.data().asByteArrayUnsafe()))
          .encode().getBytes(StandardCharsets.UTF_8);
      puts.add(clients.call(() -> clients.s3().putObject(clients.putObject(bucket, key(shardId, record.sequenceNumber())),
          AsyncRequestBody.fromBytes(body))));
    }
    return Future.all(puts).mapEmpty();
  }
}
