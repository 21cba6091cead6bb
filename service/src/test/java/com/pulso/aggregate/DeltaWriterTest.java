package com.pulso.aggregate;

import static com.pulso.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.pulso.aggregate.RandomSales.Figures;
import com.pulso.aws.AwsClients;
import com.pulso.aws.AwsResources;
import com.pulso.config.ConfigLoader;
import com.pulso.config.PulsoConfig;
import com.pulso.sales.Lsn;
import com.pulso.sales.Sale;
import com.pulso.sales.SaleChange;
import com.pulso.sales.SourcePosition;
import com.pulso.testing.TestServices;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;

/** Batches applied to the DynamoDB emulator, checked against the ground truth of a random source. */
@ExtendWith(VertxExtension.class)
class DeltaWriterTest {

  private static final Duration RETENTION = Duration.ofHours(48);
  private static final String SHARD = RandomSales.SHARDS.get(0);

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final MetricKeys keys = new MetricKeys(RandomSales.ZONE);
  private PulsoConfig config;
  private AwsClients clients;
  private DeltaWriter writer;
  private MetricsReader reader;

  @BeforeEach
  void freshTable(Vertx vertx) throws Exception {
    TestServices.config(); // starts the emulators
    // A table per test: each starts from empty figures, whatever ran before in this JVM.
    Map<String, String> env = new HashMap<>(TestServices.env());
    env.put(ConfigLoader.envName("aws.dynamodb.table"), "pulso-aggregate-" + UUID.randomUUID());
    config = ConfigLoader.load(TestServices.home().resolve("conf"), env);
    clients = new AwsClients(vertx, config, new SimpleMeterRegistry());
    await(new AwsResources(vertx, clients, config).createTableIfMissing());
    writer = new DeltaWriter(vertx, clients, config.aws().dynamoDbTable(), keys, RETENTION, registry);
    reader = new MetricsReader(clients, config.aws().dynamoDbTable(), keys);
  }

  @AfterEach
  void closeClients() {
    clients.close();
  }

  @Test
  void figuresEqualTheSourceToTheCentAfterRandomSalesCorrectionsAndVoids() throws Exception {
    RandomSales sales = new RandomSales(20261129L, 2_000);

    applyAllShards(sales, 150);

    assertFiguresMatch(sales);
    assertThat(counter("pulso.aggregate.conditional.noops")).isZero();
    assertThat(counter("pulso.aggregate.refolds")).isZero();
  }

  @Test
  void replayingAWholeBatchChangesNothing() throws Exception {
    RandomSales sales = new RandomSales(7L, 600);
    Map<String, List<List<SaleChange>>> batches = batches(sales, 100);
    applyInOrder(batches);
    double appliedBefore = counter("pulso.aggregate.deltas.applied");

    List<SaleChange> replayed = batches.get(SHARD).get(batches.get(SHARD).size() / 2);
    BatchFold again = BatchFold.of(keys, SHARD, replayed);
    await(writer.apply(again));

    assertFiguresMatch(sales);
    assertThat(counter("pulso.aggregate.deltas.applied")).isEqualTo(appliedBefore);
    assertThat(counter("pulso.aggregate.conditional.noops")).isEqualTo(again.deltas().size());
    assertThat(counter("pulso.aggregate.refolds")).isZero();
  }

  @Test
  void replayingTheWholeStreamWithOtherBatchBoundariesChangesNothing() throws Exception {
    RandomSales sales = new RandomSales(11L, 600);
    applyInOrder(batches(sales, 40));

    applyInOrder(batches(sales, 90));

    assertFiguresMatch(sales);
  }

  @Test
  void aBatchOverlappingAnAppliedOneAppliesOnlyItsNewPart() throws Exception {
    RandomSales sales = new RandomSales(13L, 800);
    Map<String, List<SaleChange>> byShard = sales.byShard();
    for (Map.Entry<String, List<SaleChange>> shard : byShard.entrySet()) {
      List<SaleChange> changes = shard.getValue();
      int firstEnd = changes.size() / 2;
      int secondStart = changes.size() / 4; // a quarter of the stream is in both batches
      await(writer.apply(BatchFold.of(keys, shard.getKey(), changes.subList(0, firstEnd))));
      await(writer.apply(BatchFold.of(keys, shard.getKey(), changes.subList(secondStart, changes.size()))));
    }

    assertFiguresMatch(sales);
    // Items written by both batches held part of the second: it was refolded from their position.
    assertThat(counter("pulso.aggregate.refolds")).isPositive();
  }

  @Test
  void aBatchInterruptedHalfWayThenReplayedEndsExact() throws Exception {
    RandomSales sales = new RandomSales(17L, 800);
    for (Map.Entry<String, List<SaleChange>> shard : sales.byShard().entrySet()) {
      List<SaleChange> changes = shard.getValue();
      int cut = changes.size() / 3;
      await(writer.apply(BatchFold.of(keys, shard.getKey(), changes.subList(0, cut))));
      BatchFold interrupted = BatchFold.of(keys, shard.getKey(), changes.subList(cut, changes.size()));
      // The member died after every other item of this batch was written, before its checkpoint.
      List<ItemDelta> written = new ArrayList<>();
      for (int i = 0; i < interrupted.deltas().size(); i += 2) {
        written.add(interrupted.deltas().get(i));
      }
      await(writer.apply(shard.getKey(), written, io.vertx.core.Future::succeededFuture));

      // Its successor starts again from the checkpoint: the first batch, then the interrupted one.
      await(writer.apply(BatchFold.of(keys, shard.getKey(), changes.subList(0, cut))));
      await(writer.apply(interrupted));
    }

    assertFiguresMatch(sales);
    assertThat(counter("pulso.aggregate.conditional.noops")).isPositive();
  }

  @Test
  void aClientDayOfMoreProductsThanOneUpdateTakesIsWrittenInPartsAndSurvivesAStopBetweenThem() throws Exception {
    int products = DeltaWriter.MAX_PRODUCTS_PER_UPDATE * 2 + 50;
    Instant time = RandomSales.DAYS.get(0).atTime(12, 0).atZone(RandomSales.ZONE).toInstant();
    List<SaleChange> changes = new ArrayList<>();
    for (int i = 1; i <= products; i++) {
      // Product codes with the characters an attribute name must be given through an expression name.
      Sale sale = new Sale(i, 9, "X#" + i + " .-:", 1, time, new BigDecimal(i + ".01"));
      changes.add(new SaleChange.Inserted(new SourcePosition(new Lsn(0x2000 + i), 0), time, sale));
    }
    BatchFold fold = BatchFold.of(keys, SHARD, changes);
    ItemDelta clientDay = fold.deltas().stream().filter(d -> d.item() instanceof MetricItem.ClientDay).findFirst()
        .orElseThrow();
    assertThat(clientDay.parts(DeltaWriter.MAX_PRODUCTS_PER_UPDATE)).hasSize(3);
    // The member stopped after the first part of the client-day item, before its checkpoint.
    await(writer.apply(SHARD, List.of(clientDay.parts(DeltaWriter.MAX_PRODUCTS_PER_UPDATE).get(0)),
        Future::succeededFuture));

    await(writer.apply(fold));

    List<DailyClientProductTotal> read = await(reader.clientProductDay(1, RandomSales.DAYS.get(0)));
    assertThat(read).hasSize(products).allSatisfy(total -> {
      int i = Integer.parseInt(total.productCode().substring(2, total.productCode().indexOf(' ')));
      assertThat(total.productCode()).isEqualTo("X#" + i + " .-:");
      assertThat(total.transactions()).isEqualTo(1);
      assertThat(total.amount()).isEqualTo(new BigDecimal(i + ".01"));
    });
    assertThat(await(reader.clientDay(1, RandomSales.DAYS.get(0)))).singleElement().satisfies(total -> {
      assertThat(total.transactions()).isEqualTo(products);
      assertThat(total.amount()).isEqualTo(read.stream().map(DailyClientProductTotal::amount)
          .reduce(BigDecimal.ZERO, BigDecimal::add));
    });
    assertThat(counter("pulso.aggregate.conditional.noops")).isEqualTo(1);
  }

  @Test
  void minuteItemsCarryTheirExpiryAndEveryItemItsShardsPosition() throws Exception {
    RandomSales sales = new RandomSales(19L, 50);
    List<SaleChange> changes = sales.byShard().get(SHARD);
    BatchFold fold = BatchFold.of(keys, SHARD, changes);

    await(writer.apply(fold));

    for (ItemDelta delta : fold.deltas()) {
      Map<String, AttributeValue> item = await(clients.call(() -> clients.dynamoDb().getItem(b -> b
          .tableName(config.aws().dynamoDbTable()).key(keys.key(delta.item())).consistentRead(true)))).item();
      assertThat(item.get(MetricKeys.positionAttribute(SHARD)).s()).isEqualTo(delta.last().sortable());
      if (delta.item() instanceof MetricItem.ProductMinute minute) {
        assertThat(item.get(MetricKeys.EXPIRES_AT).n()).isEqualTo(Long.toString(keys.expiresAt(minute, RETENTION)));
      } else {
        assertThat(item).doesNotContainKey(MetricKeys.EXPIRES_AT);
      }
    }
  }

  @Test
  void aBatchThatCannotBeWrittenFailsNamingTheShardAndItem(Vertx vertx) {
    DeltaWriter nowhere = new DeltaWriter(vertx, clients, "no-such-table-" + UUID.randomUUID(), keys, RETENTION, registry);
    BatchFold fold = BatchFold.of(keys, SHARD, new RandomSales(23L, 20).byShard().get(SHARD));

    assertThatThrownBy(() -> await(nowhere.apply(fold)))
        .cause().isInstanceOf(DeltaWriteException.class)
        .hasMessageContaining("shard " + SHARD)
        .hasMessageContaining("item P#")
        .hasRootCauseInstanceOf(ResourceNotFoundException.class);
  }

  private void applyAllShards(RandomSales sales, int maxBatch) throws Exception {
    applyInOrder(batches(sales, maxBatch));
  }

  private Map<String, List<List<SaleChange>>> batches(RandomSales sales, int maxBatch) {
    Map<String, List<List<SaleChange>>> batches = new TreeMap<>();
    sales.byShard().forEach((shard, changes) -> batches.put(shard, sales.batches(changes, maxBatch)));
    return batches;
  }

  /** Each shard's batches one after the other, as its consumer would; the shards side by side. */
  private void applyInOrder(Map<String, List<List<SaleChange>>> batches) throws Exception {
    List<Future<Void>> shards = new ArrayList<>();
    batches.forEach((shard, list) -> {
      Future<Void> chain = Future.succeededFuture();
      for (List<SaleChange> batch : list) {
        chain = chain.compose(v -> writer.apply(BatchFold.of(keys, shard, batch)));
      }
      shards.add(chain);
    });
    await(Future.all(shards));
  }

  private void assertFiguresMatch(RandomSales sales) throws Exception {
    assertThat(sales.liveSales()).isPositive();
    for (int provider = 1; provider <= RandomSales.PROVIDERS; provider++) {
      for (LocalDate day : RandomSales.DAYS) {
        String where = "provider " + provider + " on " + day;
        assertThat(RandomSales.figuresByClient(await(reader.clientDay(provider, day))))
            .as("clients of " + where).isEqualTo(sales.clientDay(provider, day));
        assertThat(byClientProduct(await(reader.clientProductDay(provider, day))))
            .as("clients' products of " + where).isEqualTo(sales.clientProductDay(provider, day));
        DailyTotal total = await(reader.dayTotal(provider, day));
        assertThat(new Figures(total.transactions(), total.amount()))
            .as("total of " + where).isEqualTo(sales.dayTotal(provider, day));
        assertThat(byMinute(await(reader.productMinutes(provider, day))))
            .as("minutes of " + where).isEqualTo(sales.productMinutes(provider, day));
      }
    }
  }

  private double counter(String name) {
    return registry.get(name).counter().count();
  }

  private static Map<String, Figures> byClientProduct(List<DailyClientProductTotal> totals) {
    Map<String, Figures> figures = new TreeMap<>();
    totals.forEach(t -> figures.put(t.clientId() + " " + t.productCode(), new Figures(t.transactions(), t.amount())));
    return figures;
  }

  private static Map<String, Figures> byMinute(List<MinuteBucket> buckets) {
    Map<String, Figures> figures = new TreeMap<>();
    buckets.forEach(b -> figures.put(b.minute() + " " + b.productCode(), new Figures(b.transactions(), b.amount())));
    return figures;
  }
}
