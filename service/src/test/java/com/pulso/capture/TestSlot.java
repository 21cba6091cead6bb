package com.pulso.capture;

import com.pulso.sales.Lsn;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * A {@code pgoutput} logical replication slot of a test, read with the same SQL peek the capture
 * uses. Temporary: a slot keeps its database from being dropped (as {@code FreshDatabase} does with
 * the databases of earlier runs), and a temporary slot goes with its session even if the test JVM is
 * killed. Peek it through the connection that created it.
 */
final class TestSlot implements AutoCloseable {

  private static final String PREFIX = "capture_test_";

  /** One row of {@code pg_logical_slot_peek_binary_changes}: one pgoutput message. */
  record Peeked(Lsn lsn, long xid, byte[] data) {}

  private final Connection conn;
  private final String name;
  private final String publication;

  private TestSlot(Connection conn, String name, String publication) {
    this.conn = conn;
    this.name = name;
    this.publication = publication;
  }

  static TestSlot create(Connection conn, String publication) throws SQLException {
    String name = PREFIX + UUID.randomUUID().toString().replace("-", "");
    try (PreparedStatement ps = conn.prepareStatement("SELECT pg_create_logical_replication_slot(?, 'pgoutput', true)")) {
      ps.setString(1, name);
      ps.execute();
    }
    return new TestSlot(conn, name, publication);
  }

  String name() {
    return name;
  }

  /** Every message the slot holds, oldest first, without consuming them. */
  List<Peeked> peek() throws SQLException {
    List<Peeked> rows = new ArrayList<>();
    try (PreparedStatement ps = conn.prepareStatement("SELECT lsn::text, xid::text, data"
        + " FROM pg_logical_slot_peek_binary_changes(?, NULL, NULL, 'proto_version', '1', 'publication_names', ?)")) {
      ps.setString(1, name);
      ps.setString(2, publication);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          rows.add(new Peeked(Lsn.parse(rs.getString(1)), Long.parseLong(rs.getString(2)), rs.getBytes(3)));
        }
      }
    }
    return rows;
  }

  /** The decoded messages of {@link #peek()}. */
  List<PgOutputMessage> peekDecoded() throws SQLException {
    return peek().stream().map(p -> PgOutputDecoder.decode(p.data())).toList();
  }

  @Override
  public void close() throws SQLException {
    try (PreparedStatement ps = conn.prepareStatement("SELECT pg_drop_replication_slot(?)")) {
      ps.setString(1, name);
      ps.execute();
    }
  }
}
