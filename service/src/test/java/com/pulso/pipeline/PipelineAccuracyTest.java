package com.pulso.pipeline;

import static com.pulso.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.pulso.api.ApiKeys;
import com.pulso.api.ApiVerticle;
import com.pulso.aws.AwsClients;
import com.pulso.aws.AwsResources;
import com.pulso.capture.CaptureVerticle;
import com.pulso.cluster.ClusterSetup;
import com.pulso.config.ConfigLoader;
import com.pulso.config.PulsoConfig;
import com.pulso.db.FreshDatabase;
import com.pulso.db.Migrations;
import com.pulso.db.Postgres;
import com.pulso.observability.Readiness;
import com.pulso.stream.ConsumerVerticle;
import com.pulso.stream.TestStreams;
import com.pulso.testing.ApiGroundTruth;
import com.pulso.testing.Await;
import com.pulso.testing.ExactFigures;
import com.pulso.testing.SalesGroundTruth;
import com.pulso.testing.SalesGroundTruth.ClientDay;
import com.pulso.testing.SalesGroundTruth.Figures;
import com.pulso.testing.SalesWorkload;
import com.pulso.testing.SourceSql;
import com.pulso.testing.TestServices;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.sqlclient.Pool;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The whole real-time pipeline — capture, Kinesis, consumers, DynamoDB — against embedded
 * PostgreSQL and the emulators, on one clustered member: every figure equals the SQL ground truth.
 */
class PipelineAccuracyTest {

  private static final List<Integer> PROVIDERS = List.of(1, 2, 3);
  private static final String ADMIN = "pipeline-accuracy-admin-key";

  private Vertx vertx;
  private PulsoConfig config;
  private AwsClients clients;

  @BeforeEach
  void freshSourceStreamAndTable() throws Exception {
    TestServices.config();
    String unique = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    Map<String, String> env = new HashMap<>(TestServices.env());
    env.put(ConfigLoader.envName("capture.slotName"), "slot_" + unique);
    env.put(ConfigLoader.envName("capture.publicationName"), "pub_" + unique);
    env.put(ConfigLoader.envName("aws.kinesis.stream"), "pipeline-" + unique);
    env.put(ConfigLoader.envName("aws.dynamodb.table"), "pipeline-" + unique);
    // Its own bucket: the test services' S3 keeps objects across runs, and a report of yesterday is what
    // the API would serve for yesterday.
    env.put(ConfigLoader.envName("aws.s3.bucket"), "pipeline-" + unique);
    try (ServerSocket socket = new ServerSocket(0)) {
      env.put(ConfigLoader.envName("cluster.port"), String.valueOf(socket.getLocalPort()));
    }
    env.put(ConfigLoader.envName("cluster.name"), "pipeline-" + unique);
    try (ServerSocket socket = new ServerSocket(0)) {
      env.put(ConfigLoader.envName("http.port"), String.valueOf(socket.getLocalPort()));
    }
    env.put(ConfigLoader.envName("http.host"), "127.0.0.1");
    env.put(ConfigLoader.envName("api.rateLimitPerMinute"), "100000");
    config = FreshDatabase.create(ConfigLoader.load(TestServices.home().resolve("conf"), env), true);
    Migrations.migrate(config);
    SalesWorkload.createProviders(config);
    SourceSql.execute(config.database(), "INSERT INTO clientes (id, nombre, apellido)"
        + " SELECT g, 'Nombre' || g, 'Apellido' || g FROM generate_series(1, 200) g");

    VertxOptions options = new VertxOptions();
    vertx = await(ClusterSetup.join(config.cluster(), options, Vertx.builder()));
    clients = new AwsClients(vertx, config, new SimpleMeterRegistry());
    TestStreams.create(clients, config.aws().kinesisStream(), 2);
    AwsResources resources = new AwsResources(vertx, clients, config);
    await(resources.createTableIfMissing());
    await(resources.createBucketIfMissing());
  }

  @AfterEach
  void dropSlotAndStream() throws Exception {
    for (String deployment : List.copyOf(vertx.deploymentIDs())) {
      await(vertx.undeploy(deployment));
    }
    TestStreams.delete(clients, config.aws().kinesisStream());
    clients.close();
    await(vertx.close());
    try (Connection c = Postgres.connect(config.database()); Statement st = c.createStatement()) {
      st.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '"
          + config.capture().slotName() + "'");
    }
  }

  @Test
  void everyFigureAndEveryApiAnswerEqualsTheSqlGroundTruthAfterConcurrentSalesCorrectionsAndVoids() throws Exception {
    LocalDate firstDay = LocalDate.now(config.businessZone()).minusDays(1);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    await(vertx.deployVerticle(new ConsumerVerticle(clients, config, registry)));
    await(vertx.deployVerticle(new CaptureVerticle(config, Postgres.pool(vertx, config.database()), clients, registry)));

    SalesWorkload.run(config, firstDay, 20_000, 3, 20261129L);

    Map<ClientDay, Figures> truth = SalesGroundTruth.clientDays(config);
    assertThat(truth).as("the workload made figures to check").hasSizeGreaterThan(1_000);
    assertThat(count("SELECT count(*) FROM ventas")).as("some sales were voided").isLessThan(20_000);
    ExactFigures.awaitGroundTruth(config, clients, PROVIDERS, SalesWorkload.days(firstDay), Duration.ofSeconds(180));

    // The API over these figures: every endpoint, as a provider's systems would ask it.
    Pool pool = Postgres.pool(vertx, config.database());
    ApiKeys keys = new ApiKeys(pool);
    await(keys.ensure(ADMIN, null));
    await(vertx.deployVerticle(new ApiVerticle(config, pool, clients, keys, new Readiness(),
        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))));
    new ApiGroundTruth(config, "http://127.0.0.1:" + config.http().port(), ADMIN)
        .assertServed(PROVIDERS, SalesWorkload.days(firstDay));
  }

  private long count(String sql) throws Exception {
    try (Connection c = Postgres.connect(config.database()); Statement st = c.createStatement();
         java.sql.ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
