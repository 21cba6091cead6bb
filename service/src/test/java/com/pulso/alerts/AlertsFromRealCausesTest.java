package com.pulso.alerts;

import static com.pulso.testing.Await.await;
import static com.pulso.testing.Await.waitUntil;
import static org.assertj.core.api.Assertions.assertThat;

import com.pulso.config.ConfigLoader;
import com.pulso.config.PulsoConfig;
import com.pulso.config.PulsoConfig.AlertRule;
import com.pulso.db.FreshDatabase;
import com.pulso.db.Postgres;
import com.pulso.testing.PipelineMember;
import com.pulso.testing.SnsStub;
import com.pulso.testing.SourceSql;
import com.pulso.testing.TestServices;
import java.time.Clock;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalTime;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Rules fired by what they are about, through the real pipeline (PostgreSQL's slot, the capture, Kinesis
 * and DynamoDB emulators): a sale of a product nobody mapped is dead-lettered by the capture and alerted;
 * a sales feed that stops is alerted as no sales, and resolves when sales come back.
 */
class AlertsFromRealCausesTest {

  private static final Duration WAIT = Duration.ofSeconds(60);

  private static SnsStub sns;
  private static PulsoConfig config;
  private static PipelineMember member;

  @BeforeAll
  static void aMemberWithItsPipelineAndAlerts() throws Exception {
    sns = new SnsStub();
    TestServices.config();
    String unique = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    Map<String, String> env = PipelineMember.isolatedEnv(unique);
    env.put(ConfigLoader.envName("aws.endpoints.sns"), sns.endpoint());
    PulsoConfig loaded = ConfigLoader.load(TestServices.home().resolve("conf"), env);
    config = FreshDatabase.create(loaded, true).withAlerts(new PulsoConfig.Alerts(true,
        "arn:aws:sns:us-east-1:123456789012:pulso-test-alerts", "", Duration.ofHours(1), Duration.ofHours(1),
        Duration.ofMillis(250), Duration.ofHours(1),
        new PulsoConfig.BusinessHours(EnumSet.allOf(DayOfWeek.class), LocalTime.MIN, LocalTime.MAX),
        List.of(new AlertRule("deadLetters", Signal.DEAD_LETTERS, true, 0, Duration.ofSeconds(30), Duration.ZERO,
                Duration.ZERO, "warning"),
            new AlertRule("noSales", Signal.SALES_CAPTURED, false, 1, Duration.ofSeconds(6), Duration.ZERO,
                Duration.ZERO, "critical"))));
    member = PipelineMember.onFreshPipeline(config);
    member.deployPipeline(config);
    var pool = Postgres.pool(member.vertx(), config.database());
    await(member.vertx().deployVerticle(new SignalSampler(config.alerts(), member.registry(), Clock.systemUTC())));
    await(member.vertx().deployVerticle(new AlertEvaluator(config, pool, member.clients(), Clock.systemUTC())));
    waitUntil(member::captures, WAIT, "the capture running");
  }

  @AfterAll
  static void stop() throws Exception {
    member.closeAndDropPipeline(config);
    sns.close();
  }

  private static void sale(String product) {
    SourceSql.execute(config.database(), "INSERT INTO ventas (cliente_id, producto, fecha, monto) VALUES (7, '"
        + product + "', now(), 12.50)");
  }

  @Test
  void aSaleOfAnUnmappedProductIsDeadLetteredByTheCaptureAndAlerted() throws Exception {
    sale("NO-SUCH-PRODUCT");

    waitUntil(() -> !sns.about("deadLetters fired").isEmpty(), WAIT, "the dead letter's alert");
    assertThat(sns.about("deadLetters fired").get(0).message()).contains("unknown product");
  }

  @Test
  void aSalesFeedThatStopsIsAlertedAndResolvesWhenSalesComeBack() throws Exception {
    AtomicBoolean feeding = new AtomicBoolean(true);
    Thread feed = new Thread(() -> {
      while (feeding.get()) {
        sale("LAC-001");
        try {
          Thread.sleep(200);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "test-sales-feed");
    feed.start();
    try {
      // While sales flow, any no-sales alert (the quiet before the feed) resolves: judged once the capture
      // shipped the feed's sales, not before. The window (6 s) is thirty of the feed's sales: a capture
      // slowed by a busy machine does not pass for a stopped feed.
      waitUntil(() -> member.registry().find("pulso.stream.publish.changes").counters().stream()
              .mapToDouble(io.micrometer.core.instrument.Counter::count).sum() > 0
              && sns.about("noSales fired").size() == sns.about("noSales resolved").size(), WAIT,
          "no-sales quiet while sales flow");
      int firedBefore = sns.about("noSales fired").size();
      Thread.sleep(2000);
      assertThat(sns.about("noSales fired")).as("no alert while sales flow").hasSize(firedBefore);

      feeding.set(false);
      feed.join();
      waitUntil(() -> sns.about("noSales fired").size() == firedBefore + 1, WAIT, "the stopped feed, alerted");
      assertThat(sns.about("noSales fired").get(firedBefore).message()).contains("Figure: 0");

      sale("LAC-002");
      waitUntil(() -> sns.about("noSales resolved").size() == firedBefore + 1, WAIT, "resolved by the next sale");
    } finally {
      feeding.set(false);
      feed.join();
    }
  }
}
