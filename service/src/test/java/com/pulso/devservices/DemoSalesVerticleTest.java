package com.pulso.devservices;

import static org.assertj.core.api.Assertions.assertThat;

import com.pulso.config.PulsoConfig;
import com.pulso.db.FreshDatabase;
import com.pulso.db.Migrations;
import com.pulso.testing.TestServices;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class DemoSalesVerticleTest {

  private static PulsoConfig seeded;
  private Pool pool;

  @BeforeAll
  static void seedFreshDatabase() {
    PulsoConfig fresh = FreshDatabase.create(TestServices.config(), true);
    seeded = withDemo(fresh, 50, 500, 1);
    Migrations.migrate(seeded);
    DemoData.seed(seeded);
  }

  @BeforeEach
  void openPool(Vertx vertx) {
    PulsoConfig.Database db = seeded.database();
    pool = PgBuilder.pool().using(vertx).connectingTo(new PgConnectOptions().setHost(db.host()).setPort(db.port())
        .setDatabase(db.name()).setUser(db.user()).setPassword(db.password())).build();
  }

  @AfterEach
  void closePool() throws Exception {
    pool.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void insertsLiveSalesOfExistingClientsAndProductsAtTheConfiguredRate(Vertx vertx) throws Exception {
    long salesBefore = sales();
    DemoSalesVerticle verticle = new DemoSalesVerticle(seeded, pool);

    String id = deploy(vertx, verticle);
    sleep(vertx, 2_000);
    vertx.undeploy(id).await(10, TimeUnit.SECONDS);

    // 50 per second for 2 s is about 100; half of it leaves room for a slow start on a busy machine.
    assertThat(verticle.insertedSales()).isGreaterThanOrEqualTo(50);
    assertThat(sales() - salesBefore).isEqualTo(verticle.insertedSales() - verticle.voidedSales());
    PulsoConfig.Source s = seeded.source();
    assertThat(count("SELECT count(*) FROM " + s.salesTable() + " WHERE " + s.saleClientColumn() + " NOT IN (SELECT "
        + s.clientIdColumn() + " FROM " + s.clientsTable() + ") OR " + s.saleProductColumn()
        + " NOT IN (SELECT code FROM pulso.products) OR NOT " + s.saleAmountColumn() + " > 0")).isZero();
  }

  @Test
  void correctsAndVoidsRecentSales(Vertx vertx) throws Exception {
    long salesBefore = sales();
    DemoSalesVerticle verticle = new DemoSalesVerticle(seeded, pool, 1);

    String id = deploy(vertx, verticle);
    waitUntil(vertx, () -> verticle.correctedSales() > 0 && verticle.voidedSales() > 0);
    vertx.undeploy(id).await(10, TimeUnit.SECONDS);

    assertThat(sales() - salesBefore).isEqualTo(verticle.insertedSales() - verticle.voidedSales());
  }

  @Test
  void keepsInsertingAfterTheDatabaseRefusesABatch(Vertx vertx) throws Exception {
    PulsoConfig.Source s = seeded.source();
    DemoSalesVerticle verticle = new DemoSalesVerticle(seeded, pool);
    String id = deploy(vertx, verticle);
    waitUntil(vertx, () -> verticle.insertedSales() > 0);

    execute("ALTER TABLE " + s.salesTable() + " RENAME TO away");
    sleep(vertx, 500);
    long insertedWhileAway = verticle.insertedSales();
    execute("ALTER TABLE away RENAME TO " + s.salesTable());
    waitUntil(vertx, () -> verticle.insertedSales() > insertedWhileAway);
    vertx.undeploy(id).await(10, TimeUnit.SECONDS);
  }

  @Test
  void rateZeroInsertsNothing(Vertx vertx) throws Exception {
    long salesBefore = sales();
    DemoSalesVerticle verticle = new DemoSalesVerticle(withDemo(seeded, 0, 500, 1), pool);

    String id = deploy(vertx, verticle);
    sleep(vertx, 500);
    vertx.undeploy(id).await(10, TimeUnit.SECONDS);

    assertThat(verticle.insertedSales()).isZero();
    assertThat(sales()).isEqualTo(salesBefore);
  }

  private static PulsoConfig withDemo(PulsoConfig c, int rate, int clients, int historyDays) {
    return new PulsoConfig(c.profile(), c.http(), c.businessZone(), c.cluster(), c.database(), c.source(), c.aws(),
        c.devServices(), new PulsoConfig.Demo(true, rate, clients, historyDays));
  }

  private static String deploy(Vertx vertx, DemoSalesVerticle verticle) throws Exception {
    return vertx.deployVerticle(verticle).await(10, TimeUnit.SECONDS);
  }

  private static void sleep(Vertx vertx, long millis) throws Exception {
    Promise<Void> slept = Promise.promise();
    vertx.setTimer(millis, id -> slept.complete());
    slept.future().await(millis + 5_000, TimeUnit.MILLISECONDS);
  }

  /** Polls every 50 ms; fails after 20 s (a bound for a stuck test, not a performance claim). */
  private static void waitUntil(Vertx vertx, BooleanSupplier condition) throws Exception {
    for (int i = 0; i < 400 && !condition.getAsBoolean(); i++) {
      sleep(vertx, 50);
    }
    assertThat(condition.getAsBoolean()).as("condition reached within 20 s").isTrue();
  }

  private static long sales() throws SQLException {
    return count("SELECT count(*) FROM " + seeded.source().salesTable());
  }

  private static long count(String sql) throws SQLException {
    try (Connection conn = FreshDatabase.connect(seeded); Statement st = conn.createStatement();
         ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static void execute(String sql) throws SQLException {
    try (Connection conn = FreshDatabase.connect(seeded); Statement st = conn.createStatement()) {
      st.execute(sql);
    }
  }
}
