package com.pulso.capture;

import com.pulso.config.PulsoConfig;
import com.pulso.db.Postgres;
import com.pulso.sales.Lsn;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

/**
 * The replication slot created together with an exported snapshot, over a replication connection:
 * the rows that snapshot sees are exactly those committed before the slot's first change, so a
 * bootstrap that reads the table in the snapshot and then streams the slot counts every sale once,
 * with no gap and no overlap. The snapshot lives as long as this object: close it once the
 * bootstrap has read the table. Blocking (JDBC): worker threads only.
 */
public final class ExportedSnapshot implements AutoCloseable {

  private final Connection replication;
  private final String snapshotName;
  private final Lsn consistentPoint;

  private ExportedSnapshot(Connection replication, String snapshotName, Lsn consistentPoint) {
    this.replication = replication;
    this.snapshotName = snapshotName;
    this.consistentPoint = consistentPoint;
  }

  /** Creates slot {@code slotName} (pgoutput) and exports its snapshot. Fails if the slot exists. */
  public static ExportedSnapshot createSlot(PulsoConfig.Database db, String slotName) throws SQLException {
    Properties properties = new Properties();
    properties.setProperty("user", db.user());
    properties.setProperty("password", db.password());
    properties.setProperty("replication", "database");
    // Replication commands are not SQL: they only go through the simple query protocol.
    properties.setProperty("preferQueryMode", "simple");
    properties.setProperty("assumeMinServerVersion", "10");
    Connection connection = DriverManager.getConnection(Postgres.jdbcUrl(db), properties);
    // PostgreSQL 17+: a failover slot, which a standby with sync_replication_slots keeps a copy of, so that
    // a failover to it does not lose the slot (docs/failure-modes.md).
    String failover;
    try {
      failover = connection.getMetaData().getDatabaseMajorVersion() >= 17 ? ", FAILOVER true" : "";
    } catch (SQLException e) {
      connection.close();
      throw e;
    }
    try (Statement statement = connection.createStatement();
         ResultSet slot = statement.executeQuery(
             "CREATE_REPLICATION_SLOT \"" + slotName + "\" LOGICAL pgoutput (SNAPSHOT 'export'" + failover + ")")) {
      slot.next();
      return new ExportedSnapshot(connection, slot.getString("snapshot_name"), Lsn.parse(slot.getString("consistent_point")));
    } catch (SQLException | RuntimeException e) {
      connection.close();
      throw e;
    }
  }

  /** For {@code SET TRANSACTION SNAPSHOT} at the start of a REPEATABLE READ transaction. */
  public String snapshotName() {
    return snapshotName;
  }

  /** Where the slot starts: the first change it streams commits after this. */
  public Lsn consistentPoint() {
    return consistentPoint;
  }

  /** Ends the snapshot's life (the slot stays). */
  @Override
  public void close() throws SQLException {
    replication.close();
  }
}
