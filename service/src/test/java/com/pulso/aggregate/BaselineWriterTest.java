package com.pulso.aggregate;

import static com.pulso.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.pulso.aggregate.MetricItem.ClientDay;
import com.pulso.aggregate.MetricItem.ProductMinute;
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
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** The bootstrap's absolute base figures, written to and cleared from the DynamoDB emulator. */
@ExtendWith(VertxExtension.class)
class BaselineWriterTest {

  private static final Duration RETENTION = Duration.ofHours(48);
  private static final LocalDate DAY = LocalDate.of(2026, 11, 30);
  private static final Instant NOON = Instant.parse("2026-11-30T17:00:00Z");

  private final MetricKeys keys = new MetricKeys(ZoneId.of("America/Bogota"));
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private PulsoConfig config;
  private AwsClients clients;
  private MetricsReader reader;

  @BeforeEach
  void freshTable(Vertx vertx) throws Exception {
    TestServices.config();
    Map<String, String> env = new HashMap<>(TestServices.env());
    env.put(ConfigLoader.envName("aws.dynamodb.table"), "pulso-baseline-" + UUID.randomUUID());
    config = ConfigLoader.load(TestServices.home().resolve("conf"), env);
    clients = new AwsClients(vertx, config, new SimpleMeterRegistry());
    await(new AwsResources(vertx, clients, config).createTableIfMissing());
    reader = new MetricsReader(clients, table(), keys);
  }

  @AfterEach
  void closeClients() {
    clients.close();
  }

  @Test
  void writingTheSameBaselineAgainLeavesTheSameFigures(Vertx vertx) throws Exception {
    BaselineWriter writer = writer(vertx, null);
    ProductMinute minute = new ProductMinute(1, LocalDateTime.of(2026, 11, 30, 12, 0), "P1-A");
    List<BaselineFigure> figures = List.of(
        new BaselineFigure(new ClientDay(1, DAY, 10), 3, new BigDecimal("12500.10")),
        new BaselineFigure(new ClientDay(1, DAY, 11), 1, new BigDecimal("0.01")),
        new BaselineFigure(minute, 4, new BigDecimal("12500.11")),
        new BaselineFigure(keys.bootstrapDayTotal(1, DAY), 4, new BigDecimal("12500.11")));

    await(writer.write(figures));
    await(writer.write(figures));

    assertThat(await(reader.clientDay(1, DAY))).containsExactly(
        new DailyClientTotal(1, DAY, 10, 3, new BigDecimal("12500.10")),
        new DailyClientTotal(1, DAY, 11, 1, new BigDecimal("0.01")));
    assertThat(await(reader.productMinutes(1, DAY))).containsExactly(
        new MinuteBucket(1, minute.minute(), "P1-A", 4, new BigDecimal("12500.11")));
    assertThat(await(reader.dayTotal(1, DAY))).isEqualTo(new DailyTotal(1, DAY, 4, new BigDecimal("12500.11")));
    Map<String, AttributeValue> stored = await(clients.call(() -> clients.dynamoDb().getItem(b -> b
        .tableName(table()).key(keys.key(minute)).consistentRead(true)))).item();
    assertThat(stored.get(MetricKeys.EXPIRES_AT).n()).isEqualTo(Long.toString(keys.expiresAt(minute, RETENTION)));
    assertThat(registry.get("pulso.bootstrap.items.written").counter().count()).isEqualTo(8);
  }

  @Test
  void streamedDeltasAddOnTopOfTheBaseline(Vertx vertx) throws Exception {
    await(writer(vertx, null).write(List.of(
        new BaselineFigure(new ClientDay(1, DAY, 10), 2, new BigDecimal("20.00")),
        new BaselineFigure(keys.bootstrapDayTotal(1, DAY), 2, new BigDecimal("20.00")))));
    Sale bootstrapped = new Sale(1, 10, "P1-A", 1, NOON, new BigDecimal("5.00"));
    Sale fresh = new Sale(3, 10, "P1-A", 1, NOON, new BigDecimal("7.50"));
    SourcePosition first = new SourcePosition(new Lsn(0x100), 0);
    SourcePosition second = new SourcePosition(new Lsn(0x200), 0);
    DeltaWriter deltas = new DeltaWriter(vertx, clients, table(), keys, RETENTION, new SimpleMeterRegistry());

    await(deltas.apply(BatchFold.of(keys, "shardId-000000000000", List.of(
        new SaleChange.Voided(first, NOON, bootstrapped),
        new SaleChange.Inserted(second, NOON, fresh)))));

    assertThat(await(reader.clientDay(1, DAY))).containsExactly(new DailyClientTotal(1, DAY, 10, 2, new BigDecimal("22.50")));
    assertThat(await(reader.dayTotal(1, DAY))).isEqualTo(new DailyTotal(1, DAY, 2, new BigDecimal("22.50")));
  }

  @Test
  void deletingAllMetricsClearsEveryPageButKeepsTheCheckpoints(Vertx vertx) throws Exception {
    BaselineWriter writer = writer(vertx, 7);
    List<BaselineFigure> figures = new ArrayList<>();
    for (int client = 1; client <= 60; client++) {
      figures.add(new BaselineFigure(new ClientDay(1 + client % 3, DAY, client), 1, new BigDecimal("1.00")));
    }
    await(writer.write(figures));
    Map<String, AttributeValue> checkpoint = new HashMap<>(keys.checkpointKey("pulso-sales", "shardId-000000000000"));
    checkpoint.put(MetricKeys.CHECKPOINT_SEQUENCE, AttributeValue.fromS("49650000000000000000000000000000000000000000000000000000"));
    await(clients.call(() -> clients.dynamoDb().putItem(b -> b.tableName(table()).item(checkpoint))));

    long deleted = await(writer.deleteAllMetrics());

    assertThat(deleted).isEqualTo(60);
    List<Map<String, AttributeValue>> left = await(clients.call(() -> clients.dynamoDb().scan(b -> b
        .tableName(table()).consistentRead(true)))).items();
    assertThat(left).singleElement().satisfies(item ->
        assertThat(item.get(AwsResources.PARTITION_KEY).s()).isEqualTo(keys.checkpointPartition()));
    assertThat(await(writer.deleteAllMetrics())).as("nothing left to delete").isZero();
    assertThat(registry.get("pulso.bootstrap.items.deleted").counter().count()).isEqualTo(60);
  }

  private BaselineWriter writer(Vertx vertx, Integer scanPageLimit) {
    return new BaselineWriter(vertx, clients, table(), keys, RETENTION, registry, scanPageLimit);
  }

  private String table() {
    return config.aws().dynamoDbTable();
  }
}
