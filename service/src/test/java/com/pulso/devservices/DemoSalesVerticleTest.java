package com.pulso.devservices;

import static org.assertj.core.api.Assertions.assertThat;

import com.pulso.config.PulsoConfig;
import com.pulso.db.FreshDatabase;
import com.pulso.db.Migrations;
import com.pulso.testing.Await;
import com.pulso.testing.TestServices;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
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
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class DemoSalesVerticleTest {

  /** A bound for a stuck test, not a performance claim. */
  private static final Duration WAIT = Duration.ofSeconds(60);

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
  void insertsLiveSalesOfExistingClientsAndProducts(Vertx vertx) throws Exception {
    long salesBefore = sales();
    DemoSalesVerticle verticle = new DemoSalesVerticle(seeded, pool, new SimpleMeterRegistry());

    String id = deploy(vertx, verticle);
    // Many batches (2 s worth at 50 per second), however long a loaded machine takes for them.
    Await.waitUntil(() -> verticle.insertedSales() >= 100, WAIT, "100 demo sales inserted");
    vertx.undeploy(id).await(10, TimeUnit.SECONDS);

    assertThat(sales() - salesBefore).isEqualTo(verticle.insertedSales() - verticle.voidedSales());
    PulsoConfig.Source s = seeded.source();
    assertThat(count("SELECT count(*) FROM " + s.salesTable() + " WHERE " + s.saleClientColumn() + " NOT IN (SELECT "
        + s.clientIdColumn() + " FROM " + s.clientsTable() + ") OR " + s.saleProductColumn()
        + " NOT IN (SELECT code FROM pulso.products) OR NOT " + s.saleAmountColumn() + " > 0")).isZero();
  }

  @Test
  void correctsAndVoidsRecentSales(Vertx vertx) throws Exception {
    long salesBefore = sales();
    DemoSalesVerticle verticle = new DemoSalesVerticle(seeded, pool, new SimpleMeterRegistry(), 1);

    String id = deploy(vertx, verticle);
    Await.waitUntil(() -> verticle.correctedSales() > 0 && verticle.voidedSales() > 0, WAIT,
        "a sale corrected and one voided");
    vertx.undeploy(id).await(10, TimeUnit.SECONDS);

    assertThat(sales() - salesBefore).isEqualTo(verticle.insertedSales() - verticle.voidedSales());
  }

  @Test
  void keepsInsertingAfterTheDatabaseRefusesABatch(Vertx vertx) throws Exception {
    PulsoConfig.Source s = seeded.source();
    DemoSalesVerticle verticle = new DemoSalesVerticle(seeded, pool, new SimpleMeterRegistry());
    String id = deploy(vertx, verticle);
    Await.waitUntil(() -> verticle.insertedSales() > 0, WAIT, "a demo sale inserted");

    execute("ALTER TABLE " + s.salesTable() + " RENAME TO away");
    sleep(vertx, 500);
    long insertedWhileAway = verticle.insertedSales();
    execute("ALTER TABLE away RENAME TO " + s.salesTable());
    Await.waitUntil(() -> verticle.insertedSales() > insertedWhileAway, WAIT,
        "demo sales inserted again once the table is back");
    vertx.undeploy(id).await(10, TimeUnit.SECONDS);
  }

  @Test
  void rateZeroInsertsNothing(Vertx vertx) throws Exception {
    long salesBefore = sales();
    DemoSalesVerticle verticle = new DemoSalesVerticle(withDemo(seeded, 0, 500, 1), pool, new SimpleMeterRegistry());

    String id = deploy(vertx, verticle);
    sleep(vertx, 500);
    vertx.undeploy(id).await(10, TimeUnit.SECONDS);

    assertThat(verticle.insertedSales()).isZero();
    assertThat(sales()).isEqualTo(salesBefore);
  }

  private static PulsoConfig withDemo(PulsoConfig c, int rate, int clients, int historyDays) {
    return c.withDemo(new PulsoConfig.Demo(true, rate, clients, historyDays));
  }

  private static String deploy(Vertx vertx, DemoSalesVerticle verticle) throws Exception {
    return vertx.deployVerticle(verticle).await(10, TimeUnit.SECONDS);
  }

  private static void sleep(Vertx vertx, long millis) throws Exception {
    Promise<Void> slept = Promise.promise();
    vertx.setTimer(millis, id -> slept.complete());
    slept.future().await(millis + 5_000, TimeUnit.MILLISECONDS);
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
