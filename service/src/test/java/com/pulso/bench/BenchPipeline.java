package com.pulso.bench;

import static com.pulso.testing.Await.await;

import com.pulso.aws.AwsClients;
import com.pulso.aws.AwsResources;
import com.pulso.cluster.ClusterSetup;
import com.pulso.config.ConfigLoader;
import com.pulso.config.PulsoConfig;
import com.pulso.db.FreshDatabase;
import com.pulso.db.Migrations;
import com.pulso.db.Postgres;
import com.pulso.stream.TestStreams;
import com.pulso.testing.Await;
import com.pulso.testing.PipelineMember;
import com.pulso.testing.SalesWorkload;
import com.pulso.testing.SourceSql;
import com.pulso.testing.TestServices;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Deployable;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.sqlclient.Pool;
import java.math.BigDecimal;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * What the pipeline benchmarks stand on: the test services (embedded PostgreSQL, the Kinesis and
 * DynamoDB emulators), a fresh source database with three providers, and a slot, stream and table
 * of the benchmark's own, on a one-member cluster. {@link #close()} leaves none of them behind.
 */
final class BenchPipeline implements AutoCloseable {

  private static final double[] PERCENTILES = {0.5, 0.95, 0.99, 0.999};

  private final PulsoConfig config;
  private final Vertx vertx;
  private final AwsClients clients;
  private final Pool pool;
  private final SplittableRandom random = new SplittableRandom(20261129L);

  private BenchPipeline(PulsoConfig config, Vertx vertx) {
    this.config = config;
    this.vertx = vertx;
    this.clients = new AwsClients(vertx, config, new SimpleMeterRegistry());
    this.pool = Postgres.pool(vertx, config.database());
  }

  static BenchPipeline create(int shards) throws Exception {
    TestServices.config();
    String unique = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    Map<String, String> env = new java.util.HashMap<>(PipelineMember.isolatedEnv(unique));
    try (ServerSocket socket = new ServerSocket(0)) {
      env.put(ConfigLoader.envName("cluster.port"), String.valueOf(socket.getLocalPort()));
    }
    PulsoConfig config = FreshDatabase.create(ConfigLoader.load(TestServices.home().resolve("conf"), env), true);
    Migrations.migrate(config);
    SalesWorkload.createProviders(config);
    Vertx vertx = await(ClusterSetup.join(config.cluster(), new VertxOptions(), Vertx.builder()));
    BenchPipeline pipeline = new BenchPipeline(config, vertx);
    TestStreams.create(pipeline.clients, config.aws().kinesisStream(), shards);
    await(new AwsResources(vertx, pipeline.clients, config).createTableIfMissing());
    return pipeline;
  }

  PulsoConfig config() {
    return config;
  }

  AwsClients clients() {
    return clients;
  }

  Pool pool() {
    return pool;
  }

  /** A registry whose latency timers publish exact percentiles over the whole run (not a sliding window). */
  static SimpleMeterRegistry registry() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    registry.config().meterFilter(new MeterFilter() {
      @Override
      public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
        return DistributionStatisticConfig.builder().percentiles(PERCENTILES).percentilePrecision(2)
            .expiry(Duration.ofHours(1)).bufferLength(1).build().merge(config);
      }
    });
    return registry;
  }

  String deploy(Deployable verticle) throws Exception {
    return await(vertx.deployVerticle(verticle));
  }

  void undeploy(String deployment) throws Exception {
    await(vertx.undeploy(deployment));
  }

  /** Waits until the capture bootstrapped its slot. */
  void awaitBootstrapped() throws InterruptedException {
    Await.waitUntil(() -> count("SELECT count(*) FROM pulso.capture_state WHERE slot_name = '"
        + config.capture().slotName() + "' AND bootstrapped_at IS NOT NULL") == 1, Await.LIVENESS, "capture bootstrapped");
  }

  /** Inserts {@code sales} sales of now, all in one transaction. */
  void insert(Connection c, int sales) throws Exception {
    try (PreparedStatement st = c.prepareStatement(
        "INSERT INTO ventas (cliente_id, producto, fecha, monto) VALUES (?, ?, ?, ?)")) {
      OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
      for (int i = 0; i < sales; i++) {
        st.setLong(1, 1 + random.nextInt(200));
        st.setString(2, SalesWorkload.PRODUCTS.get(random.nextInt(SalesWorkload.PRODUCTS.size())));
        st.setObject(3, now);
        st.setBigDecimal(4, BigDecimal.valueOf(random.nextLong(100, 25_000_000), 2));
        st.addBatch();
      }
      st.executeBatch();
      c.commit();
    }
  }

  /** A source connection for {@link #insert}: batched inserts rewritten to multi-row ones, commits by hand. */
  Connection writer() throws Exception {
    PulsoConfig.Database db = config.database();
    Connection c = java.sql.DriverManager.getConnection(Postgres.jdbcUrl(db) + "&reWriteBatchedInserts=true",
        db.user(), db.password());
    c.setAutoCommit(false);
    return c;
  }

  long count(String sql) {
    return SourceSql.count(config.database(), sql);
  }

  static double counter(MeterRegistry registry, String name) {
    var counter = registry.find(name).counter();
    return counter == null ? 0 : counter.count();
  }

  /** "p50 12 ms, p95 …, max …" of a timer. */
  static String percentiles(Timer timer) {
    StringBuilder out = new StringBuilder();
    for (ValueAtPercentile value : timer.takeSnapshot().percentileValues()) {
      out.append(String.format("p%s %.0f ms, ", trim(value.percentile() * 100), value.value(TimeUnit.MILLISECONDS)));
    }
    return out.append(String.format("max %.0f ms (%d samples)", timer.max(TimeUnit.MILLISECONDS), timer.count()))
        .toString();
  }

  private static String trim(double percent) {
    return percent == Math.rint(percent) ? String.valueOf((long) percent) : String.valueOf(percent);
  }

  @Override
  public void close() throws Exception {
    for (String deployment : List.copyOf(vertx.deploymentIDs())) {
      if (vertx.deploymentIDs().contains(deployment)) {
        await(vertx.undeploy(deployment));
      }
    }
    TestStreams.delete(clients, config.aws().kinesisStream());
    await(clients.call(() -> clients.dynamoDb().deleteTable(b -> b.tableName(config.aws().dynamoDbTable()))));
    clients.close();
    await(vertx.close());
    count("SELECT count(*) FROM (SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
        + " WHERE slot_name = '" + config.capture().slotName() + "') dropped");
  }
}
