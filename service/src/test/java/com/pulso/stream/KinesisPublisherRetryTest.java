package com.pulso.stream;

import static com.pulso.testing.Await.await;
import static com.pulso.testing.Await.waitUntil;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.pulso.sales.SaleChange;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.kinesis.model.KinesisException;
import software.amazon.awssdk.services.kinesis.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.kinesis.model.ResourceNotFoundException;

/**
 * The publisher's packing, ordering and retry logic over a fake PutRecords (no boundary crossed: the
 * real calls are {@link KinesisPublisherTest}'s). Backoffs are shortened; the logic is the same.
 */
@ExtendWith(VertxExtension.class)
class KinesisPublisherRetryTest {

  private static final String STREAM = "sales";
  private static final KinesisPublisher.Retry QUICK = new KinesisPublisher.Retry(10, Duration.ofMillis(1), Duration.ofMillis(5));
  private static final String THROTTLED = "ProvisionedThroughputExceededException";

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  @Test
  void onlyFailedEntriesAreSentAgainAndEveryShardKeepsItsOrder(Vertx vertx) throws Exception {
    ShardMap shards = TestChanges.evenShards(STREAM, 8);
    Random random = new Random(7);
    FakePutRecords kinesis = new FakePutRecords(vertx, shards,
        (shard, attempt) -> attempt <= 3 && random.nextInt(10) < 4 ? (random.nextBoolean() ? THROTTLED : "InternalFailure") : null,
        call -> null);
    KinesisPublisher publisher = publisher(vertx, shards, kinesis, QUICK);
    List<SaleChange> changes = TestChanges.generate(3_000, 3, 200, 1);

    // Overlapping publishes, as a capture that does not wait for one batch before the next; each must
    // complete only once all of its own changes are in.
    List<Future<Boolean>> completions = new ArrayList<>();
    for (List<SaleChange> chunk : chunks(changes, 6)) {
      completions.add(publisher.publish(chunk).map(v -> delivered(kinesis.accepted).containsAll(chunk)));
    }

    for (Future<Boolean> completion : completions) {
      assertThat(await(completion)).as("every change of a publish acknowledged when it completes").isTrue();
    }
    assertThat(kinesis.violations).isEmpty();
    assertDeliveredInOrderOnTheirShards(kinesis.accepted, shards, changes);
    assertThat(kinesis.resentEntries).as("entries sent again").isPositive();
    assertThat(kinesis.entries).as("every entry sent is a first send or a resend of a failed one")
        .isEqualTo(kinesis.acknowledgedRecords() + kinesis.resentEntries);
    assertThat(registry.get("pulso.stream.publish.entries.retried").counter().count()).isEqualTo(kinesis.resentEntries);
    assertThat(registry.get("pulso.stream.publish.changes").counter().count()).isEqualTo(changes.size());
    assertThat(publisher.unacknowledgedChanges()).isZero();
  }

  @Test
  void aRecordThatKeepsFailingFailsThePublishAfterTheBoundedAttempts(Vertx vertx) throws Exception {
    ShardMap shards = TestChanges.evenShards(STREAM, 4);
    AtomicBoolean shardTwoThrottled = new AtomicBoolean(true);
    FakePutRecords kinesis = new FakePutRecords(vertx, shards,
        (shard, attempt) -> shard.equals("shard-2") && shardTwoThrottled.get() ? THROTTLED : null, call -> null);
    KinesisPublisher publisher = publisher(vertx, shards, kinesis, new KinesisPublisher.Retry(4, Duration.ofMillis(1), Duration.ofMillis(2)));
    List<SaleChange> changes = TestChanges.generate(500, 3, 50, 2);

    assertThatThrownBy(() -> await(publisher.publish(changes)))
        .isInstanceOf(ExecutionException.class)
        .cause().isInstanceOfSatisfying(KinesisPublishException.class, e -> assertThat(e.errorCode()).isEqualTo(THROTTLED))
        .hasMessageContaining("shard-2").hasMessageContaining("after 4 attempts").hasMessageContaining(THROTTLED);
    assertThat(kinesis.sendsPerShard.get("shard-2")).isEqualTo(4);
    assertThat(kinesis.accepted).doesNotContainKey("shard-2");
    assertThat(publisher.unacknowledgedChanges()).isZero();

    // The caller publishes again from its first unacknowledged change: the publisher takes it.
    shardTwoThrottled.set(false);
    await(publisher.publish(changes));
    assertThat(delivered(kinesis.accepted)).containsAll(changes);
  }

  @Test
  void aWholeCallFailureIsRetriedLikeFailedEntries(Vertx vertx) throws Exception {
    ShardMap shards = TestChanges.evenShards(STREAM, 4);
    ProvisionedThroughputExceededException throttled = ProvisionedThroughputExceededException.builder()
        .awsErrorDetails(AwsErrorDetails.builder().errorCode(THROTTLED).build()).statusCode(400).message("Rate exceeded").build();
    FakePutRecords kinesis = new FakePutRecords(vertx, shards, (shard, attempt) -> null,
        call -> call <= 2 ? SdkClientException.create("Connection reset") : call == 3 ? throttled : null);
    KinesisPublisher publisher = publisher(vertx, shards, kinesis, QUICK);
    List<SaleChange> changes = TestChanges.generate(800, 3, 50, 3);

    await(publisher.publish(changes));

    assertThat(kinesis.violations).isEmpty();
    assertDeliveredInOrderOnTheirShards(kinesis.accepted, shards, changes);
    assertThat(kinesis.resentEntries).isPositive();
    assertThat(registry.get("pulso.stream.publish.entries.failed").tag("error", "SdkClientException").counter().count()).isPositive();
    assertThat(registry.get("pulso.stream.publish.entries.failed").tag("error", THROTTLED).counter().count()).isPositive();
  }

  @Test
  void aPermanentErrorFailsThePublishWithoutRetrying(Vertx vertx) throws Exception {
    ShardMap shards = TestChanges.evenShards(STREAM, 4);
    FakePutRecords entryDenied = new FakePutRecords(vertx, shards,
        (shard, attempt) -> shard.equals("shard-1") ? "KMSAccessDeniedException" : null, call -> null);
    KinesisException noStream = ResourceNotFoundException.builder()
        .awsErrorDetails(AwsErrorDetails.builder().errorCode("ResourceNotFoundException").build()).statusCode(400)
        .message("Stream sales not found").build();
    FakePutRecords streamMissing = new FakePutRecords(vertx, shards, (shard, attempt) -> null, call -> noStream);
    List<SaleChange> changes = TestChanges.generate(200, 3, 50, 4);

    assertThatThrownBy(() -> await(publisher(vertx, shards, entryDenied, QUICK).publish(changes)))
        .cause().isInstanceOf(KinesisPublishException.class)
        .hasMessageContaining("KMSAccessDeniedException").hasMessageContaining("after 1 attempt:").hasMessageContaining("not retryable");
    assertThat(entryDenied.sendsPerShard.get("shard-1")).isEqualTo(1);
    assertThatThrownBy(() -> await(publisher(vertx, shards, streamMissing, QUICK).publish(changes)))
        .cause().isInstanceOf(KinesisPublishException.class).hasMessageContaining("Stream sales not found")
        .hasRootCauseInstanceOf(ResourceNotFoundException.class);
    assertThat(streamMissing.calls).isEqualTo(1);
  }

  @Test
  void aCallTakesAtMostFiveHundredRecords(Vertx vertx) throws Exception {
    ShardMap shards = TestChanges.evenShards(STREAM, 600);
    FakePutRecords kinesis = FakePutRecords.accepting(vertx, shards);
    List<SaleChange> changes = TestChanges.generate(6_000, 3, 3_000, 5);

    await(publisher(vertx, shards, kinesis, QUICK).publish(changes));

    assertThat(kinesis.violations).isEmpty();
    assertThat(registry.get("pulso.stream.publish.call.records").summary().max()).isEqualTo(KinesisPublisher.MAX_CALL_RECORDS);
    assertDeliveredInOrderOnTheirShards(kinesis.accepted, shards, changes);
  }

  @Test
  void recordsFillUpToOneMebibyteAndCallsStayWithinFiveMebibytes(Vertx vertx) throws Exception {
    ShardMap shards = TestChanges.evenShards(STREAM, 8);
    FakePutRecords kinesis = FakePutRecords.accepting(vertx, shards);
    List<SaleChange> changes = TestChanges.generate(40_000, 3, 200, 6);

    await(publisher(vertx, shards, kinesis, QUICK).publish(changes));

    assertThat(kinesis.violations).isEmpty();
    double recordMax = registry.get("pulso.stream.publish.record.size").summary().max();
    double callMax = registry.get("pulso.stream.publish.call.size").summary().max();
    assertThat(recordMax).isLessThanOrEqualTo(KinesisPublisher.MAX_RECORD_BYTES).isGreaterThan(0.99 * KinesisPublisher.MAX_RECORD_BYTES);
    assertThat(callMax).isLessThanOrEqualTo(KinesisPublisher.MAX_CALL_BYTES).isGreaterThan(4.0 * KinesisPublisher.MAX_RECORD_BYTES);
    assertDeliveredInOrderOnTheirShards(kinesis.accepted, shards, changes);
  }

  @Test
  void aRecordLandingOnAnUnexpectedShardMakesThePublisherListTheShardsAgain(Vertx vertx) throws Exception {
    ShardMap stale = TestChanges.evenShards(STREAM, 2);
    ShardMap resharded = TestChanges.evenShards(STREAM, 4, "child-");
    FakePutRecords kinesis = FakePutRecords.accepting(vertx, resharded);
    KinesisPublisher publisher = new KinesisPublisher(vertx, stale, () -> Future.succeededFuture(resharded), kinesis, QUICK, registry);
    List<SaleChange> changes = TestChanges.generate(2_000, 3, 200, 7);

    List<List<SaleChange>> chunks = chunks(changes, 4);
    for (List<SaleChange> chunk : chunks) {
      await(publisher.publish(chunk));
    }

    assertThat(publisher.shardMap()).isSameAs(resharded);
    assertThat(registry.get("pulso.stream.publish.misrouted").counter().count()).isPositive();
    assertThat(kinesis.violations).isEmpty();
    List<SaleChange> delivered = new ArrayList<>();
    kinesis.accepted.values().forEach(records -> records.forEach(record -> delivered.addAll(SaleChangeCodec.decode(record))));
    assertSameChanges(delivered, changes);
    // Published after the map was refreshed: each change on the shard of its partition key.
    assertDeliveredInOrderOnTheirShards(lastRecordsOnly(kinesis.accepted, chunks.get(3)), resharded, chunks.get(3));
  }

  @Test
  void closingFailsWhatWaitsForARetryAtOnceAndRefusesMore(Vertx vertx) throws Exception {
    ShardMap shards = TestChanges.evenShards(STREAM, 4);
    FakePutRecords kinesis = new FakePutRecords(vertx, shards, (shard, attempt) -> THROTTLED, call -> null);
    // A backoff far longer than the test: only close() can end the publish.
    KinesisPublisher publisher = publisher(vertx, shards, kinesis,
        new KinesisPublisher.Retry(10, Duration.ofMinutes(10), Duration.ofMinutes(10)));
    List<SaleChange> changes = TestChanges.generate(200, 3, 50, 8);
    Future<Void> pending = publisher.publish(changes);
    waitUntil(() -> registry.find("pulso.stream.publish.entries.retried").counter() != null
        && registry.get("pulso.stream.publish.entries.retried").counter().count() > 0, Duration.ofSeconds(30),
        "a record waits for its retry");

    await(publisher.close());

    assertThatThrownBy(() -> await(pending)).cause().isInstanceOfSatisfying(KinesisPublishException.class,
        e -> assertThat(e.errorCode()).isEqualTo("PublisherClosed"));
    assertThatThrownBy(() -> await(publisher.publish(changes))).cause().isInstanceOf(KinesisPublishException.class)
        .hasMessageContaining("closed");
    assertThat(publisher.unacknowledgedChanges()).isZero();
  }

  private KinesisPublisher publisher(Vertx vertx, ShardMap shards, FakePutRecords kinesis, KinesisPublisher.Retry retry) {
    return new KinesisPublisher(vertx, shards, () -> Future.succeededFuture(shards), kinesis, retry, registry);
  }

  /** Every shard's records decode to changes in position order, each on its partition key's shard; together exactly {@code published}. */
  static void assertDeliveredInOrderOnTheirShards(Map<String, List<byte[]>> recordsByShard, ShardMap shards,
      List<SaleChange> published) {
    List<SaleChange> delivered = new ArrayList<>();
    recordsByShard.forEach((shard, records) -> {
      List<SaleChange> changes = new ArrayList<>();
      records.forEach(record -> changes.addAll(SaleChangeCodec.decode(record)));
      assertInPositionOrder(shard, changes);
      for (SaleChange change : changes) {
        assertThat(shards.shardFor(SaleChangeCodec.partitionKey(change)).id()).as("shard of %s", change).isEqualTo(shard);
      }
      delivered.addAll(changes);
    });
    assertSameChanges(delivered, published);
  }

  /** Strictly increasing positions: in order, and none twice. */
  static void assertInPositionOrder(String shard, List<SaleChange> changes) {
    for (int i = 1; i < changes.size(); i++) {
      assertThat(changes.get(i).position()).as("position %d on %s", i, shard).isGreaterThan(changes.get(i - 1).position());
    }
  }

  /** The same changes, each once (AssertJ's containsExactlyInAnyOrder is quadratic: too slow for 40,000). */
  static void assertSameChanges(List<SaleChange> delivered, List<SaleChange> published) {
    assertThat(delivered).as("changes delivered").hasSameSizeAs(published);
    assertThat(new HashSet<>(delivered)).as("changes delivered").isEqualTo(new HashSet<>(published));
  }

  private static Map<String, List<byte[]>> lastRecordsOnly(Map<String, List<byte[]>> recordsByShard, List<SaleChange> wanted) {
    Set<SaleChange> set = new HashSet<>(wanted);
    Map<String, List<byte[]>> kept = new java.util.LinkedHashMap<>();
    recordsByShard.forEach((shard, records) -> records.stream()
        .filter(record -> set.containsAll(SaleChangeCodec.decode(record)))
        .forEach(record -> kept.computeIfAbsent(shard, s -> new ArrayList<>()).add(record)));
    return kept;
  }

  private static Set<SaleChange> delivered(Map<String, List<byte[]>> recordsByShard) {
    Set<SaleChange> delivered = new HashSet<>();
    recordsByShard.values().forEach(records -> records.forEach(record -> delivered.addAll(SaleChangeCodec.decode(record))));
    return delivered;
  }

  private static List<List<SaleChange>> chunks(List<SaleChange> changes, int count) {
    List<List<SaleChange>> chunks = new ArrayList<>();
    int size = (changes.size() + count - 1) / count;
    for (int from = 0; from < changes.size(); from += size) {
      chunks.add(changes.subList(from, Math.min(changes.size(), from + size)));
    }
    return chunks;
  }
}
