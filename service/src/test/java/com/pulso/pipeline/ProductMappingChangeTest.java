package com.pulso.pipeline;

import static com.pulso.testing.Await.waitUntil;
import static org.assertj.core.api.Assertions.assertThat;

import com.pulso.config.ConfigLoader;
import com.pulso.config.PulsoConfig;
import com.pulso.db.FreshDatabase;
import com.pulso.db.Postgres;
import com.pulso.testing.ExactFigures;
import com.pulso.testing.PipelineMember;
import com.pulso.testing.SourceSql;
import com.pulso.testing.TestServices;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A change of the product → provider mapping that alters how sales already captured count: the
 * real-time figures are rebuilt, and equal the SQL ground truth under the new mapping, corrections
 * and voids of those sales included.
 */
class ProductMappingChangeTest {

  private static final List<Integer> PROVIDERS = List.of(1, 2, 3);
  private static final Duration SETTLE = Duration.ofSeconds(120);

  private PulsoConfig config;
  private PipelineMember member;

  @BeforeEach
  void oneMemberOnAFreshSourceStreamAndTable() throws Exception {
    TestServices.config();
    Map<String, String> env = PipelineMember.isolatedEnv(UUID.randomUUID().toString().replace("-", "").substring(0, 12));
    try (ServerSocket socket = new ServerSocket(0)) {
      env.put(ConfigLoader.envName("cluster.port"), String.valueOf(socket.getLocalPort()));
    }
    // A rebuild waits out one DynamoDB call of the consumers: keep that short here.
    env.put(ConfigLoader.envName("aws.http.apiCallTimeoutMillis"), "3000");
    config = FreshDatabase.create(ConfigLoader.load(TestServices.home().resolve("conf"), env), true);
    member = PipelineMember.onFreshPipeline(config);
    member.deployPipeline(config);
  }

  @AfterEach
  void leaveAndDropSlotAndStream() throws Exception {
    member.closeAndDropPipeline(config);
  }

  @Test
  void salesDeadLetteredForAProductMappedLaterCountOnceItIsAndTheirCorrectionsToo() throws Exception {
    List<LocalDate> days = List.of(LocalDate.now(config.businessZone()));
    waitUntil(() -> bootstrappedAt() != null, SETTLE, "the capture bootstrapped");
    Timestamp firstBootstrap = bootstrappedAt();
    execute("INSERT INTO ventas (cliente_id, producto, fecha, monto) SELECT 1 + g % 5, 'LAC-001', now(), 10.00 + g"
        + " FROM generate_series(1, 20) g");
    execute("INSERT INTO ventas (cliente_id, producto, fecha, monto) SELECT 1 + g % 5, 'NEW-001', now(), 100.00 + g"
        + " FROM generate_series(1, 6) g");
    waitUntil(() -> count("SELECT count(*) FROM pulso.dead_letters WHERE reason LIKE 'unknown product%'") == 6,
        SETTLE, "the sales of the unmapped product dead-lettered");
    ExactFigures.awaitGroundTruth(config, member.clients(), PROVIDERS, days, SETTLE);

    execute("INSERT INTO pulso.products (code, provider_id, name) VALUES ('NEW-001', 2, 'Nuevo')");
    execute("UPDATE ventas SET monto = monto + 0.50 WHERE producto = 'NEW-001' AND id % 2 = 0");
    execute("DELETE FROM ventas WHERE producto = 'NEW-001' AND id = (SELECT max(id) FROM ventas)");
    execute("INSERT INTO ventas (cliente_id, producto, fecha, monto) VALUES (3, 'NEW-001', now(), 7.25)");

    // The ground truth joins the mapping as it is now: the six (five left, one corrected) count for provider 2.
    ExactFigures.awaitGroundTruth(config, member.clients(), PROVIDERS, days, SETTLE);
    Timestamp rebuilt = bootstrappedAt();
    assertThat(rebuilt).as("the figures were rebuilt").isAfter(firstBootstrap);
    // The six inserts, and whatever changed them before the capture saw the mapping, now count.
    assertThat(count("SELECT count(*) FROM pulso.dead_letters WHERE resolved_at IS NOT NULL")).isGreaterThanOrEqualTo(6);
    assertThat(count("SELECT count(*) FROM pulso.dead_letters WHERE resolved_at IS NULL")).as("letters left").isZero();

    // A restart finds nothing left to recount.
    member.undeploy();
    member.deployPipeline(config);
    execute("INSERT INTO ventas (cliente_id, producto, fecha, monto) VALUES (4, 'NEW-001', now(), 1.10)");
    ExactFigures.awaitGroundTruth(config, member.clients(), PROVIDERS, days, SETTLE);
    assertThat(bootstrappedAt()).as("no rebuild at the restart").isEqualTo(rebuilt);

    // A product moved to another provider takes its sales, corrected ones included, along.
    execute("UPDATE pulso.products SET provider_id = 3 WHERE code = 'LAC-001'");
    execute("UPDATE ventas SET monto = monto + 1.00 WHERE producto = 'LAC-001' AND id % 3 = 0");
    ExactFigures.awaitGroundTruth(config, member.clients(), PROVIDERS, days, SETTLE);
    assertThat(bootstrappedAt()).as("rebuilt again").isAfter(rebuilt);
  }

  private Timestamp bootstrappedAt() {
    try (Connection c = Postgres.connect(config.database()); Statement st = c.createStatement();
         ResultSet rs = st.executeQuery("SELECT bootstrapped_at FROM pulso.capture_state WHERE slot_name = '"
             + config.capture().slotName() + "'")) {
      return rs.next() ? rs.getTimestamp(1) : null;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private long count(String sql) {
    return SourceSql.count(config.database(), sql);
  }

  private void execute(String sql) {
    SourceSql.execute(config.database(), sql);
  }
}
