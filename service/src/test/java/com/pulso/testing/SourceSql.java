package com.pulso.testing;

import com.pulso.config.PulsoConfig;
import com.pulso.db.Postgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** Plain SQL on a test's database, for setting a scene and checking it: a connection per call. */
public final class SourceSql {

  private SourceSql() {}

  /** The first column of the first row, as a number (a count). */
  public static long count(PulsoConfig.Database db, String sql) {
    try (Connection c = Postgres.connect(db); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot run " + sql, e);
    }
  }

  public static void execute(PulsoConfig.Database db, String sql) {
    try (Connection c = Postgres.connect(db); Statement st = c.createStatement()) {
      st.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot run " + sql, e);
    }
  }
}
