package com.pulso.alerts;

import static com.pulso.testing.Await.await;
import static com.pulso.testing.Await.waitUntil;
import static org.assertj.core.api.Assertions.assertThat;

import com.pulso.aws.AwsClients;
import com.pulso.config.PulsoConfig;
import com.pulso.config.PulsoConfig.AlertRule;
import com.pulso.db.FreshDatabase;
import com.pulso.db.Migrations;
import com.pulso.db.Postgres;
import com.pulso.observability.Metrics;
import com.pulso.testing.SnsStub;
import com.pulso.testing.SnsStub.Published;
import com.pulso.testing.TestServices;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.net.URI;
import java.time.Clock;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalTime;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The alerts end to end on one member: its sampler, the evaluator, the notifier, PostgreSQL and an SNS
 * endpoint speaking SNS's protocol. Rules fire from real causes (a dead letter filed, a consumer's lag
 * gauge), escalate, remind and resolve; an SNS outage delays a notification but never drops it; an
 * evaluator taking over neither re-sends nor forgets; two evaluators at once still notify once.
 */
class AlertsTest {

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String ALERTS_TOPIC = "arn:aws:sns:us-east-1:123456789012:pulso-test-alerts";
  private static final String ESCALATION_TOPIC = "arn:aws:sns:us-east-1:123456789012:pulso-test-escalation";

  private static SnsStub sns;
  private static PulsoConfig config;
  private static Vertx vertx;
  private static Pool pool;
  private static AwsClients aws;
  private static Metrics metrics;
  private static final AtomicLong lagMillis = new AtomicLong();
  private String sampler;
  private final java.util.List<String> evaluators = new java.util.ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    sns = new SnsStub();
    PulsoConfig base = FreshDatabase.create(TestServices.config(), false);
    PulsoConfig.Aws a = base.aws();
    config = base.withAws(new PulsoConfig.Aws(a.region(), a.manageResources(), a.kinesisEndpoint(), a.dynamoDbEndpoint(),
            a.s3Endpoint(), a.glueEndpoint(), URI.create(sns.endpoint()), a.cloudWatchEndpoint(), a.kinesisStream(), a.kinesisShards(),
            a.dynamoDbTable(), a.s3Bucket(), a.s3KmsKeyId(), a.http()))
        .withAlerts(new PulsoConfig.Alerts(true, ALERTS_TOPIC, ESCALATION_TOPIC, Duration.ofSeconds(4),
            Duration.ofSeconds(3), Duration.ofMillis(250), Duration.ofHours(1),
            new PulsoConfig.BusinessHours(EnumSet.allOf(DayOfWeek.class), LocalTime.MIN, LocalTime.MAX),
            List.of(
                new AlertRule("deadLetters", Signal.DEAD_LETTERS, true, 0, Duration.ofSeconds(2), Duration.ZERO,
                    Duration.ZERO, "warning"),
                new AlertRule("consumerLag", Signal.CONSUMER_LAG, true, 60, Duration.ZERO, Duration.ofSeconds(1),
                    Duration.ofSeconds(1), "critical"))));
    Migrations.migrate(config);
    vertx = Vertx.vertx();
    pool = Postgres.pool(vertx, config.database());
    metrics = new Metrics();
    aws = new AwsClients(vertx, config, metrics.registry());
    io.micrometer.core.instrument.Gauge.builder("pulso.stream.consume.lag", lagMillis, AtomicLong::get)
        .tags("stream", "s", "shard", "shardId-000000000001").register(metrics.registry());
  }

  @AfterAll
  static void stop() throws Exception {
    aws.close();
    await(pool.close());
    await(vertx.close());
    sns.close();
  }

  @BeforeEach
  void deploy() throws Exception {
    await(pool.query("TRUNCATE pulso.alert_state, pulso.alert_events, pulso.dead_letters").execute());
    lagMillis.set(0);
    sns.clear();
    sampler = await(vertx.deployVerticle(new SignalSampler(config.alerts(), metrics.registry(), Clock.systemUTC())));
  }

  @AfterEach
  void undeploy() throws Exception {
    await(vertx.undeploy(sampler));
    for (String evaluator : evaluators) {
      await(vertx.undeploy(evaluator));
    }
    evaluators.clear();
  }

  private String evaluator() throws Exception {
    String id = await(vertx.deployVerticle(new AlertEvaluator(config, pool, aws, Clock.systemUTC())));
    evaluators.add(id);
    return id;
  }

  private static void fileDeadLetter(String product) throws Exception {
    await(pool.preparedQuery("INSERT INTO pulso.dead_letters (source_position, source_lsn, reason, payload)"
            + " VALUES ($1, '0/1', $2, $3)")
        .execute(io.vertx.sqlclient.Tuple.of(java.util.UUID.randomUUID().toString(), "unknown product " + product,
            new JsonObject().put("producto", product))));
  }

  private static List<Published> about(String rule, String event) {
    return sns.about(rule + " " + event);
  }

  @Test
  void aDeadLetterFiresWithinTheWindowAndResolvesOnItsOwnOnce() throws Exception {
    evaluator();
    fileDeadLetter("ZZZ-999");

    waitUntil(() -> about("deadLetters", "fired").size() == 1, WAIT, "the dead letter's alert");
    Published fired = about("deadLetters", "fired").get(0);
    assertThat(fired.topicArn()).isEqualTo(ALERTS_TOPIC);
    assertThat(fired.attributes()).containsEntry("severity", "warning").containsEntry("rule", "deadLetters")
        .containsEntry("event", "fired");
    assertThat(fired.subject()).startsWith("[Pulso ").contains("WARNING] deadLetters fired: deadLetters 1, above 0");
    assertThat(fired.message()).contains("What: deadLetters above 0 over 2 s").contains("Figure: 1")
        .contains("\"newestReason\":\"unknown product ZZZ-999\"").contains("Runbook: A sale was not counted");

    // Nothing new for the window: it resolves, once.
    waitUntil(() -> about("deadLetters", "resolved").size() == 1, WAIT, "the dead letter's alert resolved");
    Thread.sleep(1000);
    assertThat(sns.about("deadLetters")).hasSize(2);
    JsonObject listed = await(new AlertStore(pool).list(Duration.ofHours(1)));
    assertThat(listed.getJsonArray("active")).isEmpty();
    assertThat(listed.getJsonArray("events").stream().map(e -> ((JsonObject) e).getString("kind")))
        .containsExactly("resolved", "fired");
  }

  @Test
  void aLagThatLastsIsEscalatedRemindedAndResolvedOnBothTopics() throws Exception {
    evaluator();
    lagMillis.set(90_000);

    waitUntil(() -> about("consumerLag", "fired").size() == 1, WAIT, "the lag's alert");
    assertThat(about("consumerLag", "fired").get(0).message()).contains("Figure: 90 s")
        .contains("\"shard\":\"shardId-000000000001\"");
    JsonObject active = await(new AlertStore(pool).list(Duration.ofHours(1))).getJsonArray("active").getJsonObject(0);
    assertThat(active.getString("rule")).isEqualTo("consumerLag");
    assertThat(active.getString("status")).isEqualTo("firing");
    waitUntil(() -> about("consumerLag", "escalated").size() == 1, WAIT, "the escalation");
    assertThat(about("consumerLag", "escalated").get(0).topicArn()).isEqualTo(ESCALATION_TOPIC);
    waitUntil(() -> about("consumerLag", "reminded").size() == 2, WAIT, "the reminder, to both topics");
    assertThat(about("consumerLag", "reminded").stream().map(Published::topicArn))
        .containsExactlyInAnyOrder(ALERTS_TOPIC, ESCALATION_TOPIC);

    lagMillis.set(0);
    waitUntil(() -> about("consumerLag", "resolved").size() == 2, WAIT, "the resolution, to both topics");
    assertThat(about("consumerLag", "fired")).hasSize(1);
    assertThat(about("consumerLag", "escalated")).hasSize(1);
  }

  @Test
  void anSnsOutageDelaysANotificationButNeverDropsIt() throws Exception {
    // More failures than the SDK's own attempts of one call (aws.http.maxRetries 3: four): the notifier's
    // backoff takes over, and tries again until SNS takes it.
    sns.failNext(10, false);
    evaluator();
    fileDeadLetter("AAA-1");

    waitUntil(() -> about("deadLetters", "fired").size() == 1, WAIT, "the alert once SNS is back");
    assertThat(sns.refused()).isEqualTo(10);
    JsonObject event = await(new AlertStore(pool).list(Duration.ofHours(1))).getJsonArray("events").stream()
        .map(JsonObject.class::cast).filter(e -> "fired".equals(e.getString("kind"))).findFirst().orElseThrow();
    assertThat(event.getString("deliveredAt")).isNotNull();
    assertThat(event.getInteger("attempts")).isEqualTo(3);
    assertThat(event.getString("lastError")).isNull();
    assertThat(about("deadLetters", "fired")).hasSize(1);
  }

  @Test
  void anEvaluatorTakingOverNeitherResendsAFiringAlertNorForgetsIt() throws Exception {
    String first = evaluator();
    lagMillis.set(90_000);
    waitUntil(() -> about("consumerLag", "fired").size() == 1, WAIT, "the lag's alert");
    await(vertx.undeploy(first));
    evaluators.remove(first);

    evaluator();
    Thread.sleep(2000);
    assertThat(about("consumerLag", "fired")).as("no second notification of the same incident").hasSize(1);
    lagMillis.set(0);
    waitUntil(() -> !about("consumerLag", "resolved").isEmpty(), WAIT, "the resolution by the new evaluator");
    Thread.sleep(1000);
    assertThat(about("consumerLag", "resolved")).hasSize(about("consumerLag", "escalated").isEmpty() ? 1 : 2);
  }

  @Test
  void twoEvaluatorsAtOnceNotifyEachTransitionOnce() throws Exception {
    evaluator();
    evaluator();
    fileDeadLetter("BBB-2");

    waitUntil(() -> about("deadLetters", "resolved").size() == 1, WAIT, "the alert and its resolution");
    Thread.sleep(1000);
    assertThat(about("deadLetters", "fired")).hasSize(1);
    assertThat(about("deadLetters", "resolved")).hasSize(1);
  }
}
