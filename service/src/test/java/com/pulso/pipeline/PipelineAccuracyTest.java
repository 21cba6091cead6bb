package com.pulso.pipeline;

import static com.pulso.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.pulso.aws.AwsClients;
import com.pulso.aws.AwsResources;
import com.pulso.capture.CaptureVerticle;
import com.pulso.cluster.ClusterSetup;
import com.pulso.config.ConfigLoader;
import com.pulso.config.PulsoConfig;
import com.pulso.db.FreshDatabase;
import com.pulso.db.Migrations;
import com.pulso.db.Postgres;
import com.pulso.stream.ConsumerVerticle;
import com.pulso.stream.TestStreams;
import com.pulso.testing.Await;
import com.pulso.testing.ExactFigures;
import com.pulso.testing.SalesGroundTruth;
import com.pulso.testing.SalesGroundTruth.ClientDay;
import com.pulso.testing.SalesGroundTruth.Figures;
import com.pulso.testing.SalesWorkload;
import com.pulso.testing.TestServices;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
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
    try (ServerSocket socket = new ServerSocket(0)) {
      env.put(ConfigLoader.envName("cluster.port"), String.valueOf(socket.getLocalPort()));
    }
    env.put(ConfigLoader.envName("cluster.name"), "pipeline-" + unique);
    config = FreshDatabase.create(ConfigLoader.load(TestServices.home().resolve("conf"), env), true);
    Migrations.migrate(config);
    SalesWorkload.createProviders(config);

    VertxOptions options = new VertxOptions();
    vertx = await(ClusterSetup.join(config.cluster(), options, Vertx.builder()));
    clients = new AwsClients(vertx, config, new SimpleMeterRegistry());
    TestStreams.create(clients, config.aws().kinesisStream(), 2);
    await(new AwsResources(vertx, clients, config).createTableIfMissing());
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
  void everyFigureEqualsTheSqlGroundTruthAfterConcurrentSalesCorrectionsAndVoids() throws Exception {
    LocalDate firstDay = LocalDate.now(config.businessZone()).minusDays(1);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    await(vertx.deployVerticle(new ConsumerVerticle(clients, config, registry)));
    await(vertx.deployVerticle(new CaptureVerticle(config, Postgres.pool(vertx, config.database()), clients, registry)));

    SalesWorkload.run(config, firstDay, 20_000, 3, 20261129L);

    Map<ClientDay, Figures> truth = SalesGroundTruth.clientDays(config);
    assertThat(truth).as("the workload made figures to check").hasSizeGreaterThan(1_000);
    assertThat(count("SELECT count(*) FROM ventas")).as("some sales were voided").isLessThan(20_000);
    ExactFigures.awaitGroundTruth(config, clients, PROVIDERS, SalesWorkload.days(firstDay), Duration.ofSeconds(180));
  }

  private long count(String sql) throws Exception {
    try (Connection c = Postgres.connect(config.database()); Statement st = c.createStatement();
         java.sql.ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
