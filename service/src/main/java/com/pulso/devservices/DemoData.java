package com.pulso.devservices;

import com.pulso.config.PulsoConfig;
import com.pulso.db.Postgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fills a dev-services database with a believable company: providers and their products, clients,
 * and weeks of sales history with a daily rhythm. Set-based SQL, deterministic for a given day,
 * and only once: a database that already has providers is left as it is. Blocking (JDBC).
 */
public final class DemoData {

  private static final Logger LOG = LoggerFactory.getLogger(DemoData.class);

  private DemoData() {}

  /** Seeds the demo data unless providers exist already. Requires the migrated schemas. */
  public static void seed(PulsoConfig config) {
    PulsoConfig.Database db = config.database();
    try (Connection conn = Postgres.connect(db)) {
      conn.setAutoCommit(false);
      try {
        boolean seeded = seed(conn, config);
        conn.commit();
        if (!seeded) {
          LOG.info("Demo data: providers exist already, nothing seeded");
        }
      } catch (SQLException | RuntimeException e) {
        conn.rollback();
        throw e;
      }
    } catch (SQLException e) {
      throw new IllegalStateException("seeding the demo data into " + Postgres.jdbcUrl(db) + " failed: " + e.getMessage(), e);
    }
  }

  private static boolean seed(Connection conn, PulsoConfig config) throws SQLException {
    DemoDataSql sql = new DemoDataSql(config.source());
    PulsoConfig.Demo demo = config.demo();
    try (Statement st = conn.createStatement()) {
      // Two members starting together must not both seed: the second waits, then sees providers.
      st.execute(DemoDataSql.LOCK);
      try (ResultSet rs = st.executeQuery(DemoDataSql.ANY_PROVIDER)) {
        rs.next();
        if (rs.getBoolean(1)) {
          return false;
        }
      }
      st.execute(DemoDataSql.SET_SEED);
    }
    long started = System.nanoTime();
    insertCatalog(conn);
    int clients;
    try (PreparedStatement ps = conn.prepareStatement(sql.insertClients)) {
      ps.setLong(1, demo.clients());
      ps.setArray(2, conn.createArrayOf("text", DemoDataCatalog.FIRST_NAMES.toArray()));
      ps.setArray(3, conn.createArrayOf("text", DemoDataCatalog.LAST_NAMES.toArray()));
      clients = ps.executeUpdate();
    }
    int sales = 0;
    if (demo.historyDays() > 0) {
      String zone = config.businessZone().getId();
      try (PreparedStatement ps = conn.prepareStatement(sql.insertHistory)) {
        ps.setLong(1, demo.clients());
        ps.setString(2, zone);
        ps.setString(3, zone);
        ps.setInt(4, demo.historyDays());
        ps.setArray(5, conn.createArrayOf("int4", DemoDataCatalog.HOURLY_WEIGHTS.toArray()));
        ps.setInt(6, DemoDataCatalog.SALES_PER_WEIGHT);
        sales = ps.executeUpdate();
      }
    }
    try (Statement st = conn.createStatement()) {
      st.execute(sql.analyze);
    }
    LOG.info("Demo data: {} providers, {} clients, {} sales over {} days seeded in {} ms",
        DemoDataCatalog.PROVIDERS.size(), clients, sales, demo.historyDays(), (System.nanoTime() - started) / 1_000_000);
    return true;
  }

  private static void insertCatalog(Connection conn) throws SQLException {
    try (PreparedStatement provider = conn.prepareStatement(DemoDataSql.INSERT_PROVIDER);
         PreparedStatement product = conn.prepareStatement(DemoDataSql.INSERT_PRODUCT)) {
      for (DemoDataCatalog.DemoProvider p : DemoDataCatalog.PROVIDERS) {
        provider.setString(1, p.name());
        int providerId;
        try (ResultSet rs = provider.executeQuery()) {
          rs.next();
          providerId = rs.getInt(1);
        }
        for (DemoDataCatalog.DemoProduct item : p.products()) {
          product.setString(1, item.code());
          product.setInt(2, providerId);
          product.setString(3, item.name());
          product.addBatch();
        }
      }
      product.executeBatch();
    }
  }
}
