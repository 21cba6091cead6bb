package com.pulso.bench;

import static com.pulso.testing.Await.await;

import com.pulso.aggregate.BaselineFigure;
import com.pulso.aggregate.BaselineWriter;
import com.pulso.aggregate.MetricItem.ClientDay;
import com.pulso.aggregate.MetricKeys;
import com.pulso.api.ApiKeys;
import com.pulso.api.ApiVerticle;
import com.pulso.aws.AwsClients;
import com.pulso.aws.AwsResources;
import com.pulso.cluster.ClusterSetup;
import com.pulso.config.ConfigLoader;
import com.pulso.config.PulsoConfig;
import com.pulso.db.FreshDatabase;
import com.pulso.db.Migrations;
import com.pulso.db.Postgres;
import com.pulso.observability.Metrics;
import com.pulso.sales.Lsn;
import com.pulso.observability.Readiness;
import com.pulso.testing.SalesWorkload;
import com.pulso.testing.TestServices;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.sqlclient.Pool;
import java.math.BigDecimal;
import java.net.ServerSocket;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * What the API benchmark stands on: the test services, a fresh source database with the providers
 * and {@link #CLIENTS} named clients, a DynamoDB table of its own holding provider
 * {@link #PROVIDER}'s {@link #closedDay()} per client, and one {@link ApiVerticle} on a one-member
 * cluster whose Vert.x is instrumented as {@code Main}'s; beside it, on a plain Vert.x of its own,
 * the baseline: one verticle answering a fixed JSON body on {@code GET /}, and on {@code GET /page}
 * a fixed copy of the cached page ({@link #trivialPage}). {@link #close()} leaves
 * none of it behind.
 */
final class BenchApi implements AutoCloseable {

  static final int PROVIDER = 1;
  static final int CLIENTS = 150;
  /** The highest {@code api.rateLimitPerMinute} the configuration accepts; with a key per run it never refuses. */
  static final int RATE_LIMIT_PER_MINUTE = 1_000_000;
  private static final Buffer TRIVIAL_BODY = Buffer.buffer("{\"status\":\"UP\"}");
  /** What the baseline answers on {@code /page}: set once the cached page is known. */
  private static final AtomicReference<Buffer> TRIVIAL_PAGE = new AtomicReference<>(Buffer.buffer());

  private final PulsoConfig config;
  private final Metrics metrics;
  private final Vertx vertx;
  private final Vertx baseline;
  private final AwsClients aws;
  private final Pool pool;
  private final ApiKeys keys;
  private final LocalDate closedDay;
  private final int apiPort;
  private final int trivialPort;

  private BenchApi(PulsoConfig config, Metrics metrics, Vertx vertx, Vertx baseline, AwsClients aws, Pool pool,
                   LocalDate closedDay, int apiPort, int trivialPort) {
    this.config = config;
    this.metrics = metrics;
    this.vertx = vertx;
    this.baseline = baseline;
    this.aws = aws;
    this.pool = pool;
    this.keys = new ApiKeys(pool);
    this.closedDay = closedDay;
    this.apiPort = apiPort;
    this.trivialPort = trivialPort;
  }

  static BenchApi start() throws Exception {
    TestServices.config();
    String unique = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    Map<String, String> env = new HashMap<>(TestServices.env());
    int clusterPort = freePort();
    env.put(ConfigLoader.envName("aws.dynamodb.table"), "api-bench-" + unique);
    env.put(ConfigLoader.envName("cluster.name"), "api-bench-" + unique);
    env.put(ConfigLoader.envName("cluster.port"), String.valueOf(clusterPort));
    env.put(ConfigLoader.envName("cluster.members"), "127.0.0.1:" + clusterPort);
    env.put(ConfigLoader.envName("http.host"), "127.0.0.1");
    env.put(ConfigLoader.envName("api.rateLimitPerMinute"), String.valueOf(RATE_LIMIT_PER_MINUTE));
    PulsoConfig config = FreshDatabase.create(ConfigLoader.load(TestServices.home().resolve("conf"), env), true);
    Migrations.migrate(config);
    SalesWorkload.createProviders(config);
    nameClients(config);

    Metrics metrics = new Metrics();
    VertxOptions options = new VertxOptions();
    Vertx vertx = await(ClusterSetup.join(config.cluster(), options, metrics.instrument(Vertx.builder(), options)));
    AwsClients aws = new AwsClients(vertx, config, metrics.registry());
    await(new AwsResources(vertx, aws, config).createTableIfMissing());
    // Well before yesterday: a closed day, cached for FiguresCache.CLOSED_DAY.
    LocalDate closedDay = LocalDate.now(config.businessZone()).minusDays(30);
    BaselineWriter figures = new BaselineWriter(vertx, aws, config.aws().dynamoDbTable(),
        new MetricKeys(config.businessZone()), config.aggregate().minuteRetention(), metrics.registry());
    await(figures.write(clientTotals(closedDay)));
    // As a finished bootstrap leaves the table: the API serves real-time figures only under its marker.
    await(figures.markBootstrapped(config.capture().slotName(), Lsn.ZERO));

    Pool pool = Postgres.pool(vertx, config.database());
    // Free ports taken last: chosen earlier, the cluster's connections could take them meanwhile.
    int apiPort = freePort();
    env.put(ConfigLoader.envName("http.port"), String.valueOf(apiPort));
    PulsoConfig served = ConfigLoader.load(TestServices.home().resolve("conf"), env).withDatabase(config.database());
    Vertx baseline = Vertx.vertx();
    BenchApi bench = new BenchApi(served, metrics, vertx, baseline, aws, pool, closedDay, apiPort, freePort());
    // One instance, as Main deploys it.
    await(vertx.deployVerticle(new ApiVerticle(served, pool, aws, bench.keys, new Readiness(), metrics.registry())));
    await(baseline.deployVerticle(new TrivialRoute(bench.trivialPort)));
    return bench;
  }

  /** The baseline: what a bare Vert.x route answers on this machine. */
  private static final class TrivialRoute extends VerticleBase {
    private final int port;

    TrivialRoute(int port) {
      this.port = port;
    }

    @Override
    public Future<?> start() {
      Router router = Router.router(vertx);
      router.get("/").handler(ctx -> ctx.response().putHeader("content-type", "application/json").end(TRIVIAL_BODY));
      router.get("/page").handler(ctx -> ctx.response().putHeader("content-type", "application/json")
          .end(TRIVIAL_PAGE.get()));
      return vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port))
          .requestHandler(router).listen();
    }
  }

  private static void nameClients(PulsoConfig config) throws Exception {
    try (Connection c = Postgres.connect(config.database());
         PreparedStatement st = c.prepareStatement("INSERT INTO clientes (id, nombre, apellido) VALUES (?, ?, ?)")) {
      for (long client = 1; client <= CLIENTS; client++) {
        st.setLong(1, client);
        st.setString(2, "Nombre" + client);
        st.setString(3, "Apellido" + client);
        st.addBatch();
      }
      st.executeBatch();
    }
  }

  /** Every client's day: a few to a few dozen sales, exact amounts with cents. */
  private static List<BaselineFigure> clientTotals(LocalDate day) {
    SplittableRandom random = new SplittableRandom(20261129L);
    List<BaselineFigure> figures = new ArrayList<>();
    for (long client = 1; client <= CLIENTS; client++) {
      figures.add(new BaselineFigure(new ClientDay(PROVIDER, day, client), random.nextLong(1, 40),
          BigDecimal.valueOf(random.nextLong(1_000, 250_000_000), 2)));
    }
    return figures;
  }

  LocalDate closedDay() {
    return closedDay;
  }

  URI trivial() {
    return URI.create("http://127.0.0.1:" + trivialPort + "/");
  }

  /** The baseline's route answering {@code page}, byte for byte: what the bytes on the wire cost alone. */
  URI trivialPage(String page) {
    TRIVIAL_PAGE.set(Buffer.buffer(page));
    return URI.create("http://127.0.0.1:" + trivialPort + "/page");
  }

  URI api(String pathAndQuery) {
    return URI.create("http://127.0.0.1:" + apiPort + pathAndQuery);
  }

  /** A new key of {@link #PROVIDER}: a run of its own is counted in a rate-limit window of its own. */
  String newProviderKey() throws Exception {
    return await(keys.create(PROVIDER)).key();
  }

  /** Figures read from DynamoDB by the API's cache so far. */
  long cacheLoads() {
    return metrics.registry().get("pulso.api.cache.loads").timer().count();
  }

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  @Override
  public void close() throws Exception {
    for (String deployment : List.copyOf(vertx.deploymentIDs())) {
      await(vertx.undeploy(deployment));
    }
    await(baseline.close());
    await(aws.call(() -> aws.dynamoDb().deleteTable(b -> b.tableName(config.aws().dynamoDbTable()))));
    aws.close();
    await(pool.close());
    await(vertx.close());
    try (Connection c = Postgres.connect(TestServices.config().database()); Statement st = c.createStatement()) {
      st.execute("DROP DATABASE IF EXISTS " + config.database().name() + " WITH (FORCE)");
    }
  }
}
