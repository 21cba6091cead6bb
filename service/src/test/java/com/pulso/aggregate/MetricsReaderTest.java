package com.pulso.aggregate;

import static com.pulso.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

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

/** Figures read back from the DynamoDB emulator. */
@ExtendWith(VertxExtension.class)
class MetricsReaderTest {

  private static final LocalDate DAY = LocalDate.of(2026, 11, 30);
  private static final Instant NOON = Instant.parse("2026-11-30T17:00:00Z");

  private final MetricKeys keys = new MetricKeys(ZoneId.of("America/Bogota"));
  private AwsClients clients;
  private DeltaWriter writer;
  private PulsoConfig config;

  @BeforeEach
  void freshTable(Vertx vertx) throws Exception {
    TestServices.config();
    Map<String, String> env = new HashMap<>(TestServices.env());
    env.put(ConfigLoader.envName("aws.dynamodb.table"), "pulso-reader-" + UUID.randomUUID());
    config = ConfigLoader.load(TestServices.home().resolve("conf"), env);
    clients = new AwsClients(vertx, config, new SimpleMeterRegistry());
    await(new AwsResources(vertx, clients, config).createTableIfMissing());
    writer = new DeltaWriter(vertx, clients, config.aws().dynamoDbTable(), keys, Duration.ofHours(48), new SimpleMeterRegistry());
  }

  @AfterEach
  void closeClients() {
    clients.close();
  }

  @Test
  void readsEveryPageOfAPartition() throws Exception {
    List<SaleChange> changes = new ArrayList<>();
    for (int client = 1; client <= 50; client++) {
      changes.add(insert(client, client, "P1-A", NOON, client + ".01"));
    }
    await(writer.apply(BatchFold.of(keys, "shardId-000000000000", changes)));

    MetricsReader smallPages = new MetricsReader(clients, config.aws().dynamoDbTable(), keys, 7);

    List<DailyClientTotal> totals = await(smallPages.clientDay(1, DAY));
    assertThat(totals).hasSize(50);
    assertThat(totals.get(0)).isEqualTo(new DailyClientTotal(1, DAY, 1, 1, new BigDecimal("1.01")));
    assertThat(totals.get(49)).isEqualTo(new DailyClientTotal(1, DAY, 50, 1, new BigDecimal("50.01")));
    assertThat(await(smallPages.productMinutes(1, DAY))).singleElement()
        .satisfies(bucket -> assertThat(bucket.amount()).isEqualTo(new BigDecimal("1275.50")));
  }

  @Test
  void dayTotalSumsTheShardsItemsExactly() throws Exception {
    await(writer.apply(BatchFold.of(keys, "shardId-000000000000", List.of(insert(1, 10, "P1-A", NOON, "0.10")))));
    await(writer.apply(BatchFold.of(keys, "shardId-000000000001", List.of(insert(2, 11, "P1-B", NOON, "0.20")))));

    MetricsReader reader = new MetricsReader(clients, config.aws().dynamoDbTable(), keys);

    assertThat(await(reader.dayTotal(1, DAY))).isEqualTo(new DailyTotal(1, DAY, 2, new BigDecimal("0.30")));
    assertThat(await(reader.dayTotal(2, DAY))).isEqualTo(new DailyTotal(2, DAY, 0, new BigDecimal("0.00")));
  }

  @Test
  void aClientWhoseSalesWereAllVoidedIsNotListed() throws Exception {
    SaleChange insert = insert(1, 10, "P1-A", NOON, "12500.00");
    SaleChange kept = insert(2, 11, "P1-A", NOON, "1.00");
    SaleChange voided = new SaleChange.Voided(position(3), NOON, ((SaleChange.Inserted) insert).sale());
    await(writer.apply(BatchFold.of(keys, "shardId-000000000000", List.of(insert, kept, voided))));

    MetricsReader reader = new MetricsReader(clients, config.aws().dynamoDbTable(), keys);

    assertThat(await(reader.clientDay(1, DAY))).containsExactly(new DailyClientTotal(1, DAY, 11, 1, new BigDecimal("1.00")));
  }

  private static SaleChange insert(long saleId, long client, String product, Instant time, String amount) {
    return new SaleChange.Inserted(position(saleId), time, new Sale(saleId, client, product, 1, time, new BigDecimal(amount)));
  }

  private static SourcePosition position(long index) {
    return new SourcePosition(new Lsn(0x20), index);
  }
}
