package com.pulso.stream;

import static com.pulso.testing.Await.await;

import com.pulso.aws.AwsClients;
import com.pulso.testing.Await;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.Shard;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;
import software.amazon.awssdk.services.kinesis.model.StreamStatus;

/** Fresh Kinesis streams on the test emulator, one per test, and reading them back whole. Call from a test thread. */
public final class TestStreams {

  private TestStreams() {}

  /** A new stream of {@code shards} shards, ACTIVE. */
  public static String create(AwsClients clients, int shards) throws Exception {
    return create(clients, "test-" + UUID.randomUUID(), shards);
  }

  /** A new stream named {@code stream} of {@code shards} shards, ACTIVE. */
  public static String create(AwsClients clients, String stream, int shards) throws Exception {
    await(clients.call(() -> clients.kinesis().createStream(b -> b.streamName(stream).shardCount(shards))));
    awaitActive(clients, stream);
    return stream;
  }

  public static void awaitActive(AwsClients clients, String stream) throws Exception {
    Await.waitUntil(() -> {
      try {
        return await(clients.call(() -> clients.kinesis().describeStreamSummary(b -> b.streamName(stream))))
            .streamDescriptionSummary().streamStatus() == StreamStatus.ACTIVE;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }, Await.LIVENESS, "stream " + stream + " ACTIVE");
  }

  /** Deletes the stream: the emulator's shard limit counts every stream it holds. */
  public static void delete(AwsClients clients, String stream) throws Exception {
    await(clients.call(() -> clients.kinesis().deleteStream(b -> b.streamName(stream))));
  }

  /** Every shard of the stream, open or closed. */
  public static List<Shard> shards(AwsClients clients, String stream) throws Exception {
    return await(clients.call(() -> clients.kinesis().listShards(b -> b.streamName(stream)))).shards();
  }

  /** Every record of one shard, from TRIM_HORIZON, in the shard's order. */
  public static List<Record> readShard(AwsClients clients, String stream, String shardId) throws Exception {
    String iterator = await(clients.call(() -> clients.kinesis().getShardIterator(b -> b
        .streamName(stream).shardId(shardId).shardIteratorType(ShardIteratorType.TRIM_HORIZON)))).shardIterator();
    List<Record> records = new ArrayList<>();
    while (iterator != null) {
      String current = iterator;
      GetRecordsResponse page = await(clients.call(() -> clients.kinesis().getRecords(b -> b.shardIterator(current))));
      records.addAll(page.records());
      iterator = page.records().isEmpty() ? null : page.nextShardIterator();
    }
    return records;
  }
}
