package com.pulso.pipeline;

import static com.pulso.testing.Await.await;
import static com.pulso.testing.Await.waitUntil;
import static org.assertj.core.api.Assertions.assertThat;

import com.pulso.alerts.AlertEvaluator;
import com.pulso.alerts.Signal;
import com.pulso.alerts.SignalSampler;
import com.pulso.api.ApiKeys;
import com.pulso.api.ApiVerticle;
import com.pulso.aws.AwsClients;
import com.pulso.aws.AwsResources;
import com.pulso.config.ConfigLoader;
import com.pulso.config.PulsoConfig;
import com.pulso.config.PulsoConfig.AlertRule;
import com.pulso.db.FreshDatabase;
import com.pulso.db.Migrations;
import com.pulso.db.Postgres;
import com.pulso.observability.Readiness;
import com.pulso.stream.TestStreams;
import com.pulso.testing.AwsFaultProxy;
import com.pulso.testing.AwsFaultProxy.Faults;
import com.pulso.testing.ExactFigures;
import com.pulso.testing.PipelineMember;
import com.pulso.testing.SalesFeed;
import com.pulso.testing.SalesWorkload;
import com.pulso.testing.SnsStub;
import com.pulso.testing.TestServices;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.sqlclient.Pool;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalTime;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The pipeline on one member with AWS throttling and slow, through a proxy in front of each emulator
 * ({@link AwsFaultProxy}): some Kinesis PutRecords and GetRecords and DynamoDB UpdateItem calls
 * answered as AWS answers when it throttles, some records inside PutRecords answers failed, and
 * latency spikes of two seconds. No change is lost or counted twice, the SDK's backoff shows in
 * the metrics, and once the faults stop the figures are fresh again. And a slow DynamoDB makes the
 * API's answers slow (apiLatency fires, and resolves once it is fast again); a DynamoDB refusing every
 * read makes them 503 (apiErrors fires, and resolves).
 */
class ThrottlingTest {

  private static final Duration SETTLE = Duration.ofSeconds(180);
  private static final List<Integer> PROVIDERS = List.of(1, 2, 3);
  private static final Duration SPIKE = Duration.ofSeconds(2);

  private static AwsFaultProxy kinesis;
  private static AwsFaultProxy dynamoDb;
  /** The pipeline's configuration: AWS through the proxies. */
  private static PulsoConfig config;
  /** The test's own view, straight to the emulators: setup and the final reading. */
  private static PulsoConfig direct;
  private static PipelineMember member;
  private static AwsClients directClients;
  private static Map<String, String> env;

  @BeforeAll
  static void aMemberBehindTheFaultProxies() throws Exception {
    TestServices.config();
    String unique = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    env = PipelineMember.isolatedEnv(unique);
    direct = FreshDatabase.create(ConfigLoader.load(TestServices.home().resolve("conf"), env), true);
    kinesis = AwsFaultProxy.start(direct.aws().kinesisEndpoint());
    dynamoDb = AwsFaultProxy.start(direct.aws().dynamoDbEndpoint());
    env.put(ConfigLoader.envName("aws.endpoints.kinesis"), kinesis.endpoint().toString());
    env.put(ConfigLoader.envName("aws.endpoints.dynamodb"), dynamoDb.endpoint().toString());
    config = ConfigLoader.load(TestServices.home().resolve("conf"), env).withDatabase(direct.database());
    Migrations.migrate(config);
    SalesWorkload.createProviders(config);
    member = PipelineMember.join(config);
    directClients = new AwsClients(member.vertx(), direct, new SimpleMeterRegistry());
    TestStreams.create(directClients, direct.aws().kinesisStream(), 2);
    await(new AwsResources(member.vertx(), directClients, direct).createTableIfMissing());
    member.deployPipeline(config);
    waitUntil(member::captures, SETTLE, "the capture runs");
  }

  @AfterAll
  static void stop() throws Exception {
    member.undeploy();
    TestStreams.delete(directClients, direct.aws().kinesisStream());
    directClients.close();
    member.close();
    kinesis.close();
    dynamoDb.close();
    try (Connection c = Postgres.connect(config.database()); Statement st = c.createStatement()) {
      st.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '"
          + config.capture().slotName() + "'");
    }
  }

  @Test
  void throttledAndSlowAwsLosesAndDoublesNoSaleAndTheFiguresAreFreshOnceItStops() throws Exception {
    LocalDate firstDay = LocalDate.now(config.businessZone()).minusDays(1);
    // Kinesis: a third of the calls throttled, a record in three failed inside PutRecords answers, a call
    // in four two seconds late; DynamoDB: an UpdateItem in five throttled, one in fifty late.
    kinesis.inject("PutRecords", new Faults(3, 3, 4, SPIKE));
    kinesis.inject("GetRecords", new Faults(3, 0, 4, SPIKE));
    dynamoDb.inject("UpdateItem", new Faults(5, 0, 50, SPIKE));

    SalesWorkload.run(config, firstDay, 6_000, 3, 20261205L);
    ExactFigures.awaitGroundTruth(direct, directClients, PROVIDERS, SalesWorkload.days(firstDay), SETTLE);
    Histogram duringFaults = freshness();

    Map<String, Long> injected = kinesis.injected();
    injected.putAll(dynamoDb.injected());
    System.out.printf("Faults injected: %s%n", injected);
    assertThat(injected).as("faults of every kind injected").containsKeys("PutRecords/throttled",
        "PutRecords/recordsFailed", "PutRecords/delayed", "GetRecords/throttled", "GetRecords/delayed",
        "UpdateItem/throttled", "UpdateItem/delayed");
    // The SDK's backoff, as the metrics show it: throttled attempts retried.
    for (String[] call : new String[][] {{"Kinesis", "PutRecords"}, {"Kinesis", "GetRecords"},
        {"DynamoDB", "UpdateItem"}}) {
      assertThat(count("pulso.aws.attempt.errors", call[0], call[1], "Throttling")).as("throttled %s", call[1])
          .isPositive();
      assertThat(count("pulso.aws.retries", call[0], call[1], null)).as("retries of %s", call[1]).isPositive();
    }
    assertThat(member.registry().find("pulso.stream.publish.entries.retried").counters().stream()
        .mapToDouble(Counter::count).sum()).as("records failed inside PutRecords answers, put again").isPositive();

    kinesis.heal();
    dynamoDb.heal();
    // Fresh again: once the consumers are through what is left (the records Kinesis failed were sent
    // again: read twice, applied once), sales are applied within the freshness alert's 2 s.
    waitUntil(() -> member.registry().find("pulso.stream.consume.lag").gauges().stream()
        .allMatch(lag -> lag.value() < 2_000), SETTLE, "the consumers at the tip");
    Histogram healed = freshness();
    SalesFeed.whileSelling(config, () -> freshness().minus(healed).count() >= 25, SETTLE, "sales applied after");
    Histogram after = freshness().minus(healed);
    System.out.printf("Freshness p99 under faults %s (%d changes), after them %s (%d changes)%n",
        seconds(duringFaults.p99()), duringFaults.count(), seconds(after.p99()), after.count());
    assertThat(after.p99()).as("p99 of commit → applied once the faults stopped, s").isLessThan(2.0);
  }

  @Test
  void aSlowThenFailingDynamoDbIsSeenInTheApiAndAlertedUntilItIsWellAgain() throws Exception {
    SnsStub sns = new SnsStub();
    Map<String, String> api = new HashMap<>(env);
    api.put(ConfigLoader.envName("aws.endpoints.sns"), sns.endpoint());
    api.put(ConfigLoader.envName("http.port"), String.valueOf(freePort()));
    api.put(ConfigLoader.envName("http.managementPort"), String.valueOf(freePort()));
    api.put(ConfigLoader.envName("api.rateLimitPerMinute"), "100000");
    PulsoConfig.Alerts alerts = new PulsoConfig.Alerts(true, "arn:aws:sns:us-east-1:123456789012:pulso-test-alerts", "",
        Duration.ofHours(1), Duration.ofHours(1), Duration.ofMillis(250), Duration.ofHours(1),
        new PulsoConfig.BusinessHours(EnumSet.allOf(DayOfWeek.class), LocalTime.MIN, LocalTime.MAX),
        List.of(new AlertRule("apiLatency", Signal.API_P99, true, 0.25, Duration.ofSeconds(10), Duration.ZERO,
                Duration.ofSeconds(5), "warning"),
            new AlertRule("apiErrors", Signal.API_ERROR_RATIO, true, 0.01, Duration.ofSeconds(10), Duration.ZERO,
                Duration.ofSeconds(5), "critical")));
    PulsoConfig served = ConfigLoader.load(TestServices.home().resolve("conf"), api).withDatabase(direct.database())
        .withAlerts(alerts);
    Pool pool = Postgres.pool(member.vertx(), config.database());
    ApiKeys keys = new ApiKeys(pool);
    String key = "throttling-test-provider-one-key-0123456789";
    await(keys.ensure(key, 1));
    AwsClients snsClients = new AwsClients(member.vertx(), served, new SimpleMeterRegistry());
    List<String> deployed = List.of(
        await(member.vertx().deployVerticle(new ApiVerticle(served, pool, member.clients(), keys, new Readiness(),
            member.registry()))),
        await(member.vertx().deployVerticle(new SignalSampler(alerts, member.registry(), Clock.systemUTC()))),
        await(member.vertx().deployVerticle(new AlertEvaluator(served, pool, snsClients, Clock.systemUTC()))));
    HttpClient http = HttpClient.newHttpClient();
    URI today = URI.create("http://127.0.0.1:" + served.http().port() + "/v1/providers/1/daily-sales?date="
        + LocalDate.now(config.businessZone()));
    AtomicBoolean asking = new AtomicBoolean(true);
    // A provider's dashboard asking for today's figures while sales change them (each change makes the
    // cached page stale: the next answer reads DynamoDB).
    Thread dashboard = new Thread(() -> {
      while (asking.get()) {
        try {
          http.send(HttpRequest.newBuilder(today).header("X-API-Key", key).build(),
              HttpResponse.BodyHandlers.discarding());
          Thread.sleep(20);
        } catch (Exception e) {
          return;
        }
      }
    }, "test-dashboard");
    dashboard.start();
    try {
      dynamoDb.inject("Query", new Faults(0, 0, 1, Duration.ofMillis(400)));
      dynamoDb.inject("GetItem", new Faults(0, 0, 1, Duration.ofMillis(400)));
      SalesFeed.whileSelling(config, () -> sns.about("apiLatency fired").size() == 1, SETTLE,
          "slow answers alerted");
      assertThat(sns.about("apiLatency fired").get(0).message())
          .containsPattern("Figure: 0\\.[4-9][0-9]* s|Figure: [1-9]");
      dynamoDb.heal();
      SalesFeed.whileSelling(config, () -> sns.about("apiLatency resolved").size() == 1, SETTLE,
          "resolved once DynamoDB is fast again");
      assertThat(sns.about("apiErrors")).as("slow is not failing").isEmpty();

      // Every read throttled past the SDK's retries: what is not cached fresh is answered 503.
      dynamoDb.inject("Query", new Faults(1, 0, 0, Duration.ZERO));
      dynamoDb.inject("GetItem", new Faults(1, 0, 0, Duration.ZERO));
      SalesFeed.whileSelling(config, () -> sns.about("apiErrors fired").size() == 1, SETTLE, "the 503s alerted");
      assertThat(sns.about("apiErrors fired").get(0).message()).contains("\"errors\":");
      dynamoDb.heal();
      SalesFeed.whileSelling(config, () -> sns.about("apiErrors resolved").size() == 1, SETTLE,
          "resolved once DynamoDB answers again");
    } finally {
      asking.set(false);
      dashboard.join();
      dynamoDb.heal();
      for (String deployment : deployed) {
        await(member.vertx().undeploy(deployment));
      }
      snsClients.close();
      sns.close();
    }
  }

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static String seconds(double bound) {
    return Double.isInfinite(bound) ? "over 30 s (the histogram's last bucket)" : String.format("%.3f s", bound);
  }

  private static double count(String name, String service, String operation, String type) {
    var search = member.registry().find(name).tag("service", service).tag("operation", operation);
    if (type != null) {
      search = search.tag("type", type);
    }
    return search.counters().stream().mapToDouble(Counter::count).sum();
  }

  private static Histogram freshness() {
    Timer timer = member.registry().find("pulso.freshness").timer();
    CountAtBucket[] buckets = timer.takeSnapshot().histogramCounts();
    double[] bounds = new double[buckets.length];
    double[] counts = new double[buckets.length];
    for (int i = 0; i < buckets.length; i++) {
      bounds[i] = buckets[i].bucket(TimeUnit.SECONDS);
      counts[i] = buckets[i].count();
    }
    return new Histogram(bounds, counts, timer.count());
  }

  /** Cumulative bucket counts of the freshness timer (Prometheus' {@code le} buckets), seconds. */
  private record Histogram(double[] bounds, double[] counts, long count) {

    Histogram minus(Histogram before) {
      double[] left = counts.clone();
      for (int i = 0; i < left.length; i++) {
        left[i] -= before.counts[i];
      }
      return new Histogram(bounds, left, count - before.count);
    }

    /** The smallest bucket bound under which 99 % of the changes fall. */
    double p99() {
      for (int i = 0; i < bounds.length; i++) {
        if (counts[i] >= 0.99 * count) {
          return bounds[i];
        }
      }
      return Double.POSITIVE_INFINITY;
    }
  }
}
