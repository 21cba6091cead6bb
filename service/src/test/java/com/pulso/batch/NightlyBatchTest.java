package com.pulso.batch;

import static com.pulso.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.pulso.aggregate.BaselineFigure;
import com.pulso.aggregate.BaselineWriter;
import com.pulso.aggregate.DailyClientTotal;
import com.pulso.aggregate.MetricItem.ClientDay;
import com.pulso.aggregate.MetricKeys;
import com.pulso.aggregate.MetricsReader;
import com.pulso.alerts.AlertEvaluator;
import com.pulso.alerts.Signal;
import com.pulso.aws.AwsClients;
import com.pulso.aws.AwsResources;
import com.pulso.batch.BatchRuns.BatchRun;
import com.pulso.batch.GlueStub.Answer;
import com.pulso.cluster.ClusterSetup;
import com.pulso.cluster.ClusterSingleton;
import com.pulso.config.ConfigLoader;
import com.pulso.config.PulsoConfig;
import com.pulso.db.FreshDatabase;
import com.pulso.db.Migrations;
import com.pulso.db.Postgres;
import com.pulso.testing.Await;
import com.pulso.testing.SalesWorkload;
import com.pulso.testing.SnsStub;
import com.pulso.testing.SourceSql;
import com.pulso.testing.TestReports;
import com.pulso.testing.TestServices;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.math.BigDecimal;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Clock;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The nightly batch's leader on the Glue runner (against {@link GlueStub}, whose "job" writes the
 * reports of the days it was asked for into S3 before it answers SUCCEEDED), with the real
 * database, S3 and DynamoDB: manual runs, retries, timeouts, catch-up, the schedule across two
 * members, the reconciliation of the real-time figures with the reports, and the batch's alerts (a
 * failed run, a night no leader ran) delivered to an SNS stub.
 */
class NightlyBatchTest {

  private static final List<Integer> PROVIDERS = List.of(1, 2, 3);
  private static final SimpleMeterRegistry REGISTRY = new SimpleMeterRegistry();

  private static PulsoConfig config;
  private static Vertx vertx;
  private static AwsClients aws;
  private static Pool pool;
  private static GlueStub glue;
  private static SnsStub sns;
  private static MetricKeys keys;
  private static BatchRuns runs;
  private final List<String> deployments = new ArrayList<>();
  private final List<JsonObject> alerts = new CopyOnWriteArrayList<>();
  private final List<JsonObject> ready = new CopyOnWriteArrayList<>();
  private final List<MessageConsumer<JsonObject>> consumers = new ArrayList<>();

  @BeforeAll
  static void services() throws Exception {
    TestServices.config();
    Map<String, String> env = new HashMap<>(TestServices.env());
    String unique = UUID.randomUUID().toString().substring(0, 8);
    env.put(ConfigLoader.envName("aws.dynamodb.table"), "batch-" + unique);
    env.put(ConfigLoader.envName("aws.s3.bucket"), "batch-" + unique);
    env.put(ConfigLoader.envName("cluster.port"), String.valueOf(freePort()));
    env.put(ConfigLoader.envName("cluster.name"), "batch-" + unique);
    config = FreshDatabase.create(ConfigLoader.load(TestServices.home().resolve("conf"), env), true);
    Migrations.migrate(config);
    SalesWorkload.createProviders(config);
    vertx = await(ClusterSetup.join(config.cluster(), new VertxOptions(), Vertx.builder()));
    glue = GlueStub.start(vertx);
    env.put(ConfigLoader.envName("aws.endpoints.glue"), "http://127.0.0.1:" + glue.port());
    sns = new SnsStub();
    env.put(ConfigLoader.envName("aws.endpoints.sns"), sns.endpoint());
    config = ConfigLoader.load(TestServices.home().resolve("conf"), env).withDatabase(config.database());
    aws = new AwsClients(vertx, config, REGISTRY);
    AwsResources resources = new AwsResources(vertx, aws, config);
    await(resources.createTableIfMissing());
    await(resources.createBucketIfMissing());
    pool = Postgres.pool(vertx, config.database());
    keys = new MetricKeys(config.businessZone());
    runs = new BatchRuns(pool);
  }

  @AfterAll
  static void stop() throws Exception {
    glue.close();
    sns.close();
    aws.close();
    await(vertx.close());
  }

  @BeforeEach
  void listen() throws Exception {
    SourceSql.execute(config.database(), "DELETE FROM pulso.batch_runs");
    consumers.add(vertx.eventBus().<JsonObject>consumer(ReportCheck.ALERTS, message -> alerts.add(message.body())));
    consumers.add(vertx.eventBus().<JsonObject>consumer(ReportsReady.ADDRESS, message -> ready.add(message.body())));
    reportingJob();
  }

  /**
   * The "job": at its first GetJobRun it starts writing a report (one client) per provider and day
   * asked for, and it succeeds once they are written.
   */
  private static void reportingJob() {
    Map<String, Future<?>> written = new ConcurrentHashMap<>();
    glue.script((run, poll) -> {
      Future<?> reports = written.computeIfAbsent(run.id(), id -> writeReports(run));
      return new Answer(reports.succeeded() ? "SUCCEEDED" : reports.failed() ? "FAILED" : "RUNNING",
          reports.failed() ? reports.cause().toString() : null);
    });
  }

  @AfterEach
  void undeploy() throws Exception {
    for (String deployment : deployments) {
      await(vertx.undeploy(deployment));
    }
    for (MessageConsumer<JsonObject> consumer : consumers) {
      await(consumer.unregister());
    }
  }

  @Test
  void aManualRangeRunsOnceAndSucceedsOnceItsReportsHoldUp() throws Exception {
    deploy(batch(2, Duration.ofMinutes(1), 0), Clock.systemUTC());
    LocalDate from = LocalDate.of(2026, 10, 1);
    int startsBefore = glue.runs().size();

    JsonObject queued = await(vertx.eventBus().<JsonObject>request(BatchOrchestrator.RUN_ADDRESS,
        new JsonObject().put("from", from.toString()).put("to", from.plusDays(1).toString()))).body();

    BatchRun run = awaitEnded(queued.getLong("id"));
    assertThat(run.state()).as("run: %s", run).isEqualTo("succeeded");
    assertThat(run.attempts()).isEqualTo(1);
    assertThat(run.runner()).isEqualTo("glue");
    assertThat(glue.runs()).hasSize(startsBefore + 1);
    assertThat(glue.runs().get(startsBefore).arguments()).containsEntry("--from", "2026-10-01")
        .containsEntry("--to", "2026-10-02").containsEntry("--run-id", "run-" + run.id() + "-1");
    assertThat(run.externalRunId()).isEqualTo(glue.runs().get(startsBefore).id());
    Await.waitUntil(() -> ready.size() == PROVIDERS.size(), Duration.ofSeconds(5), "a report-ready event per provider");
    assertThat(ready).extracting(event -> event.getJsonArray("days").encode()).containsOnly("[\"2026-10-01\",\"2026-10-02\"]");

  }

  @Test
  void aRunRequestOnTheBusIsCheckedAsTheAdminRouteChecksItWhoeverSentIt() throws Exception {
    deploy(batch(0, Duration.ofMinutes(1), 0), Clock.systemUTC());
    LocalDate today = LocalDate.now(config.businessZone());
    int runsBefore = glue.runs().size();

    for (JsonObject request : List.of(
        new JsonObject().put("from", today.toString()).put("to", today.toString()),
        new JsonObject().put("from", "2026-10-05").put("to", "2026-10-04"),
        new JsonObject().put("from", "2000-01-01").put("to", "2025-12-31"),
        new JsonObject().put("from", "2026-10-05"))) {
      assertThatThrownBy(() -> await(vertx.eventBus().request(BatchOrchestrator.RUN_ADDRESS, request)))
          .as("request %s", request).cause().isInstanceOf(ReplyException.class)
          .satisfies(refused -> assertThat(((ReplyException) refused).failureCode()).isEqualTo(400));
    }
    assertThat(glue.runs()).as("no job started").hasSize(runsBefore);
  }

  @Test
  void aRangeAlreadyQueuedOrRunningIsNotRunTwice() throws Exception {
    deploy(batch(0, Duration.ofMinutes(1), 0), Clock.systemUTC());
    LocalDate day = LocalDate.of(2026, 10, 3);
    BatchRun active = await(runs.queue(day, day, "glue"));

    assertThatThrownBy(() -> manual(day)).hasMessageContaining("already queued or running");

    await(runs.ended(active.id(), "failed", "given up by the test"));
    assertThat(awaitEnded(manual(day)).state()).isEqualTo("succeeded");
  }

  @Test
  void aFailingJobIsRetriedThenTheRunFailsWithTheJobsError() throws Exception {
    glue.script((run, poll) -> new Answer("FAILED", "JDBC read failed: connection refused"));
    deploy(batch(2, Duration.ofMinutes(1), 0), Clock.systemUTC());
    int startsBefore = glue.runs().size();

    BatchRun run = awaitEnded(manual(LocalDate.of(2026, 10, 5)));

    assertThat(run.state()).isEqualTo("failed");
    assertThat(run.attempts()).isEqualTo(3);
    assertThat(run.error()).endsWith("FAILED: JDBC read failed: connection refused");
    assertThat(glue.runs()).hasSize(startsBefore + 3);
  }

  @Test
  void aJobThatSucceedsWithoutWritingItsReportsDoesNotPassOnReportsAnEarlierRunLeft() throws Exception {
    LocalDate day = LocalDate.of(2026, 10, 4);
    deploy(batch(1, Duration.ofMinutes(1), 0), Clock.systemUTC());
    assertThat(awaitEnded(manual(day)).state()).isEqualTo("succeeded");
    // The job now says it succeeded but writes nothing: the day's reports are the first run's.
    glue.script((run, poll) -> new Answer("SUCCEEDED", null));

    BatchRun run = awaitEnded(manual(day));

    assertThat(run.state()).isEqualTo("failed");
    assertThat(run.attempts()).isEqualTo(2);
    assertThat(run.error()).contains("report was written by run jr_").contains("not by this one (" + run.externalRunId());
  }

  @Test
  void anAttemptThatOverrunsItsTimeoutIsStoppedAndTheRunTimesOut() throws Exception {
    glue.script((run, poll) -> new Answer("RUNNING", null));
    deploy(batch(0, Duration.ofSeconds(1), 0), Clock.systemUTC());

    BatchRun run = awaitEnded(manual(LocalDate.of(2026, 10, 6)));

    assertThat(run.state()).isEqualTo("timed_out");
    assertThat(run.error()).isEqualTo("attempt 1 overran its timeout of 1 s");
    assertThat(glue.stopped()).contains(run.externalRunId());
  }

  @Test
  void aRunLeftActiveByAnEarlierLeaderIsSettledAndOnlyThen() throws Exception {
    LocalDate day = LocalDate.of(2026, 10, 7);
    // A local attempt that was running on a member that died: it died with it.
    SourceSql.execute(config.database(), "INSERT INTO pulso.batch_runs (date_from, date_to, state, runner, attempts,"
        + " external_run_id, started_at) VALUES ('" + day + "', '" + day + "', 'running', 'local', 1, 'run-0-1', now())");
    long left = SourceSql.count(config.database(), "SELECT max(id) FROM pulso.batch_runs");

    deploy(batch(1, Duration.ofMinutes(1), 0), Clock.systemUTC());
    // A run asked for at once is this leader's own, not one to settle.
    long own = manual(LocalDate.of(2026, 10, 8));

    BatchRun settled = awaitEnded(left);
    assertThat(settled.state()).isEqualTo("succeeded");
    assertThat(settled.attempts()).isEqualTo(2);
    BatchRun ownRun = awaitEnded(own);
    assertThat(ownRun.state()).isEqualTo("succeeded");
    assertThat(ownRun.attempts()).isEqualTo(1);
  }

  @Test
  void aLeaderThatStartsCatchesUpTheClosedDaysNoRunReported() throws Exception {
    LocalDate today = LocalDate.now(config.businessZone());
    // The day before yesterday was reported; yesterday and the day before it were missed.
    SourceSql.execute(config.database(), "INSERT INTO pulso.batch_runs (date_from, date_to, state, runner) VALUES ('"
        + today.minusDays(2) + "', '" + today.minusDays(2) + "', 'succeeded', 'glue')");

    deploy(batch(0, Duration.ofMinutes(1), 3), Clock.systemUTC());

    Await.waitUntil(() -> succeeded(today.minusDays(1)) && succeeded(today.minusDays(3)), Duration.ofSeconds(30),
        "the missed days reported");
    assertThat(SourceSql.count(config.database(), "SELECT count(*) FROM pulso.batch_runs")).isEqualTo(3);
  }

  @Test
  void theScheduleFiresOnceAcrossTwoMembers() throws Exception {
    Map<String, String> env = new HashMap<>(TestServices.env());
    env.put(ConfigLoader.envName("cluster.port"), String.valueOf(freePort()));
    env.put(ConfigLoader.envName("cluster.name"), config.cluster().name());
    env.put(ConfigLoader.envName("cluster.members"), "127.0.0.1:" + config.cluster().port());
    Vertx second = await(ClusterSetup.join(ConfigLoader.load(TestServices.home().resolve("conf"), env).cluster(),
        new VertxOptions(), Vertx.builder()));
    // Both members' clocks 5 s before the next 00:30 of the business zone (set once the second joined).
    ZonedDateTime now = ZonedDateTime.now(config.businessZone());
    ZonedDateTime fire = CronSchedule.parse("30 0 * * *").next(now);
    Clock clock = Clock.offset(Clock.systemUTC(), Duration.between(now, fire).minusMillis(5_000));
    LocalDate reported = fire.toLocalDate().minusDays(1);
    try {
      PulsoConfig.Batch batch = batch(0, Duration.ofMinutes(1), 0);
      for (Vertx member : List.of(vertx, second)) {
        String id = await(member.deployVerticle(new ClusterSingleton("batch-schedule-test",
            () -> orchestrator(batch, clock), new DeploymentOptions())));
        if (member == vertx) {
          deployments.add(id);
        }
      }

      Await.waitUntil(() -> succeeded(reported), Duration.ofSeconds(20), "the scheduled run of " + reported);
      Thread.sleep(2_000); // a second firing, if any, would have queued by now
      assertThat(SourceSql.count(config.database(), "SELECT count(*) FROM pulso.batch_runs WHERE date_from = '"
          + reported + "'")).isEqualTo(1);
    } finally {
      await(second.close());
    }
  }

  @Test
  void aRealtimeFigureThatDiffersFromTheReportIsAlertedAndSetToTheReports() throws Exception {
    LocalDate day = LocalDate.of(2026, 9, 30);
    BaselineWriter writer = new BaselineWriter(vertx, aws, config.aws().dynamoDbTable(), keys,
        config.aggregate().minuteRetention(), REGISTRY);
    // Real time as the stream left it, then one item altered by hand.
    await(writer.write(List.of(
        new BaselineFigure(new ClientDay(1, day, 1), 2, new BigDecimal("20.00")),
        new BaselineFigure(new ClientDay(1, day, 2), 1, new BigDecimal("7.50")),
        new BaselineFigure(keys.bootstrapDayTotal(1, day), 3, new BigDecimal("27.50")))));
    await(writer.write(List.of(new BaselineFigure(new ClientDay(1, day, 2), 1, new BigDecimal("5.00")))));
    List<DailyClientTotal> report = List.of(total(day, 1, 2, "20.00"), total(day, 2, 1, "7.50"), total(day, 3, 1, "1.00"));
    ReportStore store = new ReportStore(vertx, aws, config.aws().s3Bucket());
    ReportCheck check = new ReportCheck(vertx, pool, store, reader(), writer, keys, REGISTRY);
    deployAlerts("reconciliation", Signal.BATCH_RECONCILIATION_DIFFERENCES, 0, Duration.ofSeconds(3),
        Clock.systemUTC());

    await(check.reconcile(1, day, report));

    Await.waitUntil(() -> alerts.size() == 1, Duration.ofSeconds(5), "one reconciliation alert");
    JsonObject alert = alerts.get(0);
    assertThat(alert.getString("type")).isEqualTo("reconciliation");
    assertThat(alert.getInteger("providerId")).isEqualTo(1);
    assertThat(alert.getString("date")).isEqualTo(day.toString());
    assertThat(alert.getJsonObject("batch")).isEqualTo(new JsonObject().put("transactions", 4).put("totalAmount", "28.50"));
    assertThat(alert.getJsonObject("realtime")).isEqualTo(new JsonObject().put("transactions", 3)
        .put("totalAmount", "27.50"));
    assertThat(alert.getInteger("clientsDiffering")).isEqualTo(2);
    // Repaired: every client-day and the day's total are the report's.
    assertThat(await(reader().clientDay(1, day))).isEqualTo(report);
    assertThat(await(reader().dayTotal(1, day)).amount()).isEqualTo(new BigDecimal("28.50"));
    assertThat(await(reader().dayTotal(1, day)).transactions()).isEqualTo(4);

    // Once equal, nothing to say.
    await(check.reconcile(1, day, report));
    Thread.sleep(300);
    assertThat(alerts).hasSize(1);

    // Told the operators, with the totals and the event; resolved once the window holds no difference.
    Await.waitUntil(() -> sns.about("reconciliation fired").size() == 1, Duration.ofSeconds(10),
        "the differences alerted");
    assertThat(sns.about("reconciliation fired").get(0).message()).contains("\"clientsDiffering\":2")
        .contains("\"totalAmount\":\"28.50\"");
    Await.waitUntil(() -> sns.about("reconciliation resolved").size() == 1, Duration.ofSeconds(10),
        "resolved once the window passed");
    assertThat(sns.about("reconciliation fired")).hasSize(1);
  }

  @Test
  void aFailedRunIsAlertedWithItsDaysAndErrorAndResolvedOnceTheyAreReported() throws Exception {
    glue.script((run, poll) -> new Answer("FAILED", "JDBC read failed: connection refused"));
    deploy(batch(0, Duration.ofMinutes(1), 0), Clock.systemUTC());
    deployAlerts("batchFailed", Signal.BATCH_FAILED_RUNS, 0, Duration.ofDays(1), Clock.systemUTC());
    LocalDate day = LocalDate.of(2026, 10, 9);

    BatchRun failed = awaitEnded(manual(day));

    Await.waitUntil(() -> sns.about("batchFailed fired").size() == 1, Duration.ofSeconds(10), "the failure alerted");
    assertThat(sns.about("batchFailed fired").get(0).message()).contains("Figure: 1\n")
        .contains("\"runId\":" + failed.id()).contains("\"from\":\"2026-10-09\"")
        .contains("JDBC read failed: connection refused");
    // Still firing while the day stays unreported.
    Thread.sleep(1_000);
    assertThat(sns.about("batchFailed resolved")).isEmpty();

    reportingJob();
    assertThat(awaitEnded(manual(day)).state()).isEqualTo("succeeded");
    Await.waitUntil(() -> sns.about("batchFailed resolved").size() == 1, Duration.ofSeconds(10),
        "resolved once the day is reported");
    assertThat(sns.about("batchFailed fired")).hasSize(1);
  }

  @Test
  void aNightNoLeaderRanIsAlertedLateAndResolvedWhenALeaderStartsAndCatchesUp() throws Exception {
    // The alerts judged 40 minutes after a night's 00:30 (the schedule's) at which no member was batch leader.
    CronSchedule schedule = CronSchedule.parse("30 0 * * *");
    ZonedDateTime due = schedule.previous(ZonedDateTime.now(config.businessZone()).minusDays(1));
    Clock clock = Clock.offset(Clock.systemUTC(), Duration.between(Instant.now(), due.plusMinutes(40)));
    deployAlerts("batchLate", Signal.BATCH_LATE_MINUTES, 30, Duration.ZERO, clock);

    Await.waitUntil(() -> sns.about("batchLate fired").size() == 1, Duration.ofSeconds(10), "the missed night alerted");
    assertThat(sns.about("batchLate fired").get(0).message()).containsPattern("Figure: 4[01] min")
        .contains(due.toString());

    deploy(batch(0, Duration.ofMinutes(1), 1), Clock.systemUTC());
    Await.waitUntil(() -> sns.about("batchLate resolved").size() == 1, Duration.ofSeconds(10),
        "resolved once a leader started a run");
    Await.waitUntil(() -> succeeded(LocalDate.now(config.businessZone()).minusDays(1)), Duration.ofSeconds(30),
        "the missed night reported");
  }

  /** The alerts' judge with one rule, from a clean state, publishing to the SNS stub. */
  private void deployAlerts(String name, Signal signal, double threshold, Duration window, Clock clock)
      throws Exception {
    SourceSql.execute(config.database(), "TRUNCATE pulso.alert_state, pulso.alert_events");
    sns.clear();
    PulsoConfig judged = config.withAlerts(new PulsoConfig.Alerts(true, "arn:aws:sns:us-east-1:123456789012:batch-alerts",
        "", Duration.ofHours(1), Duration.ofHours(1), Duration.ofMillis(250), Duration.ofHours(1),
        new PulsoConfig.BusinessHours(EnumSet.allOf(DayOfWeek.class), LocalTime.MIN, LocalTime.MAX),
        List.of(new PulsoConfig.AlertRule(name, signal, true, threshold, window, Duration.ZERO, Duration.ZERO,
            "critical"))));
    deployments.add(await(vertx.deployVerticle(new AlertEvaluator(judged, pool, aws, clock))));
  }

  private static DailyClientTotal total(LocalDate day, long client, long transactions, String amount) {
    return new DailyClientTotal(1, day, client, transactions, new BigDecimal(amount));
  }

  private static MetricsReader reader() {
    return new MetricsReader(aws, config.aws().dynamoDbTable(), keys);
  }

  private void deploy(PulsoConfig.Batch batch, Clock clock) throws Exception {
    deployments.add(await(vertx.deployVerticle(orchestrator(batch, clock))));
  }

  private static BatchOrchestrator orchestrator(PulsoConfig.Batch batch, Clock clock) {
    ReportCheck check = new ReportCheck(vertx, pool, new ReportStore(vertx, aws, config.aws().s3Bucket()), reader(),
        new BaselineWriter(vertx, aws, config.aws().dynamoDbTable(), keys, config.aggregate().minuteRetention(), REGISTRY),
        keys, REGISTRY);
    return new BatchOrchestrator(batch, config.businessZone(), runs,
        new GlueJobRunner(aws, batch.glueJobName(), config.businessZone()), check, clock, REGISTRY);
  }

  /** The leader's settings: the Glue runner, quick polls, no schedule firing during a test unless asked for. */
  private static PulsoConfig.Batch batch(int retries, Duration timeout, int catchUpDays) {
    return new PulsoConfig.Batch(true, "30 0 * * *", "glue", retries, timeout, catchUpDays, Duration.ofMillis(50),
        Duration.ofMillis(200), "pulso-daily-report", Path.of("unused"), Path.of("unused"), Path.of("unused"),
        Path.of("unused"));
  }

  private static long manual(LocalDate day) throws Exception {
    return await(vertx.eventBus().<JsonObject>request(BatchOrchestrator.RUN_ADDRESS,
        new JsonObject().put("from", day.toString()).put("to", day.toString()))).body().getLong("id");
  }

  private static BatchRun awaitEnded(long id) throws Exception {
    Await.waitUntil(() -> !find(id).active(), Duration.ofSeconds(30), () -> "run " + id + " ended: " + find(id));
    return find(id);
  }

  private static BatchRun find(long id) {
    try {
      return await(runs.find(id)).orElseThrow();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static boolean succeeded(LocalDate day) {
    return SourceSql.count(config.database(), "SELECT count(*) FROM pulso.batch_runs WHERE date_from = '" + day
        + "' AND state = 'succeeded'") == 1;
  }

  /**
   * What the stubbed job writes: per provider and day of the run, a report of one client, named by
   * its Glue job run id as the job does on Glue ({@code JOB_RUN_ID}).
   */
  private static Future<?> writeReports(GlueStub.Run run) {
    LocalDate from = LocalDate.parse(run.arguments().get("--from"));
    LocalDate to = LocalDate.parse(run.arguments().get("--to"));
    List<Future<?>> writes = new ArrayList<>();
    for (LocalDate day = from; !day.isAfter(to); day = day.plusDays(1)) {
      for (int provider : PROVIDERS) {
        writes.add(TestReports.write(aws, config.aws().s3Bucket(), provider, day, run.id(),
            List.of(new DailyClientTotal(provider, day, 1, 1, new BigDecimal("1.00")))));
      }
    }
    return Future.all(writes);
  }

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
