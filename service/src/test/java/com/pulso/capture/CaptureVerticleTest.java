package com.pulso.capture;

import static com.pulso.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.pulso.aws.AwsClients;
import com.pulso.aws.AwsResources;
import com.pulso.config.PulsoConfig;
import com.pulso.db.FreshDatabase;
import com.pulso.db.Migrations;
import com.pulso.db.Postgres;
import com.pulso.sales.Lsn;
import com.pulso.sales.SaleChange;
import com.pulso.stream.SaleChangeCodec;
import com.pulso.stream.TestStreams;
import com.pulso.testing.Await;
import com.pulso.testing.SourceSql;
import com.pulso.testing.TestServices;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.Shard;

/** Capture end to end on a real PostgreSQL 17 and the Kinesis emulator. */
class CaptureVerticleTest {

  private Vertx vertx;
  private PulsoConfig config;
  private AwsClients clients;
  private Pool pool;

  @BeforeEach
  void freshDatabaseSlotAndStream() throws Exception {
    PulsoConfig base = FreshDatabase.create(TestServices.config(), true);
    String unique = "t" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    vertx = Vertx.vertx();
    clients = new AwsClients(vertx, base, new SimpleMeterRegistry());
    String stream = TestStreams.create(clients, 2);
    PulsoConfig.Aws aws = base.aws();
    config = base
        .withCapture(new PulsoConfig.Capture("slot_" + unique, "pub_" + unique, Duration.ofMillis(20), 20_000, 500, 7,
            Duration.ofSeconds(10)))
        .withAws(new PulsoConfig.Aws(aws.region(), aws.manageResources(), aws.kinesisEndpoint(), aws.dynamoDbEndpoint(),
            aws.s3Endpoint(), aws.glueEndpoint(), aws.snsEndpoint(), aws.cloudWatchEndpoint(), stream, 2, "capture-" + unique, aws.s3Bucket(),
            aws.s3KmsKeyId(), aws.http()));
    // The capture bootstraps into the metrics table before it streams.
    await(new AwsResources(vertx, clients, config).createTableIfMissing());
    Migrations.migrate(config);
    execute("INSERT INTO pulso.providers (id, name) VALUES (1, 'Lácteos'), (2, 'Café')");
    execute("INSERT INTO pulso.products (code, provider_id, name) VALUES ('LAC-001', 1, 'Leche'), ('CAF-001', 2, 'Café')");
    pool = Postgres.pool(vertx, config.database());
  }

  @AfterEach
  void dropSlotAndStream() throws Exception {
    await(vertx.close());
    execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '"
        + config.capture().slotName() + "'");
    Vertx cleanup = Vertx.vertx();
    try (AwsClients aws = new AwsClients(cleanup, config, new SimpleMeterRegistry())) {
      TestStreams.delete(aws, config.aws().kinesisStream());
    } finally {
      await(cleanup.close());
    }
  }

  @Test
  void everySaleChangeReachesKinesisAndBadRowsAreDeadLettered() throws Exception {
    String deployment = await(vertx.deployVerticle(new CaptureVerticle(config, pool, clients, new SimpleMeterRegistry())));

    execute("INSERT INTO ventas (cliente_id, producto, fecha, monto)"
        + " SELECT 1 + g % 50, CASE WHEN g % 2 = 0 THEN 'LAC-001' ELSE 'CAF-001' END, now(), 1000.00 + g"
        + " FROM generate_series(1, 3000) g");
    execute("UPDATE ventas SET monto = monto + 0.50 WHERE id % 10 = 0");
    execute("DELETE FROM ventas WHERE id % 100 = 1");
    execute("INSERT INTO ventas (cliente_id, producto, fecha, monto) VALUES (7, 'UNKNOWN', now(), 5.00)");
    execute("INSERT INTO ventas (cliente_id, producto, fecha, monto) VALUES (NULL, 'LAC-001', now(), 5.00)");

    // 3,000 inserts + 300 corrections + 30 voids; the two bad rows are dead letters.
    Await.waitUntil(() -> shipped().size() == 3_330, Duration.ofSeconds(60), () -> "shipped: " + shipped().size());
    Await.waitUntil(() -> count("SELECT count(*) FROM pulso.dead_letters") == 2, Duration.ofSeconds(30), "dead letters");
    Await.waitUntil(() -> remainingInSlot() == 0, Duration.ofSeconds(30), "the slot advanced past everything shipped");

    List<SaleChange> changes = shipped();
    assertThat(changes.stream().filter(c -> c instanceof SaleChange.Inserted)).hasSize(3_000);
    assertThat(changes.stream().filter(c -> c instanceof SaleChange.Corrected)).hasSize(300);
    assertThat(changes.stream().filter(c -> c instanceof SaleChange.Voided)).hasSize(30);
    Set<Object> positions = new HashSet<>();
    changes.forEach(c -> positions.add(c.position()));
    assertThat(positions).as("each change once").hasSize(3_330);

    await(vertx.undeploy(deployment));
  }

  @Test
  void theSlotFollowsTheWalWhenTheSalesTableIsQuietAndItsRestartPointFollowsABurst() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    String deployment = await(vertx.deployVerticle(new CaptureVerticle(config, pool, clients, registry)));
    execute("INSERT INTO ventas (cliente_id, producto, fecha, monto)"
        + " SELECT 1 + g % 50, 'LAC-001', now(), 10.00 FROM generate_series(1, 5000) g");
    Lsn afterBurst = lsn("SELECT pg_current_wal_flush_lsn()::text");
    Await.waitUntil(() -> shipped().size() == 5_000, Duration.ofSeconds(60), () -> "shipped: " + shipped().size());
    // The server's own snapshot of running transactions comes every 15 s; the capture asks for one at once.
    Await.waitUntil(() -> lsn(slotColumn("restart_lsn")).compareTo(afterBurst) >= 0, Duration.ofSeconds(8),
        "the slot's restart point past the burst");

    // WAL of other tables only: no sale in it, yet the slot must not hold it back.
    execute("CREATE TABLE not_sales (id int)");
    execute("INSERT INTO not_sales SELECT g FROM generate_series(1, 10000) g");
    Lsn afterOthers = lsn("SELECT pg_current_wal_flush_lsn()::text");
    Await.waitUntil(() -> lsn(slotColumn("confirmed_flush_lsn")).compareTo(afterOthers) >= 0, Duration.ofSeconds(10),
        "the slot's confirmed position past other tables' WAL");
    assertThat(shipped()).as("nothing shipped for other tables").hasSize(5_000);

    // Quiet is not behind: seconds after the last sale, the capture, caught up, reports no lag.
    Thread.sleep(2_500);
    assertThat(registry.get("pulso.capture.lag.seconds").gauge().value()).isLessThan(1.0);

    await(vertx.undeploy(deployment));
  }

  private String slotColumn(String column) {
    return "SELECT " + column + "::text FROM pg_replication_slots WHERE slot_name = '" + config.capture().slotName() + "'";
  }

  private Lsn lsn(String sql) {
    try (Connection c = Postgres.connect(config.database()); Statement st = c.createStatement();
         ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return Lsn.parse(rs.getString(1));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private List<SaleChange> shipped() {
    try {
      List<SaleChange> changes = new ArrayList<>();
      for (Shard shard : TestStreams.shards(clients, config.aws().kinesisStream())) {
        for (Record record : TestStreams.readShard(clients, config.aws().kinesisStream(), shard.shardId())) {
          changes.addAll(SaleChangeCodec.decode(record.data().asByteArray()));
        }
      }
      return changes;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Changes still in the slot; unknown (-1) while the capture itself is reading it (the slot is then busy). */
  private long remainingInSlot() {
    try (Connection c = Postgres.connect(config.database()); Statement st = c.createStatement();
         ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_logical_slot_peek_binary_changes('"
             + config.capture().slotName() + "', NULL, NULL, 'proto_version', '1', 'publication_names', '"
             + config.capture().publicationName() + "')")) {
      rs.next();
      return rs.getLong(1);
    } catch (java.sql.SQLException e) {
      if (String.valueOf(e.getMessage()).contains("is active for PID")) {
        return -1;
      }
      throw new IllegalStateException(e);
    }
  }

  private long count(String sql) {
    return SourceSql.count(config.database(), sql);
  }

  private void execute(String sql) {
    SourceSql.execute(config.database(), sql);
  }
}
