package com.pulso.db;

import com.pulso.db.Postgres;
import com.pulso.config.PulsoConfig;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Creates an empty database inside the test server, so a test sees a schema nobody migrated yet.
 * The test server keeps its data across runs: the databases of earlier runs are dropped first.
 */
public final class FreshDatabase {

  private static final String PREFIX = "fresh_";
  private static boolean leftoversDropped;

  private FreshDatabase() {}

  /** A copy of {@code base} pointing at a new, empty database, with dev services on or off. */
  public static PulsoConfig create(PulsoConfig base, boolean devServices) {
    return create(base, devServices, base.source());
  }

  /** The same, with other source table and column names. */
  public static PulsoConfig create(PulsoConfig base, boolean devServices, PulsoConfig.Source source) {
    String name = PREFIX + UUID.randomUUID().toString().replace("-", "");
    try (Connection conn = connect(base); Statement st = conn.createStatement()) {
      dropLeftovers(st);
      st.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create test database " + name + ": " + e.getMessage(), e);
    }
    PulsoConfig.Database db = base.database();
    PulsoConfig.DevServices ds = base.devServices();
    return base
        .withDatabase(new PulsoConfig.Database(db.host(), db.port(), name, db.user(), db.password(), db.poolSize(),
            db.sslMode(), db.sslRootCert()))
        .withSource(source)
        .withDevServices(new PulsoConfig.DevServices(devServices, ds.dataDir(), ds.emulatorsDir()));
  }

  private static synchronized void dropLeftovers(Statement st) throws SQLException {
    if (leftoversDropped) {
      return;
    }
    List<String> names = new ArrayList<>();
    try (ResultSet rs = st.executeQuery("SELECT datname FROM pg_database WHERE datname LIKE '" + PREFIX + "%'")) {
      while (rs.next()) {
        names.add(rs.getString(1));
      }
    }
    for (String name : names) {
      st.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    }
    leftoversDropped = true;
  }

  public static Connection connect(PulsoConfig config) throws SQLException {
    PulsoConfig.Database db = config.database();
    return Postgres.connect(db);
  }
}
