package com.pulso.stream;

import static com.pulso.testing.Await.await;
import static com.pulso.testing.Await.waitUntil;
import static org.assertj.core.api.Assertions.assertThat;

import com.pulso.aggregate.BaselineWriter;
import com.pulso.aggregate.MetricItem.ClientDay;
import com.pulso.aggregate.MetricKeys;
import com.pulso.aggregate.MetricsChanged;
import com.pulso.aggregate.MetricsReader;
import com.pulso.aws.AwsClients;
import com.pulso.aws.AwsResources;
import com.pulso.config.ConfigLoader;
import com.pulso.config.PulsoConfig;
import com.pulso.sales.Lsn;
import com.pulso.sales.SaleChange;
import com.pulso.testing.Await;
import com.pulso.testing.TestServices;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.Shard;
import software.amazon.awssdk.services.s3.model.S3Object;

/** Shard consumers against the Kinesis and DynamoDB emulators: figures equal the changes' ground truth, to the cent. */
@ExtendWith(VertxExtension.class)
class ShardConsumerTest {

  /** Small batches and short waits: many batches per shard, quickly. */
  static final PulsoConfig.Consume FAST = new PulsoConfig.Consume(10, Duration.ofMillis(10), Duration.ofMillis(50),
      Duration.ofMillis(50), Duration.ofSeconds(1), Duration.ofMillis(500));

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final List<ShardConsumer> consumers = new ArrayList<>();
  private Vertx vertx;
  private PulsoConfig config;
  private AwsClients clients;
  private String stream;
  private ShardConsumer.Shared shared;
  private MetricsReader reader;

  @BeforeEach
  void freshStreamAndTable(Vertx vertx) throws Exception {
    this.vertx = vertx;
    TestServices.config(); // starts the emulators
    stream = "test-consume-" + UUID.randomUUID();
    Map<String, String> env = new HashMap<>(TestServices.env());
    env.put(ConfigLoader.envName("aws.kinesis.stream"), stream);
    env.put(ConfigLoader.envName("aws.dynamodb.table"), "pulso-consume-" + UUID.randomUUID());
    config = ConfigLoader.load(TestServices.home().resolve("conf"), env);
    clients = new AwsClients(vertx, config, new SimpleMeterRegistry());
    TestStreams.create(clients, stream, 2);
    await(new AwsResources(vertx, clients, config).createTableIfMissing());
    await(new AwsResources(vertx, clients, config).createBucketIfMissing());
    shared = ShardConsumer.Shared.of(vertx, clients, config, FAST, registry);
    markBootstrapped(vertx, clients, config, Lsn.ZERO);
    reader = new MetricsReader(clients, config.aws().dynamoDbTable(), new MetricKeys(config.businessZone()));
  }

  @AfterEach
  void stopAndDelete() throws Exception {
    try {
      stopConsumers();
      TestStreams.delete(clients, stream);
    } finally {
      clients.close();
    }
  }

  @Test
  void everyFigureEqualsTheChangesToTheCentAndEachProviderHearsWhatChanged(Vertx vertx) throws Exception {
    List<SaleChange> changes = TestChanges.generate(3_000, 3, 50, 21);
    ChangeFigures truth = new ChangeFigures(changes, config.businessZone());
    Map<Integer, List<MetricsChanged>> events = listen(vertx, truth.touched().keySet());

    publish(changes);
    startConsumers();
    awaitCaughtUp();

    truth.assertMatch(reader);
    for (int provider : truth.touched().keySet()) {
      Set<ClientDay> announced = new HashSet<>();
      Set<LocalDate> days = new HashSet<>();
      events.get(provider).forEach(event -> {
        assertThat(event.providerId()).isEqualTo(provider);
        announced.addAll(event.clientDays());
        days.addAll(event.days());
      });
      assertThat(days).as("days announced to provider %d", provider).isEqualTo(truth.touched().get(provider));
      for (LocalDate day : truth.touched().get(provider)) {
        truth.clientDay(provider, day).keySet().forEach(client ->
            assertThat(announced).as("clients announced to provider %d", provider).contains(new ClientDay(provider, day, client)));
      }
    }
    assertThat(registry.get("pulso.freshness").timer().count()).isGreaterThanOrEqualTo(changes.size());
    // At the shard's tip: behind by no more than the time since its last read (it reads every idle delay).
    assertThat(registry.get("pulso.stream.consume.lag").tag("shard", "shardId-000000000000").gauge().value())
        .isLessThan(1_000);
  }

  @Test
  void replayingAShardFromTheTrimHorizonChangesNoFigure() throws Exception {
    List<SaleChange> changes = TestChanges.generate(2_000, 3, 50, 22);
    publish(changes);
    startConsumers();
    awaitCaughtUp();
    stopConsumers();
    double applied = counter("pulso.aggregate.deltas.applied");

    String replayed = "shardId-000000000000";
    await(clients.call(() -> clients.dynamoDb().deleteItem(b -> b.tableName(config.aws().dynamoDbTable())
        .key(new MetricKeys(config.businessZone()).checkpointKey(stream, replayed)))));
    assertThat(await(shared.checkpoints().read(replayed))).isEqualTo(ShardCheckpoints.Checkpoint.NONE);
    double recordsBefore = counter("pulso.stream.consume.records");
    start(replayed, List.of());
    awaitCaughtUp();

    assertThat(counter("pulso.stream.consume.records") - recordsBefore).as("the whole shard read again")
        .isEqualTo(TestStreams.readShard(clients, stream, replayed).size());
    new ChangeFigures(changes, config.businessZone()).assertMatch(reader);
    assertThat(counter("pulso.aggregate.deltas.applied")).as("nothing written again").isEqualTo(applied);
    assertThat(counter("pulso.aggregate.conditional.noops")).isPositive();
  }

  @Test
  void aConsumerRestartedFromItsCheckpointReadsOnlyTheRest() throws Exception {
    List<SaleChange> changes = TestChanges.generate(2_000, 3, 50, 23);
    publish(changes.subList(0, 1_200));
    startConsumers();
    awaitCaughtUp();
    stopConsumers();
    int recordsBefore = recordsInStream();
    double readBefore = counter("pulso.stream.consume.records");

    publish(changes.subList(1_200, changes.size()));
    startConsumers();
    awaitCaughtUp();

    assertThat(counter("pulso.stream.consume.records") - readBefore).as("records read after the restart")
        .isEqualTo(recordsInStream() - recordsBefore);
    new ChangeFigures(changes, config.businessZone()).assertMatch(reader);
    assertThat(counter("pulso.aggregate.conditional.noops")).isZero();
  }

  @Test
  void anUnreadableRecordIsCountedAndSkippedAndTheShardReadsOn() throws Exception {
    List<SaleChange> changes = TestChanges.generate(1_000, 3, 50, 24);
    publish(changes.subList(0, 500));
    await(clients.call(() -> clients.kinesis().putRecord(b -> b.streamName(stream).partitionKey("1:100000")
        .data(SdkBytes.fromString("{\"v\":2,\"changes\":[]}", StandardCharsets.UTF_8)))));
    await(clients.call(() -> clients.kinesis().putRecord(b -> b.streamName(stream).partitionKey("2:200000")
        .data(SdkBytes.fromString("not json", StandardCharsets.UTF_8)))));
    publish(changes.subList(500, changes.size()));

    startConsumers();
    awaitCaughtUp();

    assertThat(counter("pulso.stream.consume.unreadable")).isEqualTo(2);
    new ChangeFigures(changes, config.businessZone()).assertMatch(reader);

    // Both kept in S3, whole, with why. (s3proxy's file store lists one directory level: list per shard.)
    List<JsonObject> kept = new ArrayList<>();
    for (Shard shard : TestStreams.shards(clients, stream)) {
      String prefix = UnreadableRecords.PREFIX + stream + "/" + shard.shardId() + "/";
      for (S3Object object : await(clients.call(() -> clients.s3().listObjectsV2(b -> b.bucket(config.aws().s3Bucket())
          .prefix(prefix)))).contents()) {
        byte[] body = await(clients.call(() -> clients.s3().getObject(b -> b.bucket(config.aws().s3Bucket())
            .key(object.key()), AsyncResponseTransformer.toBytes()))).asByteArray();
        kept.add(new JsonObject(new String(body, StandardCharsets.UTF_8)));
      }
    }
    assertThat(kept).extracting(k -> k.getString("partitionKey")).containsExactlyInAnyOrder("1:100000", "2:200000");
    for (JsonObject record : kept) {
      assertThat(record.getString("stream")).isEqualTo(stream);
      assertThat(record.getString("reason")).isNotBlank();
      String data = new String(Base64.getDecoder().decode(record.getString("data")), StandardCharsets.UTF_8);
      assertThat(data).isEqualTo(record.getString("partitionKey").equals("1:100000") ? "{\"v\":2,\"changes\":[]}"
          : "not json");
    }
  }

  @Test
  void aChildShardSkipsWhatItsParentDeliveredBeforeASplit() throws Exception {
    List<SaleChange> changes = TestChanges.generate(2_000, 3, 50, 25);
    List<SaleChange> before = changes.subList(0, 1_200);
    publish(before);
    startConsumers();
    awaitCaughtUp();
    ShardConsumer parentConsumer = consumers.stream().filter(c -> c.shardId().equals("shardId-000000000000")).findFirst()
        .orElseThrow();

    // Split the first shard (hash keys 0 to 2^127-1) in two.
    await(clients.call(() -> clients.kinesis().splitShard(b -> b.streamName(stream).shardToSplit("shardId-000000000000")
        .newStartingHashKey(BigInteger.ONE.shiftLeft(126).toString()))));
    TestStreams.awaitActive(clients, stream);
    await(parentConsumer.ended());
    assertThat(parentConsumer.finished()).as("the parent read to its end").isTrue();
    assertThat(await(shared.checkpoints().finished())).containsExactly("shardId-000000000000");

    // Capture sends the last 300 changes again (a crash before the slot advanced), now to the children.
    List<SaleChange> after = new ArrayList<>(before.subList(before.size() - 300, before.size()));
    after.addAll(changes.subList(1_200, changes.size()));
    publish(after);
    StreamShards shards = await(StreamShards.list(clients, stream));
    for (Shard shard : TestStreams.shards(clients, stream)) {
      if ("shardId-000000000000".equals(shard.parentShardId())) {
        assertThat(shards.parentsOf(shard.shardId())).extracting(ShardConsumer.Parent::shardId)
            .containsExactly("shardId-000000000000");
        start(shard.shardId(), shards.parentsOf(shard.shardId()));
      }
    }
    awaitCaughtUp();

    new ChangeFigures(changes, config.businessZone()).assertMatch(reader);
    assertThat(counter("pulso.stream.consume.skipped.parent")).as("changes skipped on the children").isPositive();
  }

  @Test
  void eachCallAsksForAboutTenMebibytesHoweverLargeThePackedRecords(Vertx vertx) throws Exception {
    // One publish: the publisher packs the changes into records of up to 1 MiB, far more than 10 MiB per shard.
    List<SaleChange> changes = TestChanges.generate(120_000, 3, 50, 27);
    KinesisPublisher publisher = await(KinesisPublisher.create(vertx, clients, stream, new SimpleMeterRegistry()));
    await(publisher.publish(changes));
    shared = ShardConsumer.Shared.of(vertx, clients, config, new PulsoConfig.Consume(1_000, Duration.ofMillis(10),
        Duration.ofMillis(50), Duration.ofMillis(50), Duration.ofSeconds(1), Duration.ofMillis(500)), registry);
    startConsumers();
    awaitCaughtUp();

    new ChangeFigures(changes, config.businessZone()).assertMatch(reader);
    var calls = registry.get("pulso.stream.consume.call.size").summary();
    assertThat(calls.totalAmount()).as("more than 10 MiB per shard read").isGreaterThan(2 * 10 * 1024 * 1024 + 1);
    assertThat(calls.max()).as("bytes of the largest call").isLessThanOrEqualTo(11 * 1024 * 1024);
  }

  @Test
  void nothingIsAppliedWithoutABootstrapAndWhatPredatesItsConsistentPointIsSkipped(Vertx vertx) throws Exception {
    await(baselines(vertx, clients, config).unmarkBootstrapped(config.capture().slotName()));
    List<SaleChange> changes = TestChanges.generate(2_000, 3, 50, 26);
    publish(changes);
    startConsumers();
    // Consumers poll every 10 ms and would apply a batch at once: after a few seconds, nothing.
    Thread.sleep(3_000);
    for (Shard shard : TestStreams.shards(clients, stream)) {
      assertThat(await(shared.checkpoints().read(shard.shardId()))).as("shard %s waits", shard.shardId())
          .isEqualTo(ShardCheckpoints.Checkpoint.NONE);
    }
    assertThat(counter("pulso.aggregate.deltas.applied")).isZero();

    // The base figures hold what was committed before the consistent point: only the rest counts.
    Lsn from = changes.get(changes.size() / 2).position().commitLsn();
    await(baselines(vertx, clients, config).markBootstrapped(config.capture().slotName(), from));
    awaitCaughtUp();

    List<SaleChange> before = changes.stream().filter(c -> c.position().commitLsn().compareTo(from) < 0).toList();
    assertThat(before).hasSizeBetween(900, 1_100);
    // With no base written, each client-day holds what changed after the consistent point: all minus before.
    ChangeFigures all = new ChangeFigures(changes, config.businessZone());
    ChangeFigures base = new ChangeFigures(before, config.businessZone());
    for (Map.Entry<Integer, Set<LocalDate>> provider : all.touched().entrySet()) {
      for (LocalDate day : provider.getValue()) {
        Map<Long, ChangeFigures.Figures> expected = new TreeMap<>(all.clientDay(provider.getKey(), day));
        base.clientDay(provider.getKey(), day).forEach((client, figures) -> expected.merge(client,
            new ChangeFigures.Figures(-figures.transactions(), figures.amount().negate()), ChangeFigures.Figures::plus));
        Map<Long, ChangeFigures.Figures> stored = new TreeMap<>();
        await(reader.clientDay(provider.getKey(), day)).forEach(t -> stored.put(t.clientId(),
            new ChangeFigures.Figures(t.transactions(), t.amount())));
        assertThat(nonZero(stored)).as("provider %d on %s", provider.getKey(), day).isEqualTo(nonZero(expected));
      }
    }
    assertThat(counter("pulso.stream.consume.skipped.bootstrap")).isEqualTo(before.size());
  }

  private static Map<Long, ChangeFigures.Figures> nonZero(Map<Long, ChangeFigures.Figures> figures) {
    Map<Long, ChangeFigures.Figures> kept = new TreeMap<>();
    figures.forEach((client, f) -> {
      if (f.transactions() != 0 || f.amount().signum() != 0) {
        kept.put(client, new ChangeFigures.Figures(f.transactions(), f.amount().setScale(2)));
      }
    });
    return kept;
  }

  /** Writes the bootstrap marker consumers apply changes under: from {@code from} on. */
  static void markBootstrapped(Vertx vertx, AwsClients clients, PulsoConfig config, Lsn from) throws Exception {
    await(baselines(vertx, clients, config).markBootstrapped(config.capture().slotName(), from));
  }

  private static BaselineWriter baselines(Vertx vertx, AwsClients clients, PulsoConfig config) {
    return new BaselineWriter(vertx, clients, config.aws().dynamoDbTable(), new MetricKeys(config.businessZone()),
        config.aggregate().minuteRetention(), new SimpleMeterRegistry());
  }

  private void publish(List<SaleChange> changes) throws Exception {
    KinesisPublisher publisher = await(KinesisPublisher.create(vertx, clients, stream, new SimpleMeterRegistry()));
    // Small publishes, one after the other: many records per shard, so that a shard is read in many batches.
    for (int from = 0; from < changes.size(); from += 20) {
      await(publisher.publish(changes.subList(from, Math.min(changes.size(), from + 20))));
    }
  }

  private void startConsumers() throws Exception {
    for (Shard shard : TestStreams.shards(clients, stream)) {
      start(shard.shardId(), List.of());
    }
  }

  private void start(String shardId, List<ShardConsumer.Parent> parents) {
    ShardConsumer consumer = new ShardConsumer(shared, shardId, parents);
    consumers.add(consumer);
    consumer.start();
  }

  private void stopConsumers() throws Exception {
    for (ShardConsumer consumer : consumers) {
      await(consumer.stop());
    }
    consumers.clear();
  }

  private void awaitCaughtUp() throws Exception {
    awaitCaughtUp(clients, stream, shared.checkpoints());
  }

  /** Until every shard of the stream is checkpointed at its last record, or finished. */
  static void awaitCaughtUp(AwsClients clients, String stream, ShardCheckpoints checkpoints) throws Exception {
    for (Shard shard : TestStreams.shards(clients, stream)) {
      List<Record> records = TestStreams.readShard(clients, stream, shard.shardId());
      if (records.isEmpty()) {
        continue;
      }
      String last = records.get(records.size() - 1).sequenceNumber();
      waitUntil(() -> {
        try {
          ShardCheckpoints.Checkpoint checkpoint = await(checkpoints.read(shard.shardId()));
          return checkpoint.finished() || checkpoint.sequence().filter(last::equals).isPresent();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }, Await.LIVENESS, "shard " + shard.shardId() + " checkpointed at its last record " + last);
    }
  }

  private int recordsInStream() throws Exception {
    int records = 0;
    for (Shard shard : TestStreams.shards(clients, stream)) {
      records += TestStreams.readShard(clients, stream, shard.shardId()).size();
    }
    return records;
  }

  private Map<Integer, List<MetricsChanged>> listen(Vertx vertx, Set<Integer> providers) throws Exception {
    Map<Integer, List<MetricsChanged>> events = new HashMap<>();
    for (int provider : providers) {
      List<MetricsChanged> received = new CopyOnWriteArrayList<>();
      events.put(provider, received);
      MessageConsumer<JsonObject> consumer = vertx.eventBus().consumer(MetricsEvent.address(provider),
          message -> received.add(MetricsEvent.fromJson(message.body())));
      await(consumer.completion());
    }
    return events;
  }

  private double counter(String name) {
    return registry.find(name).counters().stream().mapToDouble(c -> c.count()).sum();
  }
}
