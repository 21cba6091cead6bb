package com.pulso.pipeline;

import static com.pulso.testing.Await.await;
import static com.pulso.testing.Await.waitUntil;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.pulso.aggregate.BaselineWriter;
import com.pulso.aggregate.MetricKeys;
import com.pulso.aggregate.MetricsReader;
import com.pulso.alerts.AlertEvaluator;
import com.pulso.alerts.Signal;
import com.pulso.alerts.SignalSampler;
import com.pulso.aws.AwsClients;
import com.pulso.aws.AwsResources;
import com.pulso.capture.CaptureVerticle;
import com.pulso.config.ConfigLoader;
import com.pulso.config.PulsoConfig;
import com.pulso.db.Migrations;
import com.pulso.db.Postgres;
import com.pulso.devservices.EmbeddedDatabase;
import com.pulso.sales.Lsn;
import com.pulso.stream.BootstrapGate;
import com.pulso.stream.TestStreams;
import com.pulso.testing.ExactFigures;
import com.pulso.testing.PipelineMember;
import com.pulso.testing.RealtimeFigures;
import com.pulso.testing.SalesFeed;
import com.pulso.testing.SalesWorkload;
import com.pulso.testing.SnsStub;
import com.pulso.testing.SourceSql;
import com.pulso.testing.TcpProxy;
import com.pulso.testing.TestPorts;
import com.pulso.testing.TestServices;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.slf4j.LoggerFactory;

/**
 * The pipeline on one member across outages of what it depends on — DynamoDB unreachable for 20 s
 * mid-run, Kinesis unreachable, PostgreSQL restarted mid-run, the capture's grants revoked, its slot dropped or invalidated
 * by the server: once they are back, no sale is lost nor counted twice, and the alerts they are for
 * fired and resolved (SNS stub). The outages are real: a TCP proxy in front of the DynamoDB emulator
 * is cut off (the emulator keeps its data in memory, so it is never stopped itself), and the test's own
 * PostgreSQL is stopped and started again on its data, or has its settings and roles changed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OutagesTest {

  private static final Duration DYNAMODB_OUTAGE = Duration.ofSeconds(20);
  private static final Duration SETTLE = Duration.ofSeconds(120);
  private static final List<Integer> PROVIDERS = List.of(1, 2, 3);
  private static final int PORT = TestPorts.port(25441);
  private static final String DATABASE_PREFIX = "outages_";
  /**
   * The pipeline's role, a superuser as the local profile's is, but not the server's bootstrap one:
   * the tests take its rights away (as REVOKE rds_replication would on RDS) and give them back.
   */
  private static final String PIPELINE_USER = "outages_pipeline";

  private final Path dataDir = TestServices.home().resolve("service/target/outages-postgres");
  private EmbeddedDatabase postgres;
  private SnsStub sns;
  private final ListAppender<ILoggingEvent> captureLog = new ListAppender<>();
  private TcpProxy dynamoDbProxy;
  private TcpProxy kinesisProxy;
  private PipelineMember member;
  /** The pipeline's configuration: DynamoDB through the proxy. */
  private PulsoConfig config;
  /** The test's own view, straight to the emulators: setup and the final reading. */
  private PulsoConfig direct;
  private AwsClients directClients;

  @BeforeAll
  void startOwnPostgres() throws Exception {
    TestServices.config();
    postgres = EmbeddedDatabase.start(PORT, dataDir);
    sns = new SnsStub();
    // The data directory is kept across runs (a killed run's postmaster is stopped by start): drop what runs left.
    try (Connection c = DriverManager.getConnection(postgres.jdbcUrl("postgres")); Statement st = c.createStatement()) {
      restoreServer(st);
      st.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots");
      List<String> leftovers = new ArrayList<>();
      try (ResultSet rs = st.executeQuery("SELECT datname FROM pg_database WHERE datname LIKE '" + DATABASE_PREFIX + "%'")) {
        while (rs.next()) {
          leftovers.add(rs.getString(1));
        }
      }
      for (String name : leftovers) {
        st.execute("DROP DATABASE " + name + " WITH (FORCE)");
      }
    }
  }

  @AfterAll
  void stopOwnPostgres() {
    if (postgres != null) {
      postgres.close();
    }
    if (sns != null) {
      sns.close();
    }
  }

  /** What the tests below change on the server, as it was: they may have been killed half-way. */
  private void restoreServer(Statement superuser) throws Exception {
    superuser.execute("ALTER SYSTEM RESET max_slot_wal_keep_size");
    superuser.execute("SELECT pg_reload_conf()");
    superuser.execute("DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '" + PIPELINE_USER + "')"
        + " THEN ALTER ROLE " + PIPELINE_USER + " SUPERUSER; ELSE CREATE ROLE " + PIPELINE_USER + " LOGIN SUPERUSER;"
        + " END IF; END $$");
  }

  @BeforeEach
  void oneMemberOnAFreshDatabaseStreamAndTable() throws Exception {
    String unique = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    try (Connection c = DriverManager.getConnection(postgres.jdbcUrl("postgres")); Statement st = c.createStatement()) {
      st.execute("CREATE DATABASE " + DATABASE_PREFIX + unique + " OWNER " + PIPELINE_USER);
    }
    Map<String, String> env = PipelineMember.isolatedEnv(unique);
    env.put(ConfigLoader.envName("database.port"), String.valueOf(PORT));
    env.put(ConfigLoader.envName("database.name"), DATABASE_PREFIX + unique);
    env.put(ConfigLoader.envName("database.user"), PIPELINE_USER);
    int clusterPort = freePort();
    env.put(ConfigLoader.envName("cluster.port"), String.valueOf(clusterPort));
    env.put(ConfigLoader.envName("cluster.members"), "127.0.0.1:" + clusterPort);
    direct = ConfigLoader.load(TestServices.home().resolve("conf"), env);
    dynamoDbProxy = TcpProxy.start(direct.aws().dynamoDbEndpoint());
    env.put(ConfigLoader.envName("aws.endpoints.dynamodb"), dynamoDbProxy.endpoint().toString());
    kinesisProxy = TcpProxy.start(direct.aws().kinesisEndpoint());
    env.put(ConfigLoader.envName("aws.endpoints.kinesis"), kinesisProxy.endpoint().toString());
    env.put(ConfigLoader.envName("aws.endpoints.sns"), sns.endpoint());
    config = ConfigLoader.load(TestServices.home().resolve("conf"), env);
    Migrations.migrate(config);
    SalesWorkload.createProviders(config);

    member = PipelineMember.join(config);
    directClients = new AwsClients(member.vertx(), direct, new SimpleMeterRegistry());
    TestStreams.create(directClients, direct.aws().kinesisStream(), 2);
    await(new AwsResources(member.vertx(), directClients, direct).createTableIfMissing());
    captureLog.list.clear();
    captureLog.start();
    captureLogger().addAppender(captureLog);
    member.deployPipeline(config);
    deployAlerts();
    // Capture runs once its bootstrap is done: the outages below hit the pipeline streaming.
    waitUntil(member::captures, SETTLE, "the capture runs");
  }

  /** The rules the outages are for, judged every 250 ms over windows of seconds, not minutes. */
  private void deployAlerts() throws Exception {
    sns.clear();
    PulsoConfig.Alerts alerts = new PulsoConfig.Alerts(true, "arn:aws:sns:us-east-1:123456789012:pulso-test-alerts", "",
        Duration.ofHours(1), Duration.ofHours(1), Duration.ofMillis(250), Duration.ofHours(1),
        new PulsoConfig.BusinessHours(EnumSet.allOf(DayOfWeek.class), LocalTime.MIN, LocalTime.MAX), List.of(
            rule("freshness", Signal.FRESHNESS_P99, 2, Duration.ofSeconds(10), Duration.ZERO),
            rule("consumerLag", Signal.CONSUMER_LAG, 10, Duration.ZERO, Duration.ZERO),
            rule("captureLag", Signal.CAPTURE_LAG, 5, Duration.ZERO, Duration.ZERO),
            // Less than a WAL segment (16 MB): a segment switch the slot cannot follow passes it.
            rule("walRetained", Signal.CAPTURE_WAL_RETAINED, 12_000_000, Duration.ZERO, Duration.ZERO),
            rule("captureFailing", Signal.CAPTURE_POLL_FAILURES, 0, Duration.ofSeconds(10), Duration.ofSeconds(3)),
            rule("slotLost", Signal.CAPTURE_SLOT_LOST, 0, Duration.ofMinutes(5), Duration.ZERO)));
    Clock clock = Clock.systemUTC();
    await(member.vertx().deployVerticle(new SignalSampler(alerts, member.registry(), clock)));
    await(member.vertx().deployVerticle(new AlertEvaluator(config.withAlerts(alerts),
        Postgres.pool(member.vertx(), config.database()), member.clients(), clock)));
  }

  private static PulsoConfig.AlertRule rule(String name, Signal signal, double threshold, Duration window,
                                            Duration forDuration) {
    return new PulsoConfig.AlertRule(name, signal, true, threshold, window, forDuration, Duration.ofSeconds(5),
        "critical");
  }

  private static Logger captureLogger() {
    return (Logger) LoggerFactory.getLogger(CaptureVerticle.class);
  }

  @AfterEach
  void dropEverything() throws Exception {
    captureLogger().detachAppender(captureLog);
    member.undeploy();
    TestStreams.delete(directClients, direct.aws().kinesisStream());
    directClients.close();
    member.close();
    dynamoDbProxy.close();
    kinesisProxy.close();
    try (Connection c = DriverManager.getConnection(postgres.jdbcUrl("postgres")); Statement st = c.createStatement()) {
      st.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '"
          + config.capture().slotName() + "'");
      st.execute("DROP DATABASE " + config.database().name() + " WITH (FORCE)");
    }
  }

  @Test
  void noSaleIsLostNorCountedTwiceWhenDynamoDbIsUnreachableForTwentySecondsMidRun() throws Exception {
    LocalDate firstDay = LocalDate.now(config.businessZone()).minusDays(1);
    workload(firstDay, 4_000, 1);
    MetricsReader reader = new MetricsReader(directClients, direct.aws().dynamoDbTable(), new MetricKeys(direct.businessZone()));
    waitUntil(() -> !clientDays(reader, firstDay).isEmpty(), SETTLE, "the first sales in DynamoDB");

    dynamoDbProxy.cut();
    Instant cut = Instant.now();
    workload(firstDay, 4_000, 2);
    Thread.sleep(Math.max(0, DYNAMODB_OUTAGE.minus(Duration.between(cut, Instant.now())).toMillis()));
    double failedApplies = consumerFailures("apply");
    // What the consumer-lag alert reads: a consumer stuck on its writes falls behind as time passes.
    double lagDuringOutage = worstLagMillis();
    dynamoDbProxy.restore();
    workload(firstDay, 4_000, 3);

    ExactFigures.awaitGroundTruth(direct, directClients, PROVIDERS, SalesWorkload.days(firstDay), SETTLE);
    assertThat(failedApplies).as("batches not applied while DynamoDB was unreachable").isPositive();
    assertThat(lagDuringOutage).as("the consumers' lag at the end of the outage").isGreaterThan(10_000);
    waitUntil(() -> worstLagMillis() < 2_000, SETTLE, "the consumers caught up after the outage");

    // Alerted: the consumers fell behind; the backlog reached DynamoDB late. Both resolve once fresh
    // sales are applied fresh (with none, a percentile has no data and holds its state).
    assertThat(sns.about("consumerLag fired")).hasSize(1);
    waitUntil(() -> sns.about("freshness fired").size() == 1, SETTLE, "the late backlog alerted");
    assertThat(sns.about("freshness fired").get(0).message()).containsPattern("Figure: [0-9.]+ s");
    whileSelling(() -> sns.about("resolved").size() == 2, "consumerLag and freshness resolved");
    assertThat(sns.about("consumerLag resolved")).hasSize(1);
    assertThat(sns.about("freshness resolved")).hasSize(1);
    assertThat(sns.about("captureFailing")).as("the capture never failed").isEmpty();
  }

  private double worstLagMillis() {
    return member.registry().find("pulso.stream.consume.lag").gauges().stream()
        .mapToDouble(io.micrometer.core.instrument.Gauge::value).max().orElse(0);
  }

  @Test
  void noSaleIsLostNorCountedTwiceWhenPostgresRestartsMidRun() throws Exception {
    LocalDate firstDay = LocalDate.now(config.businessZone()).minusDays(1);
    // The workload's connections would break with the server: it runs before and after the restart.
    workload(firstDay, 6_000, 1);
    postgres.close();
    postgres = EmbeddedDatabase.start(PORT, dataDir);
    workload(firstDay, 6_000, 2);

    ExactFigures.awaitGroundTruth(direct, directClients, PROVIDERS, SalesWorkload.days(firstDay), SETTLE);
    // The fence's advisory lock went with the old server: the capture must hold it again.
    assertThat(advisoryLocksHeld()).as("capture fences held in the restarted database").isEqualTo(1);
  }

  @Test
  void noSaleIsLostNorCountedTwiceWhenKinesisIsUnreachableAndTheCapturesLagAndWalAreAlerted() throws Exception {
    LocalDate firstDay = LocalDate.now(config.businessZone()).minusDays(1);
    workload(firstDay, 2_000, 1);

    kinesisProxy.cut();
    try {
      workload(firstDay, 2_000, 2);
      // The WAL moves two segments on (a switch needs a write since the last); the slot, which cannot be
      // advanced past what Kinesis has not acknowledged, keeps it all.
      for (int segment = 0; segment < 2; segment++) {
        sale();
        superuser("SELECT pg_switch_wal()");
      }
      waitUntil(() -> sns.about("captureLag fired").size() == 1 && sns.about("walRetained fired").size() == 1,
          SETTLE, "the capture's lag and the WAL it holds alerted");
    } finally {
      kinesisProxy.restore();
    }
    workload(firstDay, 2_000, 3);

    ExactFigures.awaitGroundTruth(direct, directClients, PROVIDERS, SalesWorkload.days(firstDay), SETTLE);
    whileSelling(() -> sns.about("captureLag resolved").size() == 1 && sns.about("walRetained resolved").size() == 1,
        "resolved once the capture ships and the slot moves on");
    assertThat(sns.about("walRetained fired").get(0).message()).containsPattern("Figure: [0-9]{8,} bytes");
  }

  @Test
  void aCaptureWhoseGrantsAreRevokedIsAlertedAndCatchesUpOnceTheyAreBack() throws Exception {
    LocalDate firstDay = LocalDate.now(config.businessZone()).minusDays(1);
    workload(firstDay, 2_000, 1);
    // As REVOKE rds_replication on RDS: the user may no longer read replication slots.
    superuser("ALTER ROLE " + PIPELINE_USER + " NOSUPERUSER");
    try {
      whileSelling(() -> sns.about("captureFailing fired").size() == 1, "the failing polls alerted");
      assertThat(sns.about("captureFailing fired").get(0).message()).contains("capture.pollFailures");
    } finally {
      superuser("ALTER ROLE " + PIPELINE_USER + " SUPERUSER");
    }
    workload(firstDay, 2_000, 2);

    ExactFigures.awaitGroundTruth(direct, directClients, PROVIDERS, SalesWorkload.days(firstDay), SETTLE);
    whileSelling(() -> sns.about("captureFailing resolved").size() == 1, "resolved once polls succeed");
    assertThat(sns.about("slotLost")).as("the slot was never lost").isEmpty();
  }

  @Test
  void aSlotDroppedUnderTheRunningCaptureIsAlertedAndTheFiguresCountedAgainExactly() throws Exception {
    LocalDate firstDay = LocalDate.now(config.businessZone()).minusDays(1);
    workloadApplied(firstDay);
    List<Optional<Lsn>> announced = watchBootstrapMarker();
    Lsn first = marker().orElseThrow();

    // By an operator, between two of the capture's reads (a slot being read cannot be dropped).
    waitUntil(() -> {
      try {
        superuser("SELECT pg_drop_replication_slot('" + config.capture().slotName() + "')");
        return true;
      } catch (IllegalStateException active) {
        return false;
      }
    }, SETTLE, "the slot dropped");
    workload(firstDay, 3_000, 2);

    assertFiguresCountedAgain(firstDay, first, announced, "gone");
  }

  @Test
  void aSlotInvalidatedWhileTheCaptureCouldNotReadIsAlertedAndTheFiguresCountedAgainExactly() throws Exception {
    LocalDate firstDay = LocalDate.now(config.businessZone()).minusDays(1);
    workloadApplied(firstDay);
    List<Optional<Lsn>> announced = watchBootstrapMarker();
    Lsn first = marker().orElseThrow();

    // The capture cannot read (grants revoked) while sales go on and the WAL moves past
    // max_slot_wal_keep_size: the next checkpoint invalidates the slot, as after a long capture outage.
    superuser("ALTER ROLE " + PIPELINE_USER + " NOSUPERUSER");
    try {
      superuser("ALTER SYSTEM SET max_slot_wal_keep_size = '1MB'", "SELECT pg_reload_conf()");
      workload(firstDay, 3_000, 2);
      for (int segment = 0; segment < 3; segment++) {
        sale();
        superuser("SELECT pg_switch_wal()");
      }
      superuser("CHECKPOINT");
      assertThat(SourceSql.count(config.database(), "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '"
          + config.capture().slotName() + "' AND wal_status = 'lost'")).as("the slot invalidated").isEqualTo(1);
    } finally {
      superuser("ALTER ROLE " + PIPELINE_USER + " SUPERUSER", "ALTER SYSTEM RESET max_slot_wal_keep_size",
          "SELECT pg_reload_conf()");
    }
    workload(firstDay, 3_000, 3);

    assertFiguresCountedAgain(firstDay, first, announced, "invalidated");
  }

  /** A first workload, and its first sales in DynamoDB: the pipeline streams. */
  private void workloadApplied(LocalDate firstDay) throws Exception {
    workload(firstDay, 3_000, 1);
    MetricsReader reader = new MetricsReader(directClients, direct.aws().dynamoDbTable(), new MetricKeys(direct.businessZone()));
    waitUntil(() -> !clientDays(reader, firstDay).isEmpty(), SETTLE, "the first sales in DynamoDB");
  }

  /**
   * After a lost slot: the figures agree with SQL, counted again from a new slot (a new bootstrap
   * marker) whose rebuild ran with the marker removed — the API answers 503 without it — and the
   * loss was alerted once.
   */
  private void assertFiguresCountedAgain(LocalDate firstDay, Lsn first, List<Optional<Lsn>> announced, String how)
      throws Exception {
    ExactFigures.awaitGroundTruth(direct, directClients, PROVIDERS, SalesWorkload.days(firstDay), SETTLE);
    assertThat(marker()).as("a new bootstrap's marker").isPresent().get().isNotEqualTo(first);
    assertThat(announced).as("the marker absent during the rebuild, then back").contains(Optional.empty())
        .last().isEqualTo(marker());
    assertThat(member.registry().find("pulso.capture.slot.lost").counter().count()).isEqualTo(1);
    waitUntil(() -> sns.about("slotLost fired").size() == 1, SETTLE, "the lost slot alerted");
    assertThat(sns.about("slotLost fired").get(0).message()).contains("capture.slotLost");
    assertThat(slotLostLog()).contains(how);
  }

  /** What the capture logged as errors: where it says how the slot was lost. */
  private String slotLostLog() {
    return captureLog.list.stream().filter(event -> event.getLevel() == Level.ERROR)
        .map(ILoggingEvent::getFormattedMessage).reduce("", (a, b) -> a + b + "\n");
  }

  /** The bootstrap marker as read at each of the capture's bootstrap announcements, in order. */
  private List<Optional<Lsn>> watchBootstrapMarker() {
    List<Optional<Lsn>> read = new CopyOnWriteArrayList<>();
    member.vertx().eventBus().consumer(BootstrapGate.ADDRESS, message -> writer().bootstrappedFrom(
        config.capture().slotName()).onSuccess(read::add));
    return read;
  }

  private Optional<Lsn> marker() throws Exception {
    return await(writer().bootstrappedFrom(config.capture().slotName()));
  }

  private BaselineWriter writer() {
    return new BaselineWriter(member.vertx(), directClients, direct.aws().dynamoDbTable(),
        new MetricKeys(direct.businessZone()), direct.aggregate().minuteRetention(), new SimpleMeterRegistry());
  }

  /** Statements as the server's superuser, on the test's database. */
  private void superuser(String... statements) {
    try (Connection c = DriverManager.getConnection(postgres.jdbcUrl(config.database().name()));
         Statement st = c.createStatement()) {
      for (String statement : statements) {
        st.execute(statement);
      }
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private void sale() {
    SalesFeed.sale(config);
  }

  private void whileSelling(BooleanSupplier done, String what) throws Exception {
    SalesFeed.whileSelling(config, done, SETTLE, what);
  }

  private long advisoryLocksHeld() throws Exception {
    try (Connection c = Postgres.connect(config.database()); Statement st = c.createStatement();
         ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
             + " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private double consumerFailures(String kind) {
    Counter counter = member.registry().find("pulso.stream.consume.failures").tag("kind", kind).counter();
    return counter == null ? 0 : counter.count();
  }

  private Map<?, ?> clientDays(MetricsReader reader, LocalDate firstDay) {
    try {
      return RealtimeFigures.clientDays(reader, PROVIDERS, SalesWorkload.days(firstDay));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private void workload(LocalDate firstDay, int sales, long part) throws Exception {
    SalesWorkload.run(config, firstDay, sales, 3, 20261129L * 10 + part);
  }

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
