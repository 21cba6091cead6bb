package com.pulso.capture;

import static com.pulso.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.pulso.aggregate.BaselineFigure;
import com.pulso.aggregate.BaselineWriter;
import com.pulso.aggregate.BatchFold;
import com.pulso.aggregate.DailyClientTotal;
import com.pulso.aggregate.DailyTotal;
import com.pulso.aggregate.DeltaWriter;
import com.pulso.aggregate.MetricItem.ClientDay;
import com.pulso.aggregate.MetricKeys;
import com.pulso.aggregate.MetricsReader;
import com.pulso.aggregate.MinuteBucket;
import com.pulso.aws.AwsClients;
import com.pulso.aws.AwsResources;
import com.pulso.config.ConfigLoader;
import com.pulso.config.PulsoConfig;
import com.pulso.db.FreshDatabase;
import com.pulso.db.Migrations;
import com.pulso.db.Postgres;
import com.pulso.sales.Lsn;
import com.pulso.sales.SaleChange;
import com.pulso.testing.Await;
import com.pulso.testing.SalesGroundTruth;
import com.pulso.testing.SalesGroundTruth.Figures;
import com.pulso.testing.TestServices;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Pool;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.Period;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The bootstrap against embedded PostgreSQL and the DynamoDB emulator: base figures exact, and
 * together with what the slot streams afterwards every sale counted once.
 */
@ExtendWith(VertxExtension.class)
class BootstrapTest {

  private static final int PROVIDERS = 3;
  private static final Period HORIZON = Period.ofDays(7);
  private static final String SHARD = "shardId-000000000000";

  private final Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
  /** Shared with the shop thread of the concurrent test: Random is thread-safe. */
  private final Random random = new Random(20261130);
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private PulsoConfig config;
  private ZoneId zone;
  private LocalDate today;
  private MetricKeys keys;
  private AwsClients clients;
  private Pool pool;
  private BaselineWriter writer;
  private MetricsReader reader;
  private Bootstrap bootstrap;

  @BeforeEach
  void freshDatabaseAndTable(Vertx vertx) throws Exception {
    TestServices.config();
    Map<String, String> env = new HashMap<>(TestServices.env());
    env.put(ConfigLoader.envName("aws.dynamodb.table"), "pulso-bootstrap-" + UUID.randomUUID());
    PulsoConfig fresh = FreshDatabase.create(ConfigLoader.load(TestServices.home().resolve("conf"), env), true);
    Migrations.migrate(fresh);
    String unique = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    // Slot names are global to the server: one per test.
    PulsoConfig.Capture capture = new PulsoConfig.Capture("bootstrap_test_" + unique, "pub_" + unique,
        Duration.ofMillis(50), 10_000_000, 500, HORIZON.getDays(), Duration.ofSeconds(10));
    config = fresh.withCapture(capture);
    zone = config.businessZone();
    today = LocalDate.ofInstant(now, zone);
    keys = new MetricKeys(zone);
    clients = new AwsClients(vertx, config, new SimpleMeterRegistry());
    await(new AwsResources(vertx, clients, config).createTableIfMissing());
    pool = Postgres.pool(vertx, config.database());
    writer = new BaselineWriter(vertx, clients, table(), keys, config.aggregate().minuteRetention(), registry);
    reader = new MetricsReader(clients, table(), keys);
    bootstrap = new Bootstrap(vertx, pool, config, writer, Clock.fixed(now, ZoneOffset.UTC));
    try (Connection c = FreshDatabase.connect(config); Statement st = c.createStatement()) {
      for (int provider = 1; provider <= PROVIDERS; provider++) {
        st.execute("INSERT INTO pulso.providers (id, name) VALUES (" + provider + ", 'Provider " + provider + "')");
        for (char product = 'A'; product <= 'D'; product++) {
          st.execute("INSERT INTO pulso.products (code, provider_id, name) VALUES ('P" + provider + "-" + product
              + "', " + provider + ", 'Product')");
        }
      }
    }
  }

  @AfterEach
  void dropSlotAndClose() throws Exception {
    // A permanent slot left in a fresh database would keep it from ever being dropped.
    try (Connection c = FreshDatabase.connect(config); Statement st = c.createStatement()) {
      st.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '"
          + config.capture().slotName() + "'");
    } finally {
      await(pool.close());
      clients.close();
    }
  }

  @Test
  void preExistingSalesAreCountedToTheCentPerClientDayMinuteAndDay() throws Exception {
    try (Connection c = FreshDatabase.connect(config)) {
      insertRandomSales(c, 3_000);
      Instant midnight = today.atStartOfDay(zone).toInstant();
      for (int i = 0; i < 50; i++) {
        // Either side of midnight in the business zone (UTC would put both on one day).
        insertSale(c, 1L + i % 7, "P" + (1 + i % PROVIDERS) + "-A", midnight.minusMillis(1 + i), "10.01");
        insertSale(c, 1L + i % 7, "P" + (1 + i % PROVIDERS) + "-B", midnight.plusMillis(i), "0.99");
      }
      insertSale(c, 3, "P1-A", now.minus(Duration.ofDays(3)), "77.77"); // counted per day, its minute expired
      insertSale(c, 3, "P1-A", now.minus(Duration.ofDays(30)), "88.88"); // beyond the day horizon: the batch's
      insertSale(c, 4, "XXX-999", now, "5.00"); // unknown product
      insertSale(c, null, "P1-A", now, "5.00"); // no client
      insertSale(c, 4, "P1-A", now, null); // no amount
    }

    Lsn position = await(bootstrap.ensureBootstrapped());

    Map<SalesGroundTruth.ClientDay, Figures> truth = withinHorizon(SalesGroundTruth.clientDays(config));
    assertThat(truth).hasSizeGreaterThan(PROVIDERS * 2 * 30);
    assertThat(dynamoClientDays()).isEqualTo(truth);
    assertThat(dynamoDayTotals()).isEqualTo(dayTotals(truth));
    assertThat(minuteTruth()).isNotEmpty();
    assertThat(dynamoMinutes()).isEqualTo(minuteTruth());
    assertThat(position).isEqualTo(slotPosition()).isEqualTo(recordedPosition());
  }

  @Test
  void aDateSaleColumnIsCountedOnItsDayAndAtTheDaysFirstMinute() throws Exception {
    try (Connection c = FreshDatabase.connect(config); Statement st = c.createStatement()) {
      st.execute("ALTER TABLE ventas ALTER COLUMN fecha TYPE date");
      st.execute("INSERT INTO ventas (cliente_id, producto, fecha, monto) VALUES (1, 'P1-A', '" + today + "', 10.00),"
          + " (1, 'P1-A', '" + today + "', 2.50), (2, 'P1-B', '" + today.minusDays(1) + "', 1.00)");
    }

    await(bootstrap.ensureBootstrapped());

    // Where the mapper counts a streamed sale of a date column, so that its correction finds it.
    assertThat(dynamoMinutes()).isEqualTo(Map.of(
        "1 " + today.atStartOfDay() + " P1-A", new Figures(2, new BigDecimal("12.50")),
        "1 " + today.minusDays(1).atStartOfDay() + " P1-B", new Figures(1, new BigDecimal("1.00"))));
    assertThat(dynamoClientDays()).isEqualTo(Map.of(
        new SalesGroundTruth.ClientDay(1, 1, today), new Figures(2, new BigDecimal("12.50")),
        new SalesGroundTruth.ClientDay(1, 2, today.minusDays(1)), new Figures(1, new BigDecimal("1.00"))));
  }

  @Test
  void salesCommittedDuringTheBootstrapAreStreamedAndNoneIsCountedTwice(Vertx vertx) throws Exception {
    AtomicBoolean selling = new AtomicBoolean(true);
    AtomicLong operations = new AtomicLong();
    AtomicReference<Throwable> shopFailure = new AtomicReference<>();
    Thread shop = new Thread(() -> {
      Random shopRandom = new Random(7);
      try (Connection c = FreshDatabase.connect(config); Statement st = c.createStatement()) {
        while (selling.get()) {
          int roll = shopRandom.nextInt(100);
          if (roll < 80 || operations.get() < 50) {
            insertRandomSales(c, 1 + shopRandom.nextInt(5));
          } else if (roll < 90) {
            // A correction, possibly of a sale the bootstrap counted: its base must lose it.
            st.execute("UPDATE ventas SET monto = monto + 1.01, cliente_id = " + (1 + shopRandom.nextInt(40))
                + " WHERE id = (SELECT id FROM ventas ORDER BY random() LIMIT 1)");
          } else {
            st.execute("DELETE FROM ventas WHERE id = (SELECT id FROM ventas ORDER BY random() LIMIT 1)");
          }
          operations.incrementAndGet();
        }
      } catch (Throwable e) {
        shopFailure.set(e);
      }
    }, "shop");
    shop.start();
    try {
      Await.waitUntil(() -> operations.get() > 300 || shopFailure.get() != null, Duration.ofSeconds(60), "sales before");
      await(bootstrap.ensureBootstrapped());
      long after = operations.get();
      Await.waitUntil(() -> operations.get() > after + 300 || shopFailure.get() != null, Duration.ofSeconds(60),
          "sales after the bootstrap");
    } finally {
      selling.set(false);
      shop.join();
    }
    assertThat(shopFailure.get()).isNull();
    List<SaleChange> streamed = streamedChanges(vertx).changes();
    Map<SalesGroundTruth.ClientDay, Figures> baseline = dynamoClientDays();

    await(new DeltaWriter(vertx, clients, table(), keys, config.aggregate().minuteRetention(), new SimpleMeterRegistry())
        .apply(BatchFold.of(keys, SHARD, streamed)));

    Map<SalesGroundTruth.ClientDay, Figures> truth = SalesGroundTruth.clientDays(config);
    assertThat(baseline).as("counted by the bootstrap").isNotEmpty();
    assertThat(streamed).as("streamed from the slot").hasSizeGreaterThan(100);
    assertThat(dynamoClientDays()).isEqualTo(truth);
    assertThat(dynamoDayTotals()).isEqualTo(dayTotals(truth));
  }

  @Test
  void aBootstrapThatDiedHalfWayIsRedoneFromScratch() throws Exception {
    try (Connection c = FreshDatabase.connect(config); Statement st = c.createStatement()) {
      insertRandomSales(c, 500);
      // What the dead bootstrap left: its slot, no completion, some items — one of a client whose
      // sales were deleted since, one with figures that are no longer right — and a consumer's checkpoint.
      st.execute("CREATE PUBLICATION " + config.capture().publicationName() + " FOR TABLE ventas");
      Lsn deadSlot;
      try (ExportedSnapshot dead = ExportedSnapshot.createSlot(config.database(), config.capture().slotName())) {
        deadSlot = dead.consistentPoint();
      }
      st.execute("INSERT INTO pulso.capture_state (slot_name) VALUES ('" + config.capture().slotName() + "')");
      SalesGroundTruth.ClientDay someone = SalesGroundTruth.clientDays(config).keySet().iterator().next();
      await(writer.write(List.of(
          new BaselineFigure(new ClientDay(1, today, 999), 5, new BigDecimal("500.00")),
          new BaselineFigure(new ClientDay(someone.providerId(), someone.day(), someone.clientId()), 1000,
              new BigDecimal("1.00")),
          new BaselineFigure(keys.bootstrapDayTotal(1, today), 5, new BigDecimal("500.00")))));
      Map<String, AttributeValue> checkpoint = new HashMap<>(keys.checkpointKey("pulso-sales", SHARD));
      checkpoint.put(MetricKeys.CHECKPOINT_SEQUENCE, AttributeValue.fromS("4965"));
      await(clients.call(() -> clients.dynamoDb().putItem(b -> b.tableName(table()).item(checkpoint))));

      Lsn position = await(bootstrap.ensureBootstrapped());

      assertThat(position).as("a new slot").isGreaterThan(deadSlot).isEqualTo(slotPosition()).isEqualTo(recordedPosition());
      Map<SalesGroundTruth.ClientDay, Figures> truth = withinHorizon(SalesGroundTruth.clientDays(config));
      assertThat(dynamoClientDays()).isEqualTo(truth)
          .doesNotContainKey(new SalesGroundTruth.ClientDay(1, 999, today));
      assertThat(dynamoDayTotals()).isEqualTo(dayTotals(truth));
      assertThat(await(clients.call(() -> clients.dynamoDb().getItem(b -> b.tableName(table())
          .key(keys.checkpointKey("pulso-sales", SHARD)).consistentRead(true)))).hasItem())
          .as("the consumers' checkpoint is kept").isTrue();
    }
  }

  @Test
  void ensuringASecondTimeDoesNothing(Vertx vertx) throws Exception {
    try (Connection c = FreshDatabase.connect(config); Statement st = c.createStatement()) {
      insertRandomSales(c, 200);
      Lsn first = await(bootstrap.ensureBootstrapped());
      Map<SalesGroundTruth.ClientDay, Figures> counted = withinHorizon(SalesGroundTruth.clientDays(config));
      double written = registry.get("pulso.bootstrap.items.written").counter().count();
      Timestamp completed = bootstrappedAt(st);
      insertSale(c, 1, "P1-A", now, "3.00"); // waits in the slot for the capture

      Lsn second = await(bootstrap.ensureBootstrapped());

      assertThat(second).isEqualTo(first);
      assertThat(registry.get("pulso.bootstrap.items.written").counter().count()).isEqualTo(written);
      assertThat(registry.get("pulso.bootstrap.items.deleted").counter().count()).isZero();
      assertThat(bootstrappedAt(st)).isEqualTo(completed);
      assertThat(streamedChanges(vertx).changes()).as("the slot was kept, with its pending change").hasSize(1);
      assertThat(dynamoClientDays()).as("the base figures were not rewritten").isEqualTo(counted);
    }
  }

  @Test
  void aMetricsTableThatLostTheFiguresIsBootstrappedAgain(Vertx vertx) throws Exception {
    try (Connection c = FreshDatabase.connect(config)) {
      insertRandomSales(c, 200);
      Lsn first = await(bootstrap.ensureBootstrapped());
      insertSale(c, 1, "P1-A", now, "3.00");
      // The figures are lost, as with a new metrics table (the local emulators start empty): no marker.
      await(writer.deleteAllMetrics());
      await(clients.call(() -> clients.dynamoDb().deleteItem(b -> b.tableName(table())
          .key(keys.bootstrapMarkerKey(config.capture().slotName())))));

      Lsn redone = await(bootstrap.ensureBootstrapped());

      assertThat(redone).isGreaterThan(first).isEqualTo(slotPosition()).isEqualTo(recordedPosition());
      assertThat(dynamoClientDays()).isEqualTo(withinHorizon(SalesGroundTruth.clientDays(config)));
      assertThat(streamedChanges(vertx).changes()).as("the new slot starts after the new sale").isEmpty();
    }
  }

  @Test
  void theBootstrapCountsExactlyTheRowsTheMapperMaps(Vertx vertx) throws Exception {
    List<String> rows = List.of(
        "1, 'P1-A', '%1$s', 10.00",
        "2, 'P2-A', '%1$s', -0.00",
        "3, 'P3-A', '%1$s', 1.500",
        "4, 'P1-B', '%2$s', 2.25",
        // every one of these is dead-lettered by the mapper
        "5, 'XXX-999', '%1$s', 1.00",
        "5, NULL, '%1$s', 1.00",
        "NULL, 'P1-A', '%1$s', 1.00",
        "6, 'P1-A', '%1$s', NULL",
        "6, 'P1-A', '%1$s', -1.00",
        "6, 'P1-A', '%1$s', 1.005",
        "6, 'P1-A', '%1$s', 'NaN'",
        "6, 'P1-A', '%1$s', 'Infinity'",
        "6, 'P1-A', 'infinity', 1.00",
        "6, 'P1-A', '-infinity', 1.00",
        "6, 'P1-A', '0044-03-15 12:00:00+00 BC', 1.00");
    String saleTime = now.minus(Duration.ofHours(1)).toString();
    String otherTime = now.minus(Duration.ofHours(30)).toString();
    try (Connection c = FreshDatabase.connect(config); Statement st = c.createStatement()) {
      // Unconstrained numeric: amounts the demo schema's numeric(14,2) cannot even hold.
      st.execute("ALTER TABLE ventas ALTER COLUMN monto TYPE numeric");
      for (String row : rows) {
        st.execute("INSERT INTO ventas (cliente_id, producto, fecha, monto) VALUES ("
            + String.format(row, saleTime, otherTime) + ")");
      }
      await(bootstrap.ensureBootstrapped());
      // The same rows once more, now through the slot and the mapper.
      for (String row : rows) {
        st.execute("INSERT INTO ventas (cliente_id, producto, fecha, monto) VALUES ("
            + String.format(row, saleTime, otherTime) + ")");
      }
    }
    Streamed streamed = streamedChanges(vertx);
    Map<SalesGroundTruth.ClientDay, Figures> mapped = new HashMap<>();
    for (SaleChange change : streamed.changes()) {
      var sale = change.current();
      mapped.merge(new SalesGroundTruth.ClientDay(sale.providerId(), sale.clientId(), keys.dayOf(sale.time())),
          new Figures(1, sale.amount()), BootstrapTest::sum);
    }

    assertThat(streamed.deadLetters()).isEqualTo(11);
    assertThat(mapped).hasSize(4);
    assertThat(dynamoClientDays()).isEqualTo(mapped);
  }

  // ---- the source

  private void insertRandomSales(Connection c, int count) throws SQLException {
    Instant start = today.minusDays(1).atStartOfDay(zone).toInstant();
    long span = Duration.between(start, now).toMillis();
    for (int i = 0; i < count; i++) {
      int provider = 1 + random.nextInt(PROVIDERS);
      insertSale(c, 1L + random.nextInt(40), "P" + provider + "-" + (char) ('A' + random.nextInt(4)),
          start.plusMillis((long) (random.nextDouble() * span)),
          BigDecimal.valueOf(1 + random.nextInt(9_999_999), 2).toPlainString());
    }
  }

  private static void insertSale(Connection c, Long client, String product, Instant time, String amount)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "INSERT INTO ventas (cliente_id, producto, fecha, monto) VALUES (?, ?, ?::timestamptz, ?::numeric)")) {
      if (client == null) {
        ps.setNull(1, Types.BIGINT);
      } else {
        ps.setLong(1, client);
      }
      ps.setString(2, product);
      ps.setString(3, time.toString());
      ps.setString(4, amount);
      ps.execute();
    }
  }

  private static void insertSale(Connection c, long client, String product, Instant time, String amount)
      throws SQLException {
    insertSale(c, Long.valueOf(client), product, time, amount);
  }

  private Map<String, Figures> minuteTruth() throws SQLException {
    LocalDateTime firstMinute = LocalDateTime.ofInstant(now.minus(config.aggregate().minuteRetention()), zone)
        .truncatedTo(ChronoUnit.MINUTES);
    String sql = """
        SELECT p.provider_id, p.code, date_trunc('minute', v.fecha AT TIME ZONE ?) AS minute, count(*), sum(v.monto)
        FROM ventas v JOIN pulso.products p ON p.code = v.producto
        WHERE v.cliente_id IS NOT NULL AND v.monto IS NOT NULL
        GROUP BY 1, 2, 3""";
    Map<String, Figures> truth = new HashMap<>();
    try (Connection c = FreshDatabase.connect(config); PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, zone.getId());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          LocalDateTime minute = rs.getObject(3, LocalDateTime.class);
          if (!minute.isBefore(firstMinute)) {
            truth.put(rs.getInt(1) + " " + minute + " " + rs.getString(2), new Figures(rs.getLong(4), rs.getBigDecimal(5)));
          }
        }
      }
    }
    return truth;
  }

  private Timestamp bootstrappedAt(Statement st) throws SQLException {
    try (ResultSet rs = st.executeQuery("SELECT bootstrapped_at FROM pulso.capture_state WHERE slot_name = '"
        + config.capture().slotName() + "'")) {
      rs.next();
      return rs.getTimestamp(1);
    }
  }

  private Lsn slotPosition() throws SQLException {
    return lsn("SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = ?");
  }

  private Lsn recordedPosition() throws SQLException {
    return lsn("SELECT confirmed_lsn::text FROM pulso.capture_state WHERE slot_name = ? AND bootstrapped_at IS NOT NULL");
  }

  private Lsn lsn(String sql) throws SQLException {
    try (Connection c = FreshDatabase.connect(config); PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, config.capture().slotName());
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Lsn.parse(rs.getString(1)) : null;
      }
    }
  }

  // ---- the slot

  record Streamed(List<SaleChange> changes, int deadLetters) {}

  /** Everything the slot holds, peeked (not consumed) and mapped as the capture will. */
  private Streamed streamedChanges(Vertx vertx) throws Exception {
    Map<String, Integer> providers = new HashMap<>();
    try (Connection c = FreshDatabase.connect(config); Statement st = c.createStatement();
         ResultSet rs = st.executeQuery("SELECT code, provider_id FROM pulso.products")) {
      while (rs.next()) {
        providers.put(rs.getString(1), rs.getInt(2));
      }
    }
    SaleChangeMapper mapper = new SaleChangeMapper(config.source(), zone, providers);
    ChangeAssembler assembler = new ChangeAssembler();
    List<SaleChange> changes = new ArrayList<>();
    int[] deadLetters = {0};
    await(new ReplicationSlot(pool, config.capture(), config.source()).peek(chunk -> {
      for (ReplicationSlot.PeekedMessage message : chunk) {
        assembler.accept(PgOutputDecoder.decode(message.data())).ifPresent(event -> {
          if (event instanceof RowChange row && mapper.isSalesTable(row)) {
            SaleMapping mapping = mapper.map(row);
            if (mapping instanceof SaleMapping.Mapped mapped) {
              changes.add(mapped.change());
            } else if (mapping instanceof SaleMapping.VoidedAndRejected voided) {
              changes.add(voided.change());
              deadLetters[0]++;
            } else {
              deadLetters[0]++;
            }
          }
        });
      }
      return Future.succeededFuture();
    }));
    return new Streamed(changes, deadLetters[0]);
  }

  // ---- DynamoDB and the expected figures

  private Map<SalesGroundTruth.ClientDay, Figures> dynamoClientDays() throws Exception {
    Map<SalesGroundTruth.ClientDay, Figures> figures = new HashMap<>();
    for (int provider = 1; provider <= PROVIDERS; provider++) {
      for (LocalDate day = firstDay().minusDays(1); !day.isAfter(today.plusDays(1)); day = day.plusDays(1)) {
        for (DailyClientTotal total : await(reader.clientDay(provider, day))) {
          figures.put(new SalesGroundTruth.ClientDay(provider, total.clientId(), day),
              new Figures(total.transactions(), total.amount()));
        }
      }
    }
    return figures;
  }

  private Map<String, Figures> dynamoDayTotals() throws Exception {
    Map<String, Figures> totals = new HashMap<>();
    for (int provider = 1; provider <= PROVIDERS; provider++) {
      for (LocalDate day = firstDay().minusDays(1); !day.isAfter(today.plusDays(1)); day = day.plusDays(1)) {
        DailyTotal total = await(reader.dayTotal(provider, day));
        if (total.transactions() != 0 || total.amount().signum() != 0) {
          totals.put(provider + " " + day, new Figures(total.transactions(), total.amount()));
        }
      }
    }
    return totals;
  }

  private Map<String, Figures> dynamoMinutes() throws Exception {
    Map<String, Figures> minutes = new HashMap<>();
    for (int provider = 1; provider <= PROVIDERS; provider++) {
      for (LocalDate day = firstDay().minusDays(1); !day.isAfter(today.plusDays(1)); day = day.plusDays(1)) {
        for (MinuteBucket bucket : await(reader.productMinutes(provider, day))) {
          minutes.put(provider + " " + bucket.minute() + " " + bucket.productCode(),
              new Figures(bucket.transactions(), bucket.amount()));
        }
      }
    }
    return minutes;
  }

  private static Map<String, Figures> dayTotals(Map<SalesGroundTruth.ClientDay, Figures> clientDays) {
    Map<String, Figures> totals = new HashMap<>();
    clientDays.forEach((key, figures) -> totals.merge(key.providerId() + " " + key.day(), figures, BootstrapTest::sum));
    return totals;
  }

  private Map<SalesGroundTruth.ClientDay, Figures> withinHorizon(Map<SalesGroundTruth.ClientDay, Figures> truth) {
    return truth.entrySet().stream().filter(e -> !e.getKey().day().isBefore(firstDay()))
        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
  }

  private LocalDate firstDay() {
    return today.minus(HORIZON);
  }

  private static Figures sum(Figures a, Figures b) {
    return new Figures(a.transactions() + b.transactions(), a.amount().add(b.amount()));
  }

  private String table() {
    return config.aws().dynamoDbTable();
  }
}
