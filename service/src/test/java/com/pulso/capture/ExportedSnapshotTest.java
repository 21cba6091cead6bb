package com.pulso.capture;

import static org.assertj.core.api.Assertions.assertThat;

import com.pulso.config.PulsoConfig;
import com.pulso.db.FreshDatabase;
import com.pulso.db.Migrations;
import com.pulso.db.Postgres;
import com.pulso.testing.Await;
import com.pulso.testing.SourceSql;
import com.pulso.testing.TestServices;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The bootstrap's foundation: snapshot and slot meet with no gap and no overlap, under concurrent inserts. */
class ExportedSnapshotTest {

  @Test
  void snapshotRowsPlusStreamedInsertsAreEveryRowExactlyOnce() throws Exception {
    PulsoConfig config = FreshDatabase.create(TestServices.config(), true);
    Migrations.migrate(config);
    String unique = "t" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    PulsoConfig.Capture capture = new PulsoConfig.Capture("slot_" + unique, "pub_" + unique, Duration.ofMillis(50),
        1_000_000, 1_000, 7, Duration.ofSeconds(10));
    execute(config, "CREATE PUBLICATION " + capture.publicationName() + " FOR TABLE ventas");

    AtomicBoolean inserting = new AtomicBoolean(true);
    AtomicLong inserted = new AtomicLong();
    Thread shop = new Thread(() -> {
      try (Connection c = Postgres.connect(config.database()); Statement st = c.createStatement()) {
        while (inserting.get()) {
          st.execute("INSERT INTO ventas (cliente_id, producto, fecha, monto) VALUES (1, 'LAC-001', now(), 10.00)");
          inserted.incrementAndGet();
        }
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }, "shop");
    shop.start();
    Await.waitUntil(() -> inserted.get() > 200, Duration.ofSeconds(60), "sales before the slot");

    long inSnapshot;
    try (ExportedSnapshot snapshot = ExportedSnapshot.createSlot(config.database(), capture.slotName());
         Connection reader = Postgres.connect(config.database());
         Statement st = reader.createStatement()) {
      reader.setAutoCommit(false);
      st.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
      st.execute("SET TRANSACTION SNAPSHOT '" + snapshot.snapshotName() + "'");
      long before = inserted.get();
      Await.waitUntil(() -> inserted.get() > before + 200, Duration.ofSeconds(60), "sales while the snapshot is read");
      try (ResultSet rs = st.executeQuery("SELECT count(*) FROM ventas")) {
        rs.next();
        inSnapshot = rs.getLong(1);
      }
      reader.commit();
    }
    // A failover slot (PostgreSQL 17): a standby syncing slots keeps it across a failover.
    assertThat(SourceSql.count(config.database(), "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '"
        + capture.slotName() + "' AND failover")).isEqualTo(1);
    long afterSnapshot = inserted.get();
    Await.waitUntil(() -> inserted.get() > afterSnapshot + 200, Duration.ofSeconds(60), "sales after the snapshot");
    inserting.set(false);
    shop.join();

    Vertx vertx = Vertx.vertx();
    try {
      ReplicationSlot slot = new ReplicationSlot(Postgres.pool(vertx, config.database()), capture, config.source());
      AtomicLong streamed = new AtomicLong();
      Await.await(slot.peek(chunk -> {
        chunk.forEach(message -> streamed.addAndGet(message.data()[0] == 'I' ? 1 : 0));
        return Future.succeededFuture();
      }));

      assertThat(inSnapshot).isPositive();
      assertThat(streamed.get()).isPositive();
      assertThat(inSnapshot + streamed.get()).as("every sale counted once").isEqualTo(count(config));
    } finally {
      execute(config, "SELECT pg_drop_replication_slot('" + capture.slotName() + "')");
      Await.await(vertx.close());
    }
  }

  private static long count(PulsoConfig config) throws Exception {
    try (Connection c = Postgres.connect(config.database()); Statement st = c.createStatement();
         ResultSet rs = st.executeQuery("SELECT count(*) FROM ventas")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static void execute(PulsoConfig config, String sql) throws Exception {
    try (Connection c = Postgres.connect(config.database()); Statement st = c.createStatement()) {
      st.execute(sql);
    }
  }
}
