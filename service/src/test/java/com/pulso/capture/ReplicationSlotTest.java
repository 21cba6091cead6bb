package com.pulso.capture;

import static org.assertj.core.api.Assertions.assertThat;

import com.pulso.capture.ReplicationSlot.PeekedMessage;
import com.pulso.config.PulsoConfig;
import com.pulso.db.FreshDatabase;
import com.pulso.db.Migrations;
import com.pulso.db.Postgres;
import com.pulso.sales.Lsn;
import com.pulso.testing.Await;
import com.pulso.testing.TestServices;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The slot on a real PostgreSQL 17: created once, peeked without consuming, advanced on demand. */
class ReplicationSlotTest {

  private Vertx vertx;
  private PulsoConfig config;
  private PulsoConfig.Capture capture;
  private Pool pool;
  private ReplicationSlot slot;

  @BeforeEach
  void freshDatabaseAndSlot() {
    config = FreshDatabase.create(TestServices.config(), true);
    Migrations.migrate(config);
    String unique = "t" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    // Slots belong to the whole server: a name of its own per test, and small chunks to see them.
    capture = new PulsoConfig.Capture("slot_" + unique, "pub_" + unique, Duration.ofMillis(50), 10_000, 2, 7,
        Duration.ofSeconds(10));
    vertx = Vertx.vertx();
    pool = Postgres.pool(vertx, config.database());
    slot = new ReplicationSlot(pool, capture, config.source());
  }

  @AfterEach
  void dropSlot() throws Exception {
    try (Connection c = Postgres.connect(config.database()); Statement st = c.createStatement()) {
      st.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '"
          + capture.slotName() + "'");
    }
    Await.await(vertx.close());
  }

  @Test
  void publicationIsCreatedOnceForTheSalesTableOnly() throws Exception {
    Await.await(slot.ensurePublication());
    Await.await(slot.ensurePublication());

    try (Connection c = Postgres.connect(config.database()); Statement st = c.createStatement()) {
      var rs = st.executeQuery("SELECT count(*) FROM pg_publication_tables WHERE pubname = '" + capture.publicationName()
          + "' AND tablename = 'ventas'");
      rs.next();
      assertThat(rs.getInt(1)).isEqualTo(1);
    }
  }

  @Test
  void peekStreamsChunksInOrderWithoutConsumingUntilAdvanced() throws Exception {
    Await.await(slot.ensurePublication());
    ExportedSnapshot.createSlot(config.database(), capture.slotName()).close();
    insertSales(5);

    List<List<PeekedMessage>> chunks = new ArrayList<>();
    long read = Await.await(slot.peek(chunk -> {
      chunks.add(chunk);
      return Future.succeededFuture();
    }));

    // Begin, Relation, five Inserts, Commit.
    assertThat(read).isEqualTo(8);
    assertThat(chunks).allSatisfy(chunk -> assertThat(chunk).hasSizeLessThanOrEqualTo(capture.fetchSize()));
    List<PeekedMessage> messages = chunks.stream().flatMap(List::stream).toList();
    assertThat(messages).extracting(m -> (char) m.data()[0]).containsExactly('B', 'R', 'I', 'I', 'I', 'I', 'I', 'C');
    assertThat(messages).extracting(PeekedMessage::lsn).isSorted();

    assertThat(Await.await(slot.peek(chunk -> Future.succeededFuture()))).as("a peek consumes nothing").isEqualTo(8);

    Await.await(slot.advance(commitEndLsn(messages.get(messages.size() - 1))));
    assertThat(Await.await(slot.peek(chunk -> Future.succeededFuture()))).as("advanced past the commit").isZero();
    assertThat(Await.await(slot.retainedWalBytes())).isNotNegative();
  }

  private void insertSales(int count) throws Exception {
    try (Connection c = Postgres.connect(config.database()); Statement st = c.createStatement()) {
      st.execute("INSERT INTO ventas (cliente_id, producto, fecha, monto)"
          + " SELECT g, 'LAC-001', now(), 1000.00 FROM generate_series(1, " + count + ") g");
    }
  }

  /** pgoutput Commit: 'C', flags (1 byte), commit LSN (8), end LSN (8), timestamp (8). */
  private static Lsn commitEndLsn(PeekedMessage commit) {
    assertThat(commit.data()[0]).isEqualTo((byte) 'C');
    return new Lsn(ByteBuffer.wrap(commit.data(), 10, 8).getLong());
  }
}
