package com.pulso.stream;

import static com.pulso.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.pulso.aws.AwsClients;
import com.pulso.sales.SaleChange;
import com.pulso.testing.TestServices;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequest;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.Shard;

/** The publisher against the Kinesis emulator: what it ships is read back, shard by shard, as published. */
@ExtendWith(VertxExtension.class)
class KinesisPublisherTest {

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  /** Every PutRecords call the publisher made, as it made it. */
  private final List<PutRecordsRequest> calls = new CopyOnWriteArrayList<>();
  private AwsClients clients;
  private String stream;

  @BeforeEach
  void createStream(Vertx vertx) throws Exception {
    clients = new AwsClients(vertx, TestServices.config(), registry);
    stream = TestStreams.create(clients, 4);
  }

  @AfterEach
  void deleteStream() throws Exception {
    try {
      TestStreams.delete(clients, stream);
    } finally {
      clients.close();
    }
  }

  @Test
  void everyShardReadsBackItsChangesInPositionOrder(Vertx vertx) throws Exception {
    KinesisPublisher publisher = publisher(vertx);
    List<SaleChange> changes = TestChanges.generate(5_000, 3, 300, 11);

    List<Future<Void>> publishes = new ArrayList<>(); // overlapping, as a capture not waiting on each batch
    for (int from = 0; from < changes.size(); from += 500) {
      publishes.add(publisher.publish(changes.subList(from, from + 500)));
    }
    await(Future.all(publishes));

    Map<String, List<Record>> records = readStream();
    assertThat(records).hasSize(4);
    Map<String, List<byte[]>> data = new LinkedHashMap<>();
    records.forEach((shard, shardRecords) -> data.put(shard, shardRecords.stream().map(r -> r.data().asByteArray()).toList()));
    KinesisPublisherRetryTest.assertDeliveredInOrderOnTheirShards(data, publisher.shardMap(), changes);
    int recordCount = records.values().stream().mapToInt(List::size).sum();
    assertThat(recordCount).as("records (changes are packed)").isLessThan(changes.size());
    assertThat(registry.get("pulso.stream.publish.records").counter().count()).isEqualTo(recordCount);
    assertThat(registry.get("pulso.stream.publish.changes").counter().count()).isEqualTo(changes.size());
    assertThat(registry.get("pulso.stream.publish.putrecords").tag("outcome", "success").timer().count()).isEqualTo(calls.size());
    assertWithinKinesisLimits(publisher.shardMap());
  }

  @Test
  void changesBeyondOneRecordGoOutAsSeveralFullRecordsInOrder(Vertx vertx) throws Exception {
    KinesisPublisher publisher = publisher(vertx);
    List<SaleChange> changes = TestChanges.generate(16_000, 1, 1, 12); // one provider, one client: one shard

    await(publisher.publish(changes));

    Map<String, List<Record>> records = readStream();
    String shard = publisher.shardMap().shardFor(SaleChangeCodec.partitionKey(changes.get(0))).id();
    assertThat(records.get(shard)).as("records on %s", shard).hasSizeGreaterThanOrEqualTo(4);
    List<SaleChange> delivered = new ArrayList<>();
    for (Record record : records.get(shard)) {
      delivered.addAll(SaleChangeCodec.decode(record.data().asByteArray()));
    }
    KinesisPublisherRetryTest.assertInPositionOrder(shard, delivered);
    KinesisPublisherRetryTest.assertSameChanges(delivered, changes);
    assertThat(registry.get("pulso.stream.publish.record.size").summary().max())
        .isLessThanOrEqualTo(KinesisPublisher.MAX_RECORD_BYTES).isGreaterThan(0.99 * KinesisPublisher.MAX_RECORD_BYTES);
    assertWithinKinesisLimits(publisher.shardMap());
  }

  private KinesisPublisher publisher(Vertx vertx) throws Exception {
    ShardMap shards = await(ShardMap.load(clients, stream));
    return new KinesisPublisher(vertx, shards, () -> ShardMap.load(clients, stream), request -> {
      calls.add(request);
      return clients.call(() -> clients.kinesis().putRecords(request));
    }, KinesisPublisher.Retry.DEFAULT, registry);
  }

  /** Every shard, in the order records were put on it. */
  private Map<String, List<Record>> readStream() throws Exception {
    Map<String, List<Record>> records = new LinkedHashMap<>();
    for (Shard shard : TestStreams.shards(clients, stream)) {
      List<Record> shardRecords = TestStreams.readShard(clients, stream, shard.shardId());
      if (!shardRecords.isEmpty()) {
        records.put(shard.shardId(), shardRecords);
      }
    }
    return records;
  }

  /** No record over 1 MiB, no call over 500 records or 5 MiB, and never two records for one shard in a call. */
  private void assertWithinKinesisLimits(ShardMap shards) {
    assertThat(calls).isNotEmpty();
    for (PutRecordsRequest call : calls) {
      assertThat(call.records()).hasSizeLessThanOrEqualTo(KinesisPublisher.MAX_CALL_RECORDS);
      long callBytes = 0;
      Set<String> shardsOfCall = new HashSet<>();
      for (PutRecordsRequestEntry entry : call.records()) {
        long size = entry.data().asByteArrayUnsafe().length + entry.partitionKey().getBytes(StandardCharsets.UTF_8).length;
        assertThat(size).isLessThanOrEqualTo(KinesisPublisher.MAX_RECORD_BYTES);
        callBytes += size;
        assertThat(shardsOfCall.add(shards.shardForHashKey(new BigInteger(entry.explicitHashKey())).id()))
            .as("one record per shard per call").isTrue();
      }
      assertThat(callBytes).isLessThanOrEqualTo(KinesisPublisher.MAX_CALL_BYTES);
    }
  }
}
