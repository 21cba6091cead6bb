package com.pulso.batch;

import static com.pulso.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.pulso.aggregate.MetricKeys;
import com.pulso.aggregate.MetricsReader;
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
import com.pulso.observability.Readiness;
import com.pulso.testing.Await;
import com.pulso.testing.RealtimeFigures;
import com.pulso.testing.SalesGroundTruth;
import com.pulso.testing.SalesGroundTruth.ClientDay;
import com.pulso.testing.SalesGroundTruth.Figures;
import com.pulso.testing.SalesWorkload;
import com.pulso.testing.SourceSql;
import com.pulso.testing.TestServices;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.io.File;
import java.math.BigDecimal;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The nightly batch end to end on this machine, as {@code ./pulso} runs it: an admin asks for a run
 * of two closed days; the leader runs the glue-job module's Spark job in a child JVM on the source
 * database, uploads its reports, checks and reconciles them; the API then serves those days from the
 * reports — every figure equal to SQL's over the source.
 */
class LocalBatchTest {

  private static final String ADMIN = "local-batch-admin-key-0123456789";
  private static final List<Integer> PROVIDERS = List.of(1, 2, 3);
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private static PulsoConfig config;
  /** Where the local runner writes a run's reports and log. */
  private static Path workDir;
  private static Vertx vertx;
  private static AwsClients aws;
  private static String base;
  private static LocalDate firstDay;

  @BeforeAll
  static void sourceServerAndLeader() throws Exception {
    TestServices.config();
    Map<String, String> env = new HashMap<>(TestServices.env());
    String unique = UUID.randomUUID().toString().substring(0, 8);
    env.put(ConfigLoader.envName("aws.dynamodb.table"), "local-batch-" + unique);
    env.put(ConfigLoader.envName("aws.s3.bucket"), "local-batch-" + unique);
    env.put(ConfigLoader.envName("cluster.port"), String.valueOf(freePort()));
    env.put(ConfigLoader.envName("cluster.name"), "local-batch-" + unique);
    env.put(ConfigLoader.envName("http.host"), "127.0.0.1");
    env.put(ConfigLoader.envName("http.port"), String.valueOf(freePort()));
    env.put(ConfigLoader.ADMIN_KEY_ENV, ADMIN);
    config = FreshDatabase.create(ConfigLoader.load(TestServices.home().resolve("conf"), env), true);
    Migrations.migrate(config);
    SalesWorkload.createProviders(config);
    SourceSql.execute(config.database(), "INSERT INTO clientes (id, nombre, apellido)"
        + " SELECT g, 'Nombre' || g, 'Apellido' || g FROM generate_series(1, 200) g");
    // Two closed days of sales, corrected and voided as they came.
    firstDay = LocalDate.now(config.businessZone()).minusDays(3);
    SalesWorkload.run(config, firstDay, 5_000, 2, 20261130L);

    Path home = TestServices.home();
    workDir = home.resolve("service/target/local-batch-test");
    PulsoConfig.Batch batch = config.batch();
    config = config.withBatch(new PulsoConfig.Batch(true, batch.schedule(), "local", 0, Duration.ofMinutes(5), 0,
        Duration.ofMillis(500), Duration.ofSeconds(2), batch.glueJobName(),
        home.resolve("glue-job/target/pulso-glue-job.jar"), home.resolve("glue-job/target/job-classpath.txt"),
        home.resolve("conf/spark-jvm.options"), workDir));
    // Empty, so that what a run leaves there is seen.
    if (Files.exists(workDir)) {
      try (Stream<Path> files = Files.walk(workDir)) {
        files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
      }
    }
    vertx = await(ClusterSetup.join(config.cluster(), new VertxOptions(), Vertx.builder()));
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    aws = new AwsClients(vertx, config, registry);
    AwsResources resources = new AwsResources(vertx, aws, config);
    await(resources.createTableIfMissing());
    await(resources.createBucketIfMissing());
    Pool pool = Postgres.pool(vertx, config.database());
    ApiKeys keys = new ApiKeys(pool);
    await(keys.ensure(ADMIN, null));
    await(vertx.deployVerticle(BatchOrchestrator.of(vertx, config, pool, aws, registry)));
    await(vertx.deployVerticle(new ApiVerticle(config, pool, aws, keys, new Readiness(), registry)));
    base = "http://127.0.0.1:" + config.http().port();
  }

  @AfterAll
  static void stop() throws Exception {
    aws.close();
    await(vertx.close());
  }

  @Test
  void anAdminRunReportsTheDaysAndTheApiServesThemEqualToSql() throws Exception {
    LocalDate lastDay = firstDay.plusDays(1);
    HttpResponse<String> queued = send("POST", "/v1/admin/batch-runs?from=" + firstDay + "&to=" + lastDay);
    assertThat(queued.statusCode()).as(queued.body()).isEqualTo(202);
    String run = queued.headers().firstValue("location").orElseThrow();

    Await.waitUntil(() -> !List.of("queued", "running").contains(state(run)), Duration.ofMinutes(4),
        () -> "the run ended: " + get(run));
    JsonObject ended = new JsonObject(get(run));
    assertThat(ended.getString("state")).as("run: %s", ended).isEqualTo("succeeded");
    assertThat(ended.getString("runner")).isEqualTo("local");
    // Uploaded, its files and log are removed from the work directory.
    Await.waitUntil(() -> !Files.exists(workDir) || workDir.toFile().list().length == 0, Duration.ofSeconds(10),
        () -> "the run's local files removed: " + String.join(", ", workDir.toFile().list()));

    Map<ClientDay, Figures> truth = SalesGroundTruth.clientDays(config);
    assertThat(truth).as("the workload made figures to check").hasSizeGreaterThan(300);
    for (int provider : PROVIDERS) {
      JsonObject reports = new JsonObject(get("/v1/providers/" + provider + "/reports?from=" + firstDay + "&to="
          + lastDay));
      assertThat(reports.getJsonArray("reports")).hasSize(2);
      for (LocalDate day : List.of(firstDay, lastDay)) {
        Map<Long, Figures> expected = new TreeMap<>();
        truth.forEach((key, figures) -> {
          if (key.providerId() == provider && key.day().equals(day)) {
            expected.put(key.clientId(), figures);
          }
        });
        JsonObject daily = new JsonObject(get("/v1/providers/" + provider + "/daily-sales?date=" + day + "&limit=1000"));
        assertThat(daily.getString("source")).isEqualTo("batch");
        Map<Long, Figures> served = new TreeMap<>();
        daily.getJsonArray("clients").forEach(c -> {
          JsonObject client = (JsonObject) c;
          served.put(client.getLong("clientId"), new Figures(client.getLong("transactions"),
              new BigDecimal(client.getString("totalAmount"))));
        });
        assertThat(served).as("provider %s's %s from its report", provider, day).isEqualTo(expected);
      }
    }
    // Reconciled: with no real-time figures for those days, they were set to the reports'.
    MetricsReader reader = new MetricsReader(aws, config.aws().dynamoDbTable(), new MetricKeys(config.businessZone()));
    assertThat(RealtimeFigures.clientDays(reader, PROVIDERS, List.of(firstDay, lastDay))).isEqualTo(truth);
  }

  private static String state(String run) {
    return new JsonObject(get(run)).getString("state");
  }

  private static String get(String path) {
    try {
      HttpResponse<String> response = send("GET", path);
      assertThat(response.statusCode()).as("GET %s: %s", path, response.body()).isEqualTo(200);
      return response.body();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static HttpResponse<String> send(String method, String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).header(ApiKeys.HEADER, ADMIN)
        .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
