package com.pulso.pipeline;

import static com.pulso.testing.Await.await;
import static com.pulso.testing.Await.waitUntil;
import static org.assertj.core.api.Assertions.assertThat;

import com.pulso.aggregate.MetricKeys;
import com.pulso.aggregate.MetricsReader;
import com.pulso.aws.AwsClients;
import com.pulso.aws.AwsResources;
import com.pulso.config.ConfigLoader;
import com.pulso.config.PulsoConfig;
import com.pulso.db.Migrations;
import com.pulso.db.Postgres;
import com.pulso.devservices.EmbeddedDatabase;
import com.pulso.stream.TestStreams;
import com.pulso.testing.ExactFigures;
import com.pulso.testing.PipelineMember;
import com.pulso.testing.RealtimeFigures;
import com.pulso.testing.SalesWorkload;
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
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The pipeline on one member across outages of what it depends on — DynamoDB unreachable for 20 s
 * mid-run, PostgreSQL restarted mid-run: once they are back, no sale is lost nor counted twice. The
 * outages are real: a TCP proxy in front of the DynamoDB emulator is cut off (the emulator keeps its
 * data in memory, so it is never stopped itself), and the test's own PostgreSQL is stopped and
 * started again on its data.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OutagesTest {

  private static final Duration DYNAMODB_OUTAGE = Duration.ofSeconds(20);
  private static final Duration SETTLE = Duration.ofSeconds(120);
  private static final List<Integer> PROVIDERS = List.of(1, 2, 3);
  private static final int PORT = TestPorts.port(25441);
  private static final String DATABASE_PREFIX = "outages_";

  private final Path dataDir = TestServices.home().resolve("service/target/outages-postgres");
  private EmbeddedDatabase postgres;
  private TcpProxy dynamoDbProxy;
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
    // The data directory is kept across runs (a killed run's postmaster is stopped by start): drop what runs left.
    try (Connection c = DriverManager.getConnection(postgres.jdbcUrl("postgres")); Statement st = c.createStatement()) {
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
  }

  @BeforeEach
  void oneMemberOnAFreshDatabaseStreamAndTable() throws Exception {
    String unique = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    try (Connection c = DriverManager.getConnection(postgres.jdbcUrl("postgres")); Statement st = c.createStatement()) {
      st.execute("CREATE DATABASE " + DATABASE_PREFIX + unique);
    }
    Map<String, String> env = PipelineMember.isolatedEnv(unique);
    env.put(ConfigLoader.envName("database.port"), String.valueOf(PORT));
    env.put(ConfigLoader.envName("database.name"), DATABASE_PREFIX + unique);
    int clusterPort = freePort();
    env.put(ConfigLoader.envName("cluster.port"), String.valueOf(clusterPort));
    env.put(ConfigLoader.envName("cluster.members"), "127.0.0.1:" + clusterPort);
    direct = ConfigLoader.load(TestServices.home().resolve("conf"), env);
    dynamoDbProxy = TcpProxy.start(direct.aws().dynamoDbEndpoint());
    env.put(ConfigLoader.envName("aws.endpoints.dynamodb"), dynamoDbProxy.endpoint().toString());
    config = ConfigLoader.load(TestServices.home().resolve("conf"), env);
    Migrations.migrate(config);
    SalesWorkload.createProviders(config);

    member = PipelineMember.join(config);
    directClients = new AwsClients(member.vertx(), direct, new SimpleMeterRegistry());
    TestStreams.create(directClients, direct.aws().kinesisStream(), 2);
    await(new AwsResources(member.vertx(), directClients, direct).createTableIfMissing());
    member.deployPipeline(config);
    // Capture runs once its bootstrap is done: the outages below hit the pipeline streaming.
    waitUntil(member::captures, SETTLE, "the capture runs");
  }

  @AfterEach
  void dropEverything() throws Exception {
    member.undeploy();
    TestStreams.delete(directClients, direct.aws().kinesisStream());
    directClients.close();
    member.close();
    dynamoDbProxy.close();
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
