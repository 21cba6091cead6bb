package com.pulso.pipeline;

import static com.pulso.testing.Await.waitUntil;
import static org.assertj.core.api.Assertions.assertThat;

import com.pulso.config.ConfigLoader;
import com.pulso.config.PulsoConfig;
import com.pulso.db.FreshDatabase;
import com.pulso.db.Postgres;
import com.pulso.testing.ExactFigures;
import com.pulso.testing.PipelineMember;
import com.pulso.testing.SalesWorkload;
import com.pulso.testing.SourceSql;
import com.pulso.testing.TestServices;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Bad input at the source, through the real pipeline: a row for every combination of the sales
 * table's columns being right or wrong in each way the source's types allow (client missing; product
 * missing or unknown; sale time infinite; amount missing, negative or NaN), a sale whose product is
 * changed inside the transaction that made it, and a client deleted while its sales are corrected.
 * Every row that cannot count is dead-lettered once, with its reason; the rest count exactly.
 */
class BadSourceRowsTest {

  private static final List<Integer> PROVIDERS = List.of(1, 2, 3);
  private static final Duration SETTLE = Duration.ofSeconds(120);
  private static final List<String> CLIENTS = List.of("4242", "NULL");
  private static final List<String> PRODUCTS = List.of("'LAC-001'", "NULL", "'NOPE-9'");
  private static final List<String> TIMES = List.of("now()", "'infinity'", "'-infinity'");
  private static final List<String> AMOUNTS = List.of("10.25", "NULL", "-3.00", "'NaN'");

  private static PulsoConfig config;
  private static PipelineMember member;

  @BeforeAll
  static void aMemberWithItsPipeline() throws Exception {
    TestServices.config();
    String unique = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    Map<String, String> env = PipelineMember.isolatedEnv(unique);
    config = FreshDatabase.create(ConfigLoader.load(TestServices.home().resolve("conf"), env), true);
    member = PipelineMember.onFreshPipeline(config);
    member.deployPipeline(config);
    waitUntil(member::captures, SETTLE, "the capture running");
  }

  @AfterAll
  static void stop() throws Exception {
    member.closeAndDropPipeline(config);
  }

  @Test
  void rowsThatCannotCountAreDeadLetteredOnceAndTheRestCountExactly() throws Exception {
    List<String> rows = new ArrayList<>();
    for (String client : CLIENTS) {
      for (String product : PRODUCTS) {
        for (String time : TIMES) {
          for (String amount : AMOUNTS) {
            rows.add("(" + client + ", " + product + ", " + time + ", " + amount + ")");
          }
        }
      }
    }
    // All in one transaction, as a bulk load of a day's sales with bad rows among them.
    SourceSql.execute(config.database(), "INSERT INTO ventas (cliente_id, producto, fecha, monto) VALUES "
        + String.join(", ", rows));
    int uncountable = rows.size() - 1;

    try (Connection c = Postgres.connect(config.database()); Statement st = c.createStatement()) {
      // A sale whose product is changed by the transaction that made it: it counts once, for the new product.
      c.setAutoCommit(false);
      long id = id(st, "INSERT INTO ventas (cliente_id, producto, fecha, monto) VALUES (4243, 'LAC-001', now(), 5.00)"
          + " RETURNING id");
      st.execute("UPDATE ventas SET producto = 'CAF-001' WHERE id = " + id);
      st.execute("UPDATE ventas SET producto = 'ASE-002', monto = 6.00 WHERE id = " + id);
      c.commit();
      c.setAutoCommit(true);
      // A client with sales, deleted while those sales are being corrected (no foreign key at the source).
      st.execute("INSERT INTO clientes (id, nombre, apellido) VALUES (4244, 'Ana', 'Borrada')");
      for (int i = 0; i < 3; i++) {
        st.execute("INSERT INTO ventas (cliente_id, producto, fecha, monto) VALUES (4244, 'CAF-002', now(), 7.00)");
      }
    }
    Thread corrector = new Thread(() -> {
      for (int i = 0; i < 30; i++) {
        SourceSql.execute(config.database(), "UPDATE ventas SET monto = monto + 0.01 WHERE cliente_id = 4244");
      }
    }, "corrector");
    corrector.start();
    Thread.sleep(20);
    SourceSql.execute(config.database(), "DELETE FROM clientes WHERE id = 4244");
    corrector.join();

    LocalDate yesterday = LocalDate.now(config.businessZone()).minusDays(1);
    ExactFigures.awaitGroundTruth(config, member.clients(), PROVIDERS, SalesWorkload.days(yesterday), SETTLE);
    waitUntil(() -> SourceSql.count(config.database(), "SELECT count(*) FROM pulso.dead_letters") >= uncountable,
        SETTLE, "the uncountable rows dead-lettered");
    Thread.sleep(1_000);
    assertThat(SourceSql.count(config.database(), "SELECT count(*) FROM pulso.dead_letters"))
        .as("one dead letter per row that cannot count").isEqualTo(uncountable);
    for (String reason : List.of("null client", "unknown product (null)", "unknown product 'NOPE-9'",
        "malformed sale time", "null amount", "negative amount", "malformed amount")) {
      assertThat(SourceSql.count(config.database(), "SELECT count(*) FROM pulso.dead_letters WHERE reason LIKE '"
          + reason.replace("'", "''") + "%'")).as("dead letters for %s", reason).isPositive();
    }
    assertThat(SourceSql.count(config.database(), "SELECT count(*) FROM ventas WHERE cliente_id = 4243"
        + " AND producto = 'ASE-002'")).isEqualTo(1);
  }

  private static long id(Statement st, String insert) throws Exception {
    try (ResultSet rs = st.executeQuery(insert)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
