package com.pulso.capture;

import static org.assertj.core.api.Assertions.assertThat;

import com.pulso.capture.PgOutputMessage.Begin;
import com.pulso.capture.PgOutputMessage.Column;
import com.pulso.capture.PgOutputMessage.Commit;
import com.pulso.capture.PgOutputMessage.Delete;
import com.pulso.capture.PgOutputMessage.Insert;
import com.pulso.capture.PgOutputMessage.Null;
import com.pulso.capture.PgOutputMessage.Origin;
import com.pulso.capture.PgOutputMessage.Relation;
import com.pulso.capture.PgOutputMessage.Text;
import com.pulso.capture.PgOutputMessage.Truncate;
import com.pulso.capture.PgOutputMessage.TupleData;
import com.pulso.capture.PgOutputMessage.Type;
import com.pulso.capture.PgOutputMessage.UnchangedToast;
import com.pulso.capture.PgOutputMessage.Update;
import com.pulso.config.PulsoConfig;
import com.pulso.db.FreshDatabase;
import com.pulso.sales.Lsn;
import com.pulso.testing.TestServices;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The decoder against what PostgreSQL 17's pgoutput really sends: one slot on a fresh database
 * records a fixed script of changes (see {@link #runScript}), peeked once and asserted per message
 * kind. With {@code -Dpulso.capture.writeFixture=<file>} the peeked messages are also written as the
 * hex fixture {@link PgOutputDecoderTest} decodes without a database.
 */
class PgOutputFromPostgresTest {

  static final String BODY = body(42);
  /** The current transaction's xid as pgoutput sends it: 32 bits, without txid_current()'s epoch. */
  private static final String XID_EXPR = "txid_current() % 4294967296";
  private static final String XID = "SELECT " + XID_EXPR;

  private static Connection conn;
  private static TestSlot slot;
  private static int moodOid;
  private static int fullOid;
  private static int defaultOid;
  private static List<Long> xids;
  private static List<TestSlot.Peeked> peeked;
  private static List<PgOutputMessage> messages;

  @BeforeAll
  static void recordScript() throws Exception {
    PulsoConfig config = FreshDatabase.create(TestServices.config(), false);
    conn = FreshDatabase.connect(config);
    try (Statement st = conn.createStatement()) {
      st.execute("CREATE TYPE mood AS ENUM ('happy', 'sad')");
      st.execute("CREATE TABLE docs_full (id int PRIMARY KEY, label text, body text, mood mood, amount numeric(10,2))");
      st.execute("ALTER TABLE docs_full REPLICA IDENTITY FULL");
      st.execute("CREATE TABLE docs_default (id int PRIMARY KEY, label text, body text)");
      st.execute("CREATE PUBLICATION capture_test FOR TABLE docs_full, docs_default");
      moodOid = intValue(st, "SELECT 'mood'::regtype::oid::int");
      fullOid = intValue(st, "SELECT 'docs_full'::regclass::oid::int");
      defaultOid = intValue(st, "SELECT 'docs_default'::regclass::oid::int");
    }
    slot = TestSlot.create(conn, "capture_test");
    xids = runScript(config);
    peeked = slot.peek();
    messages = peeked.stream().map(p -> PgOutputDecoder.decode(p.data())).toList();
    String fixture = System.getProperty("pulso.capture.writeFixture");
    if (fixture != null) {
      writeFixture(Path.of(fixture));
    }
  }

  /** One statement per transaction (autocommit); returns the xid of each, in order. */
  private static List<Long> runScript(PulsoConfig config) throws SQLException {
    List<Long> txids = new ArrayList<>();
    try (PreparedStatement ps = conn.prepareStatement(
        "INSERT INTO docs_full VALUES (1, 'first', ?, 'happy', 12.50) RETURNING " + XID_EXPR)) {
      ps.setString(1, BODY);
      txids.add(longValue(ps));
    }
    try (PreparedStatement ps = conn.prepareStatement(
        "INSERT INTO docs_default VALUES (1, 'first', ?) RETURNING " + XID_EXPR)) {
      ps.setString(1, BODY);
      txids.add(longValue(ps));
    }
    for (String sql : List.of(
        "UPDATE docs_full SET label = 'second' WHERE id = 1",
        "UPDATE docs_default SET label = 'second' WHERE id = 1",
        "UPDATE docs_full SET label = NULL, mood = NULL WHERE id = 1",
        "UPDATE docs_default SET id = 2 WHERE id = 1",
        "DELETE FROM docs_full WHERE id = 1",
        "DELETE FROM docs_default WHERE id = 2")) {
      try (PreparedStatement ps = conn.prepareStatement(sql + " RETURNING " + XID_EXPR)) {
        txids.add(longValue(ps));
      }
    }
    try (Statement st = conn.createStatement()) {
      conn.setAutoCommit(false);
      st.execute("TRUNCATE docs_full, docs_default RESTART IDENTITY");
      txids.add(longValue(st, XID));
      conn.commit();
      conn.setAutoCommit(true);
    }
    txids.add(insertReplayedFromAnOrigin(config));
    return txids;
  }

  /**
   * A transaction applied "from another node": a session with a replication origin set up commits it
   * with the origin's commit LSN and time, and pgoutput announces the origin after Begin.
   */
  private static long insertReplayedFromAnOrigin(PulsoConfig config) throws SQLException {
    String origin = "capture_test_" + UUID.randomUUID().toString().replace("-", "");
    try (Connection session = FreshDatabase.connect(config); Statement st = session.createStatement()) {
      st.execute("SELECT pg_replication_origin_create('" + origin + "')");
      try {
        st.execute("SELECT pg_replication_origin_session_setup('" + origin + "')");
        session.setAutoCommit(false);
        st.execute("SELECT pg_replication_origin_xact_setup('0/ABCDEF', '2026-11-29 15:00:00.123456+00')");
        long xid = longValue(st, XID);
        st.execute("INSERT INTO docs_default VALUES (3, 'from origin', NULL)");
        session.commit();
        session.setAutoCommit(true);
        st.execute("SELECT pg_replication_origin_session_reset()");
        return xid;
      } finally {
        session.setAutoCommit(true);
        st.execute("SELECT pg_replication_origin_drop('" + origin + "')");
      }
    }
  }

  @AfterAll
  static void dropSlot() throws Exception {
    try {
      if (slot != null) {
        slot.close();
      }
    } finally {
      if (conn != null) {
        conn.close();
      }
    }
  }

  @Test
  void everyTransactionOfTheScriptIsABeginAndACommitAroundItsChanges() {
    List<Begin> begins = ofType(Begin.class);
    List<Commit> commits = ofType(Commit.class);

    assertThat(begins).extracting(Begin::xid).containsExactlyElementsOf(xids);
    assertThat(commits).hasSameSizeAs(begins);
    for (int i = 0; i < begins.size(); i++) {
      Begin begin = begins.get(i);
      Commit commit = commits.get(i);
      assertThat(commit.flags()).isZero();
      assertThat(commit.commitLsn()).isEqualTo(begin.finalLsn());
      assertThat(commit.endLsn()).isGreaterThan(commit.commitLsn());
      assertThat(commit.commitTime()).isEqualTo(begin.commitTime());
    }
    // The slot's own view of each message: a commit's row is at the transaction's end LSN, and each
    // message's row carries the xid its Begin announced.
    long xid = -1;
    for (int i = 0; i < messages.size(); i++) {
      if (messages.get(i) instanceof Begin begin) {
        xid = begin.xid();
      }
      assertThat(peeked.get(i).xid()).as("xid of message %d", i).isEqualTo(xid);
      if (messages.get(i) instanceof Commit commit) {
        assertThat(peeked.get(i).lsn()).isEqualTo(commit.endLsn());
      }
    }
  }

  @Test
  void enumColumnIsAnnouncedByATypeMessageBeforeItsRelation() {
    int type = indexOf(new Type(moodOid, "public", "mood"));
    int relation = firstIndex(m -> m instanceof Relation r && r.relationId() == fullOid);

    assertThat(type).isNotNegative().isLessThan(relation);
  }

  @Test
  void relationDescribesColumnsTypesModifiersAndReplicaIdentity() {
    Relation full = (Relation) messages.get(firstIndex(m -> m instanceof Relation r && r.relationId() == fullOid));
    Relation byDefault = (Relation) messages.get(firstIndex(m -> m instanceof Relation r && r.relationId() == defaultOid));

    // numeric(10,2): typmod = (10 << 16 | 2) + 4. With FULL identity every column is part of the key.
    assertThat(full).isEqualTo(new Relation(fullOid, "public", "docs_full", 'f', List.of(
        new Column(1, "id", 23, -1), new Column(1, "label", 25, -1), new Column(1, "body", 25, -1),
        new Column(1, "mood", moodOid, -1), new Column(1, "amount", 1700, (10 << 16 | 2) + 4))));
    assertThat(byDefault).isEqualTo(new Relation(defaultOid, "public", "docs_default", 'd', List.of(
        new Column(1, "id", 23, -1), new Column(0, "label", 25, -1), new Column(0, "body", 25, -1))));
  }

  @Test
  void insertCarriesEveryValueIncludingTheToastedOne() {
    assertThat(ofType(Insert.class)).containsExactly(
        new Insert(fullOid, tuple(text("1"), text("first"), text(BODY), text("happy"), text("12.50"))),
        new Insert(defaultOid, tuple(text("1"), text("first"), text(BODY))),
        new Insert(defaultOid, tuple(text("3"), text("from origin"), Null.INSTANCE)));
  }

  @Test
  void updateOfFullIdentityTableSendsTheWholeOldRowAndUnchangedToastInTheNewOne() {
    assertThat(updatesOf(fullOid)).containsExactly(
        new Update(fullOid,
            tuple(text("1"), text("first"), text(BODY), text("happy"), text("12.50")),
            tuple(text("1"), text("second"), UnchangedToast.INSTANCE, text("happy"), text("12.50"))),
        new Update(fullOid,
            tuple(text("1"), text("second"), text(BODY), text("happy"), text("12.50")),
            tuple(text("1"), Null.INSTANCE, UnchangedToast.INSTANCE, Null.INSTANCE, text("12.50"))));
  }

  @Test
  void updateOfDefaultIdentityTableSendsNoOldRowUnlessTheKeyChanges() {
    assertThat(updatesOf(defaultOid)).containsExactly(
        new Update(defaultOid, null, tuple(text("1"), text("second"), UnchangedToast.INSTANCE)),
        new Update(defaultOid, tuple(text("1"), Null.INSTANCE, Null.INSTANCE),
            tuple(text("2"), text("second"), UnchangedToast.INSTANCE)));
  }

  @Test
  void deleteSendsTheWholeOldRowWithFullIdentityAndOnlyTheKeyOtherwise() {
    assertThat(ofType(Delete.class)).containsExactly(
        new Delete(fullOid, tuple(text("1"), Null.INSTANCE, text(BODY), Null.INSTANCE, text("12.50"))),
        new Delete(defaultOid, tuple(text("2"), Null.INSTANCE, Null.INSTANCE)));
  }

  @Test
  void truncateNamesEveryTruncatedTableAndItsOptions() {
    Truncate truncate = ofType(Truncate.class).get(0);

    assertThat(ofType(Truncate.class)).hasSize(1);
    assertThat(truncate.relationIds()).containsExactly(fullOid, defaultOid);
    assertThat(truncate.restartIdentity()).isTrue();
    assertThat(truncate.cascade()).isFalse();
  }

  @Test
  void transactionReplayedFromAnOriginAnnouncesTheOriginAndItsCommit() {
    int origin = firstIndex(m -> m instanceof Origin);
    Begin begin = (Begin) messages.get(origin - 1);

    assertThat(ofType(Origin.class)).hasSize(1);
    assertThat(((Origin) messages.get(origin)).originCommitLsn()).isEqualTo(Lsn.parse("0/ABCDEF"));
    assertThat(((Origin) messages.get(origin)).name()).startsWith("capture_test_");
    // The origin's commit time replaces the local one: a known instant, to the microsecond.
    assertThat(begin.commitTime()).isEqualTo(Instant.parse("2026-11-29T15:00:00.123456Z"));
    assertThat(begin.xid()).isEqualTo(xids.get(xids.size() - 1));
  }

  @Test
  void assemblerTurnsTheMessagesIntoRowChangesInCommitOrder() {
    ChangeAssembler assembler = new ChangeAssembler();
    List<TransactionEvent> events = new ArrayList<>();
    messages.forEach(m -> assembler.accept(m).ifPresent(events::add));

    List<RowChange> changes = events.stream().filter(RowChange.class::isInstance).map(RowChange.class::cast).toList();
    assertThat(changes).extracting(c -> c.table() + " " + c.kind()).containsExactly(
        "docs_full INSERT", "docs_default INSERT", "docs_full UPDATE", "docs_default UPDATE", "docs_full UPDATE",
        "docs_default UPDATE", "docs_full DELETE", "docs_default DELETE", "docs_default INSERT");
    assertThat(changes).extracting(RowChange::index).containsOnly(0L);
    assertThat(changes).extracting(RowChange::commitLsn).isSorted().doesNotHaveDuplicates();

    RowChange correction = changes.get(2);
    assertThat(correction.oldRow().values()).containsEntry("body", BODY).containsEntry("label", "first");
    assertThat(correction.newRow().has("body")).isFalse();
    assertThat(correction.newRow().isUnchangedToast("body")).isTrue();
    assertThat(correction.newRow().values()).containsEntry("label", "second");

    RowChange toNulls = changes.get(4);
    assertThat(toNulls.newRow().values()).containsEntry("label", null).containsEntry("mood", null)
        .containsEntry("amount", "12.50");

    RowChange keyChange = changes.get(5);
    assertThat(keyChange.oldRow().values()).containsOnlyKeys("id").containsEntry("id", "1");
    assertThat(changes.get(3).oldRow()).isNull();

    TransactionEvent.Truncated truncated = events.stream().filter(TransactionEvent.Truncated.class::isInstance)
        .map(TransactionEvent.Truncated.class::cast).findFirst().orElseThrow();
    assertThat(truncated.qualifiedTables()).containsExactly("public.docs_full", "public.docs_default");

    List<TransactionEvent.Committed> commits = events.stream().filter(TransactionEvent.Committed.class::isInstance)
        .map(TransactionEvent.Committed.class::cast).toList();
    assertThat(commits).extracting(TransactionEvent.Committed::xid).containsExactlyElementsOf(xids);
    assertThat(commits).extracting(TransactionEvent.Committed::changeCount).containsOnly(1L);
  }

  private static List<Update> updatesOf(int relationId) {
    return ofType(Update.class).stream().filter(u -> u.relationId() == relationId).toList();
  }

  private static <T extends PgOutputMessage> List<T> ofType(Class<T> type) {
    return messages.stream().filter(type::isInstance).map(type::cast).toList();
  }

  private static int indexOf(PgOutputMessage message) {
    return messages.indexOf(message);
  }

  private static int firstIndex(java.util.function.Predicate<PgOutputMessage> test) {
    for (int i = 0; i < messages.size(); i++) {
      if (test.test(messages.get(i))) {
        return i;
      }
    }
    throw new AssertionError("no such message among " + messages.size());
  }

  static TupleData tuple(PgOutputMessage.Value... values) {
    return new TupleData(List.of(values));
  }

  static Text text(String text) {
    return new Text(text);
  }

  /** 10,000 characters PostgreSQL cannot compress below its TOAST threshold, the same for the same seed. */
  static String body(long seed) {
    Random random = new Random(seed);
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    StringBuilder text = new StringBuilder(10_000);
    for (int i = 0; i < 10_000; i++) {
      text.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return text.toString();
  }

  private static void writeFixture(Path file) throws IOException {
    List<String> lines = new ArrayList<>();
    lines.add("# pgoutput v1 messages peeked from PostgreSQL " + serverVersion() + " by PgOutputFromPostgresTest:");
    lines.add("# <lsn> <xid> <message as hex>, in peek order. Relation ids: docs_full " + fullOid + ", docs_default "
        + defaultOid + "; type mood " + moodOid + "; body = PgOutputFromPostgresTest.body(42).");
    for (TestSlot.Peeked p : peeked) {
      lines.add(p.lsn() + " " + p.xid() + " " + HexFormat.of().formatHex(p.data()));
    }
    Files.write(file, lines);
  }

  private static String serverVersion() {
    try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("SHOW server_version")) {
      rs.next();
      return rs.getString(1);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static int intValue(Statement st, String sql) throws SQLException {
    try (ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getInt(1);
    }
  }

  private static long longValue(Statement st, String sql) throws SQLException {
    try (ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static long longValue(PreparedStatement ps) throws SQLException {
    try (ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
