package com.pulso.testing;

import static com.pulso.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.pulso.aws.AwsClients;
import com.pulso.config.ConfigLoader;
import com.pulso.config.PulsoConfig;
import com.pulso.db.FreshDatabase;
import com.pulso.db.Migrations;
import com.pulso.stream.TestStreams;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The real-time pipeline of a whole server JVM ({@code ./pulso}, profile {@code aws}) pointed at
 * this test JVM's shared PostgreSQL and emulators as if they were RDS and AWS: a fresh source
 * database with three providers, and a capture slot, publication, stream and table of its own. The
 * services outlive the server's JVM, so a test may kill it. {@link #close()} leaves nothing behind
 * that would block a later test: the slot (a slot blocks its database's drop), the stream and the table.
 */
public final class ServerPipeline implements AutoCloseable {

  public static final List<Integer> PROVIDERS = List.of(1, 2, 3);
  private static final Duration STOPPED_SLOT_RELEASE = Duration.ofSeconds(60);

  private final PulsoConfig config;
  private final Vertx vertx;
  private final AwsClients clients;
  /** The servers started, in order; they form one cluster when told each other's addresses. */
  private final List<ServerJvm> servers = new java.util.ArrayList<>();

  private ServerPipeline(PulsoConfig config) {
    this.config = config;
    this.vertx = Vertx.vertx();
    this.clients = new AwsClients(vertx, config, new SimpleMeterRegistry());
  }

  /**
   * A fresh, migrated source database with the providers, and unique slot, publication, stream, table
   * and bucket names (the test services' S3 keeps its objects across runs: a report of another run's
   * day would be served for this one's).
   */
  public static ServerPipeline create() throws Exception {
    TestServices.config();
    String unique = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    Map<String, String> env = new HashMap<>(TestServices.env());
    env.put(ConfigLoader.envName("capture.slotName"), "slot_" + unique);
    env.put(ConfigLoader.envName("capture.publicationName"), "pub_" + unique);
    env.put(ConfigLoader.envName("aws.kinesis.stream"), "server-pipeline-" + unique);
    env.put(ConfigLoader.envName("aws.dynamodb.table"), "server-pipeline-" + unique);
    env.put(ConfigLoader.envName("aws.s3.bucket"), "server-pipeline-" + unique);
    // Dev services on for the migration only: it then creates the source tables, as the company's would be.
    PulsoConfig config = FreshDatabase.create(ConfigLoader.load(TestServices.home().resolve("conf"), env), true);
    Migrations.migrate(config);
    SalesWorkload.createProviders(config);
    return new ServerPipeline(config);
  }

  /** The source database and resource names, as the server sees them. */
  public PulsoConfig config() {
    return config;
  }

  /**
   * Starts the server JVM on its own ports, with {@code extraEnv} on top (e.g. {@code JAVA_OPTS}),
   * and waits until it is ready; it creates the stream and the table.
   */
  public ServerJvm startServer(Path log, int httpPort, int clusterPort, Map<String, String> extraEnv) throws Exception {
    return started(ServerJvm.start(serverEnv(httpPort, clusterPort, extraEnv), log));
  }

  /**
   * The same in test host {@code host} of {@code hosts}: {@code extraEnv} must point it at the services
   * where that host reaches them (relays on {@link TestHosts#GATEWAY}).
   */
  public ServerJvm startServer(Path log, int httpPort, int clusterPort, Map<String, String> extraEnv, TestHosts hosts,
                               int host) throws Exception {
    return started(ServerJvm.start(serverEnv(httpPort, clusterPort, extraEnv), log, hosts, host));
  }

  private ServerJvm started(ServerJvm server) throws InterruptedException {
    servers.add(server);
    server.awaitReady(Duration.ofSeconds(180));
    return server;
  }

  private Map<String, String> serverEnv(int httpPort, int clusterPort, Map<String, String> extraEnv) {
    PulsoConfig.Database db = config.database();
    Map<String, String> env = new HashMap<>();
    env.put("PULSO_PROFILE", "aws");
    env.put("PULSO_HTTP_PORT", String.valueOf(httpPort));
    env.putAll(ClusterCredentials.env());
    env.put("PULSO_HTTP_PRE_STOP_SECONDS", "0");
    env.put("PULSO_CLUSTER_PORT", String.valueOf(clusterPort));
    env.put("PULSO_CLUSTER_NAME", "server-pipeline-" + clusterPort);
    env.put("PULSO_DATABASE_HOST", db.host());
    env.put("PULSO_DATABASE_PORT", String.valueOf(db.port()));
    env.put("PULSO_DATABASE_NAME", db.name());
    env.put("PULSO_DATABASE_USER", db.user());
    env.put("PULSO_DATABASE_SSL_MODE", "disable");
    env.put("PULSO_AWS_MANAGE_RESOURCES", "true");
    env.put("PULSO_AWS_ENDPOINTS_KINESIS", config.aws().kinesisEndpoint().toString());
    env.put("PULSO_AWS_ENDPOINTS_DYNAMODB", config.aws().dynamoDbEndpoint().toString());
    env.put("PULSO_AWS_ENDPOINTS_S3", config.aws().s3Endpoint().toString());
    env.put(ConfigLoader.envName("capture.slotName"), config.capture().slotName());
    env.put(ConfigLoader.envName("capture.publicationName"), config.capture().publicationName());
    env.put(ConfigLoader.envName("aws.kinesis.stream"), config.aws().kinesisStream());
    env.put(ConfigLoader.envName("aws.dynamodb.table"), config.aws().dynamoDbTable());
    env.put(ConfigLoader.envName("aws.s3.bucket"), config.aws().s3Bucket());
    env.putAll(extraEnv);
    return env;
  }

  /** Waits until the capture bootstrapped its slot: from then on it streams changes. */
  public void awaitCaptureStreaming() throws InterruptedException {
    Await.waitUntil(() -> {
      for (ServerJvm server : servers) {
        assertThat(server.isAlive()).as("server alive; log:%n%s", server.tail()).isTrue();
      }
      return count("SELECT count(*) FROM pulso.capture_state WHERE slot_name = '" + config.capture().slotName()
          + "' AND bootstrapped_at IS NOT NULL") == 1;
    }, Duration.ofSeconds(120), () -> "capture slot bootstrapped; log:\n" + servers.get(0).tail());
  }

  /**
   * Waits (bounded: liveness, not speed) until every DynamoDB provider × client × day figure of
   * {@code days} equals the SQL ground truth to the cent, then checks the provider × day totals.
   */
  public void awaitFiguresEqualGroundTruth(List<LocalDate> days, Duration bound) throws Exception {
    ExactFigures.awaitGroundTruth(config, clients, PROVIDERS, days, bound);
  }

  public long count(String sql) {
    return SourceSql.count(config.database(), sql);
  }

  /** Stops the servers (SIGTERM), then drops the slot once released, and deletes the stream and the table. */
  @Override
  public void close() throws Exception {
    try {
      for (ServerJvm server : servers) {
        try {
          if (server.isAlive()) {
            server.stop();
          }
        } finally {
          server.close();
        }
      }
      String slot = config.capture().slotName();
      // A killed server's backend may still hold the slot for a moment.
      Await.waitUntil(() -> count("SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + slot
          + "' AND active") == 0, STOPPED_SLOT_RELEASE, "slot " + slot + " released");
      count("SELECT count(*) FROM (SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
          + " WHERE slot_name = '" + slot + "') dropped");
      if (!servers.isEmpty()) {
        TestStreams.delete(clients, config.aws().kinesisStream());
        await(clients.call(() -> clients.dynamoDb().deleteTable(b -> b.tableName(config.aws().dynamoDbTable()))));
      }
    } finally {
      clients.close();
      await(vertx.close());
    }
  }
}
