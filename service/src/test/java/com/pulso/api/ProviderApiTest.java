package com.pulso.api;

import static com.pulso.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.pulso.aggregate.BaselineFigure;
import com.pulso.aggregate.BaselineWriter;
import com.pulso.aggregate.MetricItem.ClientDay;
import com.pulso.aggregate.MetricItem.ProductMinute;
import com.pulso.aggregate.MetricKeys;
import com.pulso.aggregate.MetricsChanged;
import com.pulso.aws.AwsClients;
import com.pulso.aws.AwsResources;
import com.pulso.batch.ReportManifest;
import com.pulso.batch.ReportManifest.ReportFile;
import com.pulso.batch.ReportStore;
import com.pulso.batch.ReportsReady;
import com.pulso.cluster.ClusterSetup;
import com.pulso.config.ConfigLoader;
import com.pulso.config.PulsoConfig;
import com.pulso.db.FreshDatabase;
import com.pulso.db.Migrations;
import com.pulso.db.Postgres;
import com.pulso.observability.Readiness;
import com.pulso.report.ReportLayout;
import com.pulso.stream.MetricsEvent;
import com.pulso.sales.Lsn;
import com.pulso.stream.BootstrapGate;
import com.pulso.testing.Await;
import com.pulso.testing.SalesWorkload;
import com.pulso.testing.SourceSql;
import com.pulso.testing.TestReports;
import com.pulso.testing.TestServices;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SelfSignedCertificate;
import io.vertx.ext.web.Route;
import io.vertx.sqlclient.Pool;
import java.math.BigDecimal;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;

import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The provider API on a real server (HTTP, embedded PostgreSQL, the DynamoDB emulator): keys,
 * isolation between providers, daily sales with the clients' names, and bad input answered as
 * problems naming what is wrong.
 */
class ProviderApiTest {

  private static final String ADMIN = "test-admin-key-0123456789";
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private static Vertx vertx;
  private static ApiVerticle api;
  private static final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private static List<Integer> clusterPorts;
  private static int httpPort;
  private static BaselineWriter writer;
  private static AwsClients aws;
  private static Pool pool;
  private static PulsoConfig config;
  private static String base;
  private static String providerOneKey;
  private static final LocalDate DAY = LocalDate.of(2026, 11, 28);
  /** A closed day that gets a nightly report (only the report test reads it). */
  private static final LocalDate REPORT_DAY = DAY.minusDays(5);
  private static final String BUCKET = "api-" + UUID.randomUUID().toString().substring(0, 8);
  private static LocalDate today;
  private static LocalDateTime recentMinute;

  @BeforeAll
  static void serverWithFigures() throws Exception {
    TestServices.config();
    Map<String, String> env = new java.util.HashMap<>(TestServices.env());
    env.put(ConfigLoader.envName("aws.dynamodb.table"), "api-" + UUID.randomUUID());
    env.put(ConfigLoader.envName("aws.s3.bucket"), BUCKET);
    env.put(ConfigLoader.envName("http.host"), "127.0.0.1");
    env.put(ConfigLoader.envName("api.rateLimitPerMinute"), "100000"); // RateLimiterTest tests the limit
    env.put(ConfigLoader.ADMIN_KEY_ENV, ADMIN);
    // The API's L2 cache is the cluster's: a cluster of its own, with room for a second member.
    clusterPorts = List.of(freePort(), freePort());
    env.put(ConfigLoader.envName("cluster.port"), String.valueOf(clusterPorts.get(0)));
    env.put(ConfigLoader.envName("cluster.members"), "127.0.0.1:" + clusterPorts.get(0) + ",127.0.0.1:"
        + clusterPorts.get(1));
    env.put(ConfigLoader.envName("cluster.name"), "api-" + UUID.randomUUID());
    config = FreshDatabase.create(ConfigLoader.load(TestServices.home().resolve("conf"), env), true);
    Migrations.migrate(config);
    SalesWorkload.createProviders(config);
    try (Connection c = Postgres.connect(config.database()); Statement st = c.createStatement()) {
      st.execute("INSERT INTO clientes (id, nombre, apellido) SELECT g, 'Nombre' || g, 'Apellido' || g"
          + " FROM generate_series(1, 10) g");
    }
    vertx = await(ClusterSetup.join(config.cluster(), new VertxOptions(), Vertx.builder()));
    aws = new AwsClients(vertx, config, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    await(new AwsResources(vertx, aws, config).createTableIfMissing());
    await(new AwsResources(vertx, aws, config).createBucketIfMissing());
    MetricKeys keys = new MetricKeys(config.businessZone());
    writer = new BaselineWriter(vertx, aws, config.aws().dynamoDbTable(), keys,
        config.aggregate().minuteRetention(), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    List<BaselineFigure> figures = new ArrayList<>();
    for (long client = 1; client <= 5; client++) {
      figures.add(new BaselineFigure(new ClientDay(1, DAY, client), client, new BigDecimal(client + "00.05")));
    }
    figures.add(new BaselineFigure(new ClientDay(2, DAY, 7), 3, new BigDecimal("999.99")));
    // Per product within client-day items, for the summary (provider 1's client totals above are not made of these).
    figures.add(new BaselineFigure(new ClientDay(1, DAY, 1), "LAC-001", 2, new BigDecimal("10.01")));
    figures.add(new BaselineFigure(new ClientDay(1, DAY, 1), "LAC-002", 1, new BigDecimal("5.00")));
    figures.add(new BaselineFigure(new ClientDay(1, DAY, 2), "LAC-001", 1, new BigDecimal("3.33")));
    figures.add(new BaselineFigure(new ClientDay(1, DAY.minusDays(1), 2), "LAC-001", 1, new BigDecimal("1.00")));
    figures.add(new BaselineFigure(new ClientDay(1, DAY.minusDays(1), 3), "OLD-009", 1, new BigDecimal("2.00")));
    figures.add(new BaselineFigure(new ClientDay(2, DAY, 7), "CAF-001", 3, new BigDecimal("999.99")));
    figures.add(new BaselineFigure(new ClientDay(1, DAY.minusDays(1), 1), 2, new BigDecimal("10.00")));
    figures.add(new BaselineFigure(new ClientDay(1, DAY.minusDays(1), 6), 1, new BigDecimal("999.00")));
    figures.add(new BaselineFigure(new ClientDay(1, REPORT_DAY, 9), 1, new BigDecimal("1.00")));
    // Today's total and two minutes of the last hour, as the bootstrap or the stream would leave them.
    today = LocalDate.now(config.businessZone());
    recentMinute = LocalDateTime.now(config.businessZone()).truncatedTo(ChronoUnit.MINUTES).minusMinutes(5);
    figures.add(new BaselineFigure(keys.bootstrapDayTotal(1, today), 7, new BigDecimal("321.50")));
    figures.add(new BaselineFigure(new ProductMinute(1, recentMinute, "LAC-001"), 2, new BigDecimal("20.50")));
    figures.add(new BaselineFigure(new ProductMinute(1, recentMinute.minusHours(3), "LAC-001"), 9, new BigDecimal("9.00")));
    await(writer.write(figures));
    // As a finished bootstrap leaves the table: the API serves real-time figures only under its marker.
    await(writer.markBootstrapped(config.capture().slotName(), Lsn.ZERO));

    pool = Postgres.pool(vertx, config.database());
    ApiKeys apiKeys = new ApiKeys(pool);
    await(apiKeys.ensure(ADMIN, null));
    // A free port taken last: chosen earlier, the cluster's connections could take it meanwhile.
    httpPort = freePort();
    env.put(ConfigLoader.envName("http.port"), String.valueOf(httpPort));
    PulsoConfig served = ConfigLoader.load(TestServices.home().resolve("conf"), env).withDatabase(config.database());
    api = new ApiVerticle(served, pool, aws, apiKeys, new Readiness(), registry);
    await(vertx.deployVerticle(api));
    base = "http://127.0.0.1:" + httpPort;

    HttpResponse<String> created = send("POST", "/v1/admin/providers/1/api-keys", ADMIN);
    assertThat(created.statusCode()).isEqualTo(201);
    providerOneKey = new JsonObject(created.body()).getString("key");
  }

  @AfterAll
  static void stop() throws Exception {
    aws.close();
    await(vertx.close());
  }

  @Test
  void aProviderReadsItsDailySalesPerClientWithNamesAndExactAmounts() throws Exception {
    HttpResponse<String> response = get("/v1/providers/1/daily-sales?date=" + DAY, providerOneKey);

    assertThat(response.statusCode()).isEqualTo(200);
    JsonObject body = new JsonObject(response.body());
    assertThat(body.getInteger("providerId")).isEqualTo(1);
    assertThat(body.getString("date")).isEqualTo("2026-11-28");
    assertThat(body.getString("source")).isEqualTo("realtime");
    assertThat(body.getString("asOf")).isNotBlank();
    JsonArray clients = body.getJsonArray("clients");
    assertThat(clients).hasSize(5);
    JsonObject third = clients.getJsonObject(2);
    assertThat(third.getLong("clientId")).isEqualTo(3);
    assertThat(third.getString("firstName")).isEqualTo("Nombre3");
    assertThat(third.getString("lastName")).isEqualTo("Apellido3");
    assertThat(third.getLong("transactions")).isEqualTo(3);
    assertThat(third.getString("totalAmount")).isEqualTo("300.05");
    assertThat(body.getValue("nextCursor")).isNull();
  }

  @Test
  void everyAnswerIsTimedByItsRouteTemplateMethodAndStatus() throws Exception {
    String dailySales = "/v1/providers/:providerId/daily-sales";
    long answered = answers(dailySales, "200");
    long refused = answers("other", "403");

    assertThat(get("/v1/providers/1/daily-sales?date=" + DAY, providerOneKey).statusCode()).isEqualTo(200);
    assertThat(get("/v1/providers/2/daily-sales?date=" + DAY, providerOneKey).statusCode()).isEqualTo(403);

    // Timed when the answer has ended, which may be just after the client read it.
    Await.waitUntil(() -> answers(dailySales, "200") == answered + 1 && answers("other", "403") == refused + 1,
        Duration.ofSeconds(5), "both answers timed");
    assertThat(registry.find("pulso.api.requests").tag("route", "/v1/providers/1/daily-sales").timers()).isEmpty();
  }

  @Test
  void methodsOutsideHttpsUsualOnesAreTimedAsOneSeries() throws Exception {
    for (int i = 1; i <= 20; i++) {
      HTTP.send(HttpRequest.newBuilder(URI.create(base + "/v1/providers/1/summary")).method("X" + i,
          HttpRequest.BodyPublishers.noBody()).header(ApiKeys.HEADER, providerOneKey).build(),
          HttpResponse.BodyHandlers.ofString());
    }

    Await.waitUntil(() -> registry.find("pulso.api.requests").tag("method", "other").timers().stream()
        .mapToLong(timer -> timer.count()).sum() >= 20, Duration.ofSeconds(5), "the 20 answers timed as method=other");
    assertThat(registry.find("pulso.api.requests").timers()).extracting(timer -> timer.getId().getTag("method"))
        .doesNotContain("X1", "X20");
  }

  @Test
  void whileABootstrapBuildsTheFiguresNoneIsServedFromThem() throws Exception {
    String slot = config.capture().slotName();
    // A day no other test reads: nothing of it is cached.
    String path = "/v1/providers/1/daily-sales?date=" + DAY.minusDays(9);
    await(writer.unmarkBootstrapped(slot));
    vertx.eventBus().publish(BootstrapGate.ADDRESS, slot);
    try {
      Await.waitUntil(() -> status(path) == 503, Duration.ofSeconds(5), "no figures while the bootstrap runs");
      assertProblem(get(path, providerOneKey), 503, "bootstrap");
    } finally {
      await(writer.markBootstrapped(slot, Lsn.ZERO));
      vertx.eventBus().publish(BootstrapGate.ADDRESS, slot);
    }
    Await.waitUntil(() -> status(path) == 200, Duration.ofSeconds(5), "figures served once it has finished");
  }

  @Test
  void pagesFollowTheCursorAndOneClientCanBeAskedFor() throws Exception {
    JsonObject first = new JsonObject(get("/v1/providers/1/daily-sales?date=" + DAY + "&limit=2", providerOneKey).body());
    assertThat(first.getJsonArray("clients")).extracting(c -> ((JsonObject) c).getLong("clientId")).containsExactly(1L, 2L);
    String cursor = first.getString("nextCursor");
    JsonObject second = new JsonObject(get("/v1/providers/1/daily-sales?date=" + DAY + "&limit=2&cursor=" + cursor,
        providerOneKey).body());
    assertThat(second.getJsonArray("clients")).extracting(c -> ((JsonObject) c).getLong("clientId")).containsExactly(3L, 4L);
    JsonObject one = new JsonObject(get("/v1/providers/1/daily-sales?date=" + DAY + "&clientId=5", providerOneKey).body());
    assertThat(one.getJsonArray("clients")).extracting(c -> ((JsonObject) c).getString("totalAmount")).containsExactly("500.05");
  }

  @Test
  void aRangeGivesEachDaysTotalsAndClients() throws Exception {
    JsonObject body = new JsonObject(get("/v1/providers/1/daily-sales?from=" + DAY.minusDays(2) + "&to=" + DAY,
        providerOneKey).body());

    assertThat(body.getString("from")).isEqualTo("2026-11-26");
    assertThat(body.getString("to")).isEqualTo("2026-11-28");
    assertThat(body.getJsonArray("days").getList()).containsExactly(
        Map.of("date", "2026-11-26", "source", "realtime", "transactions", 0, "totalAmount", "0.00", "clients", 0),
        Map.of("date", "2026-11-27", "source", "realtime", "transactions", 3, "totalAmount", "1009.00", "clients", 2),
        Map.of("date", "2026-11-28", "source", "realtime", "transactions", 15, "totalAmount", "1500.25", "clients", 5));
  }

  @Test
  void oneClientsDaysAndTheTopClientsOfARange() throws Exception {
    JsonObject client = new JsonObject(get("/v1/providers/1/clients/1/daily-sales?from=" + DAY.minusDays(1) + "&to="
        + DAY, providerOneKey).body());
    assertThat(client.getString("firstName")).isEqualTo("Nombre1");
    assertThat(client.getJsonArray("days").getList()).containsExactly(
        Map.of("date", "2026-11-27", "source", "realtime", "transactions", 2, "totalAmount", "10.00"),
        Map.of("date", "2026-11-28", "source", "realtime", "transactions", 1, "totalAmount", "100.05"));

    JsonObject top = new JsonObject(get("/v1/providers/1/top-clients?from=" + DAY.minusDays(1) + "&to=" + DAY
        + "&limit=3", providerOneKey).body());
    assertThat(top.getJsonArray("clients")).extracting(c -> ((JsonObject) c).getLong("clientId")
        + " " + ((JsonObject) c).getString("totalAmount")).containsExactly("6 999.00", "5 500.05", "4 400.05");
    assertThat(top.getJsonArray("clients").getJsonObject(0).getString("lastName")).isEqualTo("Apellido6");

    assertProblem(get("/v1/providers/1/clients/999/daily-sales?from=" + DAY + "&to=" + DAY, providerOneKey), 404,
        "client 999");
  }

  @Test
  void aProviderLearnsNothingOfAClientWithoutItsSalesInTheRange() throws Exception {
    // Client 7 bought provider 2's products that day, client 8 nobody's, client 999 does not exist:
    // provider 1 gets the same answer for the three, with no name.
    String range = "?from=" + DAY + "&to=" + DAY;
    HttpResponse<String> otherProvidersClient = get("/v1/providers/1/clients/7/daily-sales" + range, providerOneKey);
    HttpResponse<String> clientWithoutSales = get("/v1/providers/1/clients/8/daily-sales" + range, providerOneKey);
    HttpResponse<String> noSuchClient = get("/v1/providers/1/clients/999/daily-sales" + range, providerOneKey);

    for (HttpResponse<String> response : List.of(otherProvidersClient, clientWithoutSales, noSuchClient)) {
      assertThat(response.statusCode()).isEqualTo(404);
      assertThat(response.body()).doesNotContain("Nombre").doesNotContain("Apellido");
    }
    assertThat(withoutId(otherProvidersClient, 7)).isEqualTo(withoutId(clientWithoutSales, 8))
        .isEqualTo(withoutId(noSuchClient, 999));
    // Provider 2, whose client 7 is, reads its name; provider 1 reads client 6's only in a range with its sales.
    assertThat(new JsonObject(get("/v1/providers/2/clients/7/daily-sales" + range, ADMIN).body()).getString("firstName"))
        .isEqualTo("Nombre7");
    assertThat(get("/v1/providers/1/clients/6/daily-sales" + range, providerOneKey).statusCode()).isEqualTo(404);
    assertThat(new JsonObject(get("/v1/providers/1/clients/6/daily-sales?from=" + DAY.minusDays(1) + "&to=" + DAY,
        providerOneKey).body()).getString("lastName")).isEqualTo("Apellido6");
  }

  @Test
  void realtimeGivesTodaysTotalAndTheLastHourPerMinuteForEveryProduct() throws Exception {
    JsonObject body = new JsonObject(get("/v1/providers/1/realtime", providerOneKey).body());

    assertThat(body.getString("date")).isEqualTo(today.toString());
    assertThat(body.getJsonObject("today").getMap()).isEqualTo(Map.of("transactions", 7, "totalAmount", "321.50"));
    JsonArray products = body.getJsonArray("products");
    assertThat(products).extracting(p -> ((JsonObject) p).getString("productCode")).containsExactly("LAC-001", "LAC-002");
    for (Object product : products) {
      JsonArray minutes = ((JsonObject) product).getJsonArray("minutes");
      assertThat(minutes).hasSize(RealtimeRoute.MINUTES);
      assertThat(LocalDateTime.parse(minutes.getJsonObject(59).getString("minute"))).isAfter(recentMinute);
    }
    Map<String, Object> sold = new java.util.HashMap<>();
    products.getJsonObject(0).getJsonArray("minutes").forEach(point -> {
      JsonObject minute = (JsonObject) point;
      if (minute.getLong("transactions") != 0) {
        sold.put(minute.getString("minute"), minute.getLong("transactions") + " " + minute.getString("totalAmount"));
      }
    });
    assertThat(sold).as("only the recent minute; three hours ago is out of the window")
        .isEqualTo(Map.of(recentMinute.toString(), "2 20.50"));
    assertProblem(get("/v1/providers/2/realtime", providerOneKey), 403, "provider 1 only");
  }

  @Test
  void theSummaryGivesTotalsAverageTicketAndActiveClientsOverallAndPerProduct() throws Exception {
    JsonObject day = new JsonObject(get("/v1/providers/1/summary?from=" + DAY + "&to=" + DAY, providerOneKey).body());
    // 18.34 / 4 = 4.585 and 13.34 / 3 = 4.4466…: half-up to the cent.
    assertThat(day.copy().put("products", null)).isEqualTo(new JsonObject().put("providerId", 1)
        .put("from", DAY.toString()).put("to", DAY.toString()).put("transactions", 4).put("totalAmount", "18.34")
        .put("averageTicket", "4.59").put("activeClients", 2).put("products", null));
    assertThat(day.getJsonArray("products")).containsExactly(
        summary("LAC-001", 3, "13.34", "4.45", 2),
        summary("LAC-002", 1, "5.00", "5.00", 1));

    // Over two days a client counts once; a product no longer the provider's still shows what it sold.
    JsonObject range = new JsonObject(get("/v1/providers/1/summary?from=" + DAY.minusDays(1) + "&to=" + DAY,
        providerOneKey).body());
    assertThat(range.getString("totalAmount")).isEqualTo("21.34");
    assertThat(range.getInteger("activeClients")).isEqualTo(3);
    assertThat(range.getJsonArray("products")).containsExactly(
        summary("LAC-001", 4, "14.34", "3.59", 2),
        summary("LAC-002", 1, "5.00", "5.00", 1),
        summary("OLD-009", 1, "2.00", "2.00", 1));

    // A range without sales: zeros, every product listed.
    JsonObject empty = new JsonObject(get("/v1/providers/1/summary?from=2025-01-01&to=2025-01-31", providerOneKey).body());
    assertThat(empty.getString("averageTicket")).isEqualTo("0.00");
    assertThat(empty.getJsonArray("products")).containsExactly(
        summary("LAC-001", 0, "0.00", "0.00", 0),
        summary("LAC-002", 0, "0.00", "0.00", 0));
    assertProblem(get("/v1/providers/1/summary?from=" + DAY, providerOneKey), 400, "'to'");
    assertProblem(get("/v1/providers/1/summary?from=" + DAY + "&to=" + DAY + "&limit=3", providerOneKey), 400, "limit");
  }

  private static JsonObject summary(String product, long transactions, String amount, String average, int clients) {
    return new JsonObject().put("productCode", product).put("transactions", transactions).put("totalAmount", amount)
        .put("averageTicket", average).put("activeClients", clients);
  }

  @Test
  void rangesAreCheckedBeforeAnythingIsRead() throws Exception {
    String daily = "/v1/providers/1/daily-sales?";
    assertProblem(get(daily + "from=" + DAY + "&to=" + DAY.minusDays(1), providerOneKey), 400, "is after to");
    assertProblem(get(daily + "from=" + DAY.minusDays(92) + "&to=" + DAY, providerOneKey), 400, "at most 92");
    assertProblem(get(daily + "from=" + DAY, providerOneKey), 400, "'to'");
    assertProblem(get(daily + "date=" + DAY + "&from=" + DAY + "&to=" + DAY, providerOneKey), 400, "either date");
    assertProblem(get(daily + "from=" + DAY + "&to=" + DAY + "&limit=5", providerOneKey), 400, "limit goes with date");
    assertProblem(get("/v1/providers/1/top-clients?from=" + DAY + "&to=" + DAY + "&limit=101", providerOneKey), 400,
        "limit");
    assertProblem(get("/v1/providers/1/clients/x1/daily-sales?from=" + DAY + "&to=" + DAY, providerOneKey), 400,
        "clientId");
  }

  @Test
  void anotherProvidersRoutesAreForbiddenAndSayNothingOfItsData() throws Exception {
    for (String route : List.of("/v1/providers/2/daily-sales?from=" + DAY + "&to=" + DAY,
        "/v1/providers/2/clients/7/daily-sales?from=" + DAY + "&to=" + DAY,
        "/v1/providers/2/top-clients?from=" + DAY + "&to=" + DAY,
        "/v1/providers/2/summary?from=" + DAY + "&to=" + DAY,
        "/v1/providers/2/reports?from=" + DAY + "&to=" + DAY,
        "/v1/providers/2/realtime")) {
      HttpResponse<String> forbidden = get(route, providerOneKey);
      assertProblem(forbidden, 403, "reads provider 1 only");
      assertThat(forbidden.body()).doesNotContain("999.99");
    }
    HttpResponse<String> response = get("/v1/providers/2/daily-sales?date=" + DAY, providerOneKey);

    assertProblem(response, 403, "reads provider 1 only");
    assertThat(response.body()).doesNotContain("999.99").doesNotContain("clients");
    // An admin reads every provider.
    assertThat(new JsonObject(get("/v1/providers/2/daily-sales?date=" + DAY, ADMIN).body()).getJsonArray("clients"))
        .hasSize(1);
    // A provider key is not an admin key.
    assertProblem(send("POST", "/v1/admin/providers/1/api-keys", providerOneKey), 403, "admin");
  }

  @Test
  void requestsWithoutAKnownKeyAreUnauthorized() throws Exception {
    assertProblem(get("/v1/providers/1/daily-sales?date=" + DAY, null), 401, "X-API-Key");
    assertProblem(get("/v1/providers/1/daily-sales?date=" + DAY, "pulso_not-a-key"), 401, "unknown");
  }

  @Test
  void badInputIsABadRequestNamingWhatIsWrongAndTheServerKeepsServing() throws Exception {
    assertProblem(get("/v1/providers/1/daily-sales", providerOneKey), 400, "'date'");
    assertProblem(get("/v1/providers/1/daily-sales?date=2026-13-01", providerOneKey), 400, "date must be");
    assertProblem(get("/v1/providers/1/daily-sales?date=2026-02-29", providerOneKey), 400, "date must be");
    assertProblem(get("/v1/providers/1/daily-sales?date=29-11-2026", providerOneKey), 400, "date must be");
    // Days outside the data's window cost no read: after today, or before api.historyDays.
    assertProblem(get("/v1/providers/1/daily-sales?date=" + today.plusDays(1), providerOneKey), 400, "after today");
    assertProblem(get("/v1/providers/1/daily-sales?date=0000-01-01", providerOneKey), 400, "oldest day kept");
    assertProblem(get("/v1/providers/1/summary?from=" + today + "&to=9999-12-31", providerOneKey), 400, "after today");
    assertProblem(get("/v1/providers/1/daily-sales?date=" + encode("2026-11-28' OR '1'='1"), providerOneKey), 400,
        "date must be");
    assertProblem(get("/v1/providers/1/daily-sales?date=" + DAY + "&limit=0", providerOneKey), 400, "limit");
    assertProblem(get("/v1/providers/1/daily-sales?date=" + DAY + "&limit=-5", providerOneKey), 400, "limit");
    assertProblem(get("/v1/providers/1/daily-sales?date=" + DAY + "&limit=1001", providerOneKey), 400, "limit");
    assertProblem(get("/v1/providers/1/daily-sales?date=" + DAY + "&limit=99999999999999999999", providerOneKey), 400,
        "limit");
    assertProblem(get("/v1/providers/abc/daily-sales?date=" + DAY, providerOneKey), 400, "providerId");
    assertProblem(get("/v1/providers/1/daily-sales?date=" + DAY + "&clientId=" + encode("{\"$ne\":1}"), providerOneKey),
        400, "clientId");
    assertProblem(get("/v1/providers/1/daily-sales?date=" + DAY + "&colour=red", providerOneKey), 400,
        "unknown query parameter 'colour'");
    assertProblem(get("/v1/providers/1/daily-sales?date=" + DAY + "&date=" + DAY, providerOneKey), 400, "more than once");

    // Oversized: the URL (414) and the headers (431, RFC 6585's status for it); still serving after.
    assertThat(get("/v1/providers/1/daily-sales?date=" + DAY + "&cursor=" + "9".repeat(10_000), providerOneKey)
        .statusCode()).isEqualTo(414);
    HttpResponse<String> hugeHeader = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/v1/providers/1/daily-sales?date="
        + DAY)).header(ApiKeys.HEADER, providerOneKey).header("X-Filler", "x".repeat(20_000)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(hugeHeader.statusCode()).isEqualTo(431);
    // Refused while its body is still on its way: the client reads the answer, not a reset connection
    // (closed without lingering, about one in ten of these lost its answer).
    for (int i = 0; i < 60; i++) {
      HttpResponse<String> refused = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/v1/admin/providers/1/api-keys?x="
          + "9".repeat(10_000))).header(ApiKeys.HEADER, ADMIN)
          .POST(HttpRequest.BodyPublishers.ofString("x".repeat(20_000 + i * 3_000))).build(),
          HttpResponse.BodyHandlers.ofString());
      assertProblem(refused, 414, "request line");
    }

    assertThat(get("/v1/providers/1/daily-sales?date=" + DAY, providerOneKey).statusCode()).isEqualTo(200);
  }

  @Test
  void unknownProvidersAndRoutesAreNotFound() throws Exception {
    assertProblem(get("/v1/providers/42/daily-sales?date=" + DAY, ADMIN), 404, "provider 42");
    assertProblem(send("POST", "/v1/admin/providers/42/api-keys", ADMIN), 404, "provider 42");
    assertProblem(get("/v1/providers/1/nothing-here", providerOneKey), 404, "no such resource");
  }

  @Test
  void anUnknownKeyIsRememberedAsUnknownUntilItIsConfigured() throws Exception {
    ApiKeys keys = new ApiKeys(pool);
    String key = "pulso_made-up-" + UUID.randomUUID();
    assertThat(await(keys.verify(key))).isEmpty();
    // Made valid behind this member's back: still unknown here for a while (one query per period, not per request)…
    SourceSql.execute(config.database(), "INSERT INTO pulso.api_keys (provider_id, role, key_hash, key_prefix)"
        + " VALUES (1, 'provider', '" + ApiKeys.hash(key) + "', 'pulso_made')");
    assertThat(await(keys.verify(key))).isEmpty();
    // …while a key this member configures is known at once.
    await(keys.ensure(key, 1));
    assertThat(await(keys.verify(key))).map(ApiKeys.Principal::providerId).contains(1);
  }

  @Test
  void aRevokedKeyStopsWorkingAtOnce() throws Exception {
    JsonObject created = new JsonObject(send("POST", "/v1/admin/providers/3/api-keys", ADMIN).body());
    String key = created.getString("key");
    assertThat(key).startsWith("pulso_").startsWith(created.getString("prefix"));
    // Stored to recognise it by: 'pulso_' and 4 characters, no more of the key; a configured key's first 4.
    assertThat(created.getString("prefix")).hasSize("pulso_".length() + 4);
    try (Connection c = Postgres.connect(config.database()); Statement st = c.createStatement();
         var rs = st.executeQuery("SELECT key_prefix FROM pulso.api_keys WHERE key_hash = '" + ApiKeys.hash(ADMIN) + "'")) {
      rs.next();
      assertThat(rs.getString(1)).isEqualTo(ADMIN.substring(0, 4));
    }
    assertThat(get("/v1/providers/3/daily-sales?date=" + DAY, key).statusCode()).isEqualTo(200);

    assertThat(send("DELETE", "/v1/admin/api-keys/" + created.getLong("id"), ADMIN).statusCode()).isEqualTo(204);

    assertProblem(get("/v1/providers/3/daily-sales?date=" + DAY, key), 401, "revoked");
    assertProblem(send("DELETE", "/v1/admin/api-keys/" + created.getLong("id"), ADMIN), 404, "revoked already");
    try (Connection c = Postgres.connect(config.database()); Statement st = c.createStatement();
         var rs = st.executeQuery("SELECT count(*) FROM pulso.api_keys WHERE key_hash = '" + ApiKeys.hash(key)
             + "' AND key_prefix = '" + created.getString("prefix") + "'")) {
      rs.next();
      assertThat(rs.getInt(1)).as("stored hashed, with its prefix").isEqualTo(1);
    }
  }

  @Test
  void dataAnswersAreNeverCachedAndTheDocsPageIsNeverFramed() throws Exception {
    for (HttpResponse<String> answer : List.of(get("/v1/providers/1/daily-sales?date=" + DAY, providerOneKey),
        get("/v1/providers/1/daily-sales?date=" + DAY, null), send("POST", "/v1/stream-tickets", providerOneKey))) {
      assertThat(answer.headers().firstValue("cache-control")).as(answer.uri().toString()).contains("no-store");
      // Plain HTTP here: no HSTS (it is sent over HTTPS only, see the HTTPS test).
      assertThat(answer.headers().firstValue("strict-transport-security")).isEmpty();
    }

    HttpResponse<String> docs = get("/docs", null);
    String policy = docs.headers().firstValue("content-security-policy").orElseThrow();
    assertThat(policy).contains("frame-ancestors 'none'").contains("default-src 'self'").doesNotContain("unsafe-eval");
    // The page's one inline script is allowed by its hash, and no other.
    String inline = docs.body().substring(docs.body().indexOf("<script>") + "<script>".length(),
        docs.body().indexOf("</script>", docs.body().indexOf("<script>")));
    String hash = java.util.Base64.getEncoder().encodeToString(java.security.MessageDigest.getInstance("SHA-256")
        .digest(inline.getBytes(StandardCharsets.UTF_8)));
    assertThat(policy).contains("script-src 'self' 'sha256-" + hash + "';");
    assertThat(get("/docs/swagger-ui/swagger-ui-bundle.js", null).headers().firstValue("content-security-policy"))
        .contains(policy);
  }

  @Test
  void anAddressRefusedTooOftenIsAnswered429BeforeAnyKeyIsLookedUpAndOthersAreServed() throws Exception {
    int port = freePort();
    Map<String, String> env = new java.util.HashMap<>(TestServices.env());
    env.put(ConfigLoader.envName("http.port"), String.valueOf(port));
    env.put(ConfigLoader.envName("http.host"), "127.0.0.1");
    env.put(ConfigLoader.envName("http.forwardedForHops"), "1"); // as behind the ALB
    env.put(ConfigLoader.envName("api.unauthenticated.perAddressPerMinute"), "5");
    PulsoConfig limited = ConfigLoader.load(TestServices.home().resolve("conf"), env).withDatabase(config.database());
    String deployment = await(vertx.deployVerticle(new ApiVerticle(limited, pool, aws, new ApiKeys(pool),
        new Readiness(), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))));
    try {
      String path = "http://127.0.0.1:" + port + "/v1/providers/1/daily-sales?date=" + DAY;
      for (int i = 0; i < 5; i++) {
        assertThat(from(path, "203.0.113.7", "pulso_made-up-" + i).statusCode()).isEqualTo(401);
      }
      // The address's count is spent: refused before its key is looked at, a valid one too, whatever it
      // writes in front of what the ALB appended.
      HttpResponse<String> refused = from(path, "203.0.113.7", providerOneKey);
      assertProblem(refused, 429, "203.0.113.7");
      assertThat(refused.headers().firstValue("Retry-After")).isPresent();
      assertThat(from(path, "198.51.100.1, 203.0.113.7", "pulso_made-up-x").statusCode()).isEqualTo(429);
      // Another address is served, and its readiness checks count too.
      assertThat(from(path, "198.51.100.2", providerOneKey).statusCode()).isEqualTo(200);
      String ready = "http://127.0.0.1:" + port + "/health/ready";
      for (int i = 0; i < 5; i++) {
        HttpResponse<String> answer = from(ready, "198.51.100.3", null);
        assertThat(answer.statusCode()).isEqualTo(200);
        // The public port says UP or DOWN and nothing of the dependencies.
        assertThat(new JsonObject(answer.body()).fieldNames()).containsExactly("status");
      }
      assertThat(from(ready, "198.51.100.3", null).statusCode()).isEqualTo(429);
      assertThat(from("http://127.0.0.1:" + port + "/metrics", "198.51.100.4", null).statusCode()).isEqualTo(404);
    } finally {
      await(vertx.undeploy(deployment));
    }
  }

  @Test
  void keysNotRememberedAreLookedUpAtMostTheCeilingPerSecond() throws Exception {
    ApiKeys ceiling = new ApiKeys(pool, 3);
    int refused = 0;
    for (int i = 0; i < 30; i++) {
      try {
        await(ceiling.verify("pulso_flood-" + UUID.randomUUID()));
      } catch (java.util.concurrent.ExecutionException e) {
        assertThat(e.getCause()).isInstanceOf(Problem.class);
        assertThat(((Problem) e.getCause()).status()).isEqualTo(503);
        refused++;
      }
    }
    // 30 look-ups in well under two seconds: at most 3 in each second were made.
    assertThat(refused).isGreaterThanOrEqualTo(24);
    // A key remembered costs no look-up: answered however many times, with a ceiling of one.
    ApiKeys one = new ApiKeys(pool, 1);
    for (int i = 0; i < 5; i++) {
      assertThat(await(one.verify(ADMIN))).isPresent();
    }
  }

  private static HttpResponse<String> from(String url, String forwardedFor, String key) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).header("X-Forwarded-For", forwardedFor);
    if (key != null) {
      request.header(ApiKeys.HEADER, key);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void theOpenApiDocumentDescribesExactlyTheRoutesServed() throws Exception {
    HttpResponse<String> response = get("/openapi.json", null);
    assertThat(response.statusCode()).isEqualTo(200);
    JsonObject spec = new JsonObject(response.body());
    assertThat(spec.getString("openapi")).isEqualTo("3.1.0");
    Set<String> documented = new TreeSet<>();
    spec.getJsonObject("paths").forEach(path -> ((JsonObject) path.getValue()).fieldNames()
        .forEach(method -> documented.add(method.toUpperCase() + " " + path.getKey())));
    Set<String> served = new TreeSet<>();
    for (Route route : api.router().getRoutes()) {
      if (route.getPath() != null && !route.getPath().endsWith("/") && route.methods() != null) {
        route.methods().forEach(method -> served.add(method.name() + " "
            + route.getPath().replaceAll(":([A-Za-z]+)", "{$1}")));
      }
    }
    served.removeIf(route -> route.startsWith("GET /docs/swagger-ui"));
    assertThat(documented).isEqualTo(served);

    HttpResponse<String> docs = get("/docs", null);
    assertThat(docs.statusCode()).isEqualTo(200);
    assertThat(docs.body()).contains("/openapi.json").contains("swagger-ui-bundle.js");
    assertThat(get("/docs/swagger-ui/swagger-ui-bundle.js", null).statusCode()).isEqualTo(200);
  }

  @Test
  void fiveHundredConcurrentRequestsForAColdDayCauseOneLoad() throws Exception {
    double loadsBefore = loads("clients");
    double manifestsBefore = loads("report");
    String path = "/v1/providers/1/daily-sales?date=" + DAY.minusDays(10);
    List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> requests = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      requests.add(HTTP.sendAsync(HttpRequest.newBuilder(URI.create(base + path)).header(ApiKeys.HEADER, providerOneKey)
          .build(), HttpResponse.BodyHandlers.ofString()));
    }
    for (var request : requests) {
      assertThat(request.get().statusCode()).isEqualTo(200);
    }
    assertThat(loads("clients") - loadsBefore).as("DynamoDB reads for the 500 requests").isEqualTo(1);
    assertThat(loads("report") - manifestsBefore).as("S3 reads of the day's manifest").isEqualTo(1);
  }

  @Test
  void aChangeOfTodayInDynamoDbIsServedWithinItsBound() throws Exception {
    String path = "/v1/providers/3/daily-sales?date=" + today;
    assertThat(new JsonObject(get(path, ADMIN).body()).getJsonArray("clients")).isEmpty();

    await(writer.write(List.of(new BaselineFigure(new ClientDay(3, today, 9), 4, new BigDecimal("44.00")))));

    Await.waitUntil(() -> {
      try {
        return new JsonObject(get(path, ADMIN).body()).getJsonArray("clients").size() == 1;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }, FiguresCache.OPEN_DAY.plusSeconds(2), "today's change served");
  }

  @Test
  void aKeyReadLateInItsLifeIsLoadedAgainAheadOfItsExpiry() throws Exception {
    LocalDate yesterday = today.minusDays(1);
    String path = "/v1/providers/3/daily-sales?date=" + yesterday;
    assertThat(new JsonObject(get(path, ADMIN).body()).getJsonArray("clients")).isEmpty();
    double refreshed = registry.get("pulso.api.cache.refreshes").counter().count();

    // Changed in DynamoDB without an event: only the expiry or a refresh can bring it.
    await(writer.write(List.of(new BaselineFigure(new ClientDay(3, yesterday, 8), 2, new BigDecimal("8.80")))));
    Await.waitUntil(() -> {
      try {
        Thread.sleep(100); // a reader that keeps asking
        return new JsonObject(get(path, ADMIN).body()).getJsonArray("clients").size() == 1;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }, FiguresCache.OPEN_DAY.plusSeconds(2), "yesterday's change served");
    assertThat(registry.get("pulso.api.cache.refreshes").counter().count()).isGreaterThan(refreshed);
  }

  @Test
  void anEventOnAnotherMemberDropsTheDayThatThisMemberCached() throws Exception {
    LocalDate closed = DAY.minusDays(5);
    String path = "/v1/providers/1/daily-sales?date=" + closed;
    await(writer.write(List.of(new BaselineFigure(new ClientDay(1, closed, 1), 1, new BigDecimal("1.00")))));
    assertThat(clientOne(path)).isEqualTo("1 1.00");
    await(writer.write(List.of(new BaselineFigure(new ClientDay(1, closed, 1), 2, new BigDecimal("3.00")))));
    assertThat(clientOne(path)).as("a closed day stays cached").isEqualTo("1 1.00");

    PulsoConfig.Cluster one = config.cluster();
    PulsoConfig.Cluster other = one.onPort(clusterPorts.get(1));
    Vertx member = await(ClusterSetup.join(other, new VertxOptions(), Vertx.builder()));
    try {
      // A member that just joined learns of the cluster's subscribers shortly after: an event published before
      // that reaches nobody, so it is published again until it lands (dropping a day twice is harmless).
      Await.waitUntil(() -> {
        member.eventBus().publish(MetricsEvent.address(1), MetricsEvent.toJson(
            new MetricsChanged(1, Set.of(closed), Set.of(), Set.of())));
        return "2 3.00".equals(clientOne(path));
      }, Duration.ofSeconds(15), "the day dropped by the event");
    } finally {
      await(member.close());
    }
  }

  @Test
  void httpsWithASelfSignedCertificateServesHttp2OverAlpn() throws Exception {
    SelfSignedCertificate certificate = SelfSignedCertificate.create("localhost");
    int port = freePort();
    Map<String, String> env = new java.util.HashMap<>(TestServices.env());
    env.put(ConfigLoader.envName("http.port"), String.valueOf(port));
    env.put(ConfigLoader.envName("http.host"), "127.0.0.1");
    env.put(ConfigLoader.envName("http.tls.certPath"), certificate.certificatePath());
    env.put(ConfigLoader.envName("http.tls.keyPath"), certificate.privateKeyPath());
    PulsoConfig tls = ConfigLoader.load(TestServices.home().resolve("conf"), env).withDatabase(config.database())
        .withAws(config.aws());
    String deployment = await(vertx.deployVerticle(new ApiVerticle(tls, pool, aws, new ApiKeys(pool), new Readiness(),
        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))));
    try {
      KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
      trusted.load(null, null);
      try (var pem = java.nio.file.Files.newInputStream(java.nio.file.Path.of(certificate.certificatePath()))) {
        trusted.setCertificateEntry("pulso", CertificateFactory.getInstance("X.509").generateCertificate(pem));
      }
      TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(trusted);
      SSLContext ssl = SSLContext.getInstance("TLS");
      ssl.init(null, trust.getTrustManagers(), null);
      HttpClient https = HttpClient.newBuilder().sslContext(ssl).version(HttpClient.Version.HTTP_2).build();

      HttpResponse<String> response = https.send(HttpRequest.newBuilder(URI.create("https://localhost:" + port
          + "/v1/providers/1/daily-sales?date=" + DAY)).header(ApiKeys.HEADER, providerOneKey).build(),
          HttpResponse.BodyHandlers.ofString());

      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_2);
      assertThat(new JsonObject(response.body()).getJsonArray("clients")).hasSize(5);
      assertThat(response.headers().firstValue("strict-transport-security")).contains("max-age=31536000");
    } finally {
      await(vertx.undeploy(deployment));
      certificate.delete();
    }
  }

  @Test
  void aTicketOpensTheProvidersWebSocketWhichCarriesEveryChangeWithTodaysTotals() throws Exception {
    JsonObject ticket = new JsonObject(send("POST", "/v1/stream-tickets", providerOneKey).body());
    assertThat(ticket.getInteger("providerId")).isEqualTo(1);
    String path = ticket.getString("stream");
    WebSocketClient client = vertx.createWebSocketClient();
    try {
      java.util.concurrent.BlockingQueue<JsonObject> received = new java.util.concurrent.LinkedBlockingQueue<>();
      // The handler is set as the socket opens, on its event loop: set later, the hello may be gone.
      WebSocket socket = await(client.connect(httpPort, "127.0.0.1", path)
          .onSuccess(opened -> opened.textMessageHandler(text -> received.add(new JsonObject(text)))));
      assertThat(received.poll(5, TimeUnit.SECONDS).getString("type")).isEqualTo("hello");

      vertx.eventBus().publish(MetricsEvent.address(1), MetricsEvent.toJson(new MetricsChanged(1, Set.of(today),
          Set.of(new com.pulso.aggregate.MetricItem.ClientDay(1, today, 3)), Set.of())));
      JsonObject change = received.poll(5, TimeUnit.SECONDS);
      assertThat(change.getString("type")).isEqualTo("change");
      assertThat(change.getJsonObject("change").getJsonObject("clients").getJsonArray(today.toString())).containsExactly(3);
      assertThat(change.getJsonObject("today").getString("totalAmount")).isEqualTo("321.50");
      await(socket.close());

      // A ticket is spent once, and only on its provider's stream.
      assertThatThrownBy(() -> await(client.connect(httpPort, "127.0.0.1", path))).hasMessageContaining("401");
      String other = new JsonObject(send("POST", "/v1/stream-tickets", providerOneKey).body()).getString("ticket");
      assertThatThrownBy(() -> await(client.connect(httpPort, "127.0.0.1", "/v1/providers/2/stream?ticket=" + other)))
          .hasMessageContaining("403");
      assertProblem(send("POST", "/v1/stream-tickets?providerId=2", providerOneKey), 403, "provider 1 only");
      assertProblem(send("POST", "/v1/stream-tickets", ADMIN), 400, "providerId");
    } finally {
      await(client.close());
    }
  }

  @Test
  void aClosedDayWithANightlyReportIsServedFromItAndItsFilesAreLinkedForItsProviderOnly() throws Exception {
    String daily = "/v1/providers/1/daily-sales?date=" + REPORT_DAY;
    assertThat(new JsonObject(get(daily, providerOneKey).body()).getString("source")).isEqualTo("realtime");

    // The day's report, written as the nightly job does (manifest last). It differs from the
    // real-time items on purpose: a closed day's report is the system of record.
    String rows = row(REPORT_DAY, 1, 3, "30.00") + "\n" + row(REPORT_DAY, 2, 1, "5.55") + "\n";
    byte[] jsonLines = rows.getBytes(StandardCharsets.UTF_8);
    byte[] parquet = "PAR1 (stands for the Parquet file) PAR1".getBytes(StandardCharsets.US_ASCII);
    put(ReportLayout.fileKey(1, REPORT_DAY, "part-00000-run-7.jsonl"), jsonLines);
    put(ReportLayout.fileKey(1, REPORT_DAY, "part-00000-run-7.parquet"), parquet);
    Instant written = Instant.parse("2026-11-24T05:31:07Z");
    ReportManifest manifest = new ReportManifest(1, REPORT_DAY, "run-7", written, 2, 4, new BigDecimal("35.55"),
        new JsonObject().put("maxSaleId", 123), List.of(
            new ReportFile("part-00000-run-7.parquet", ReportLayout.PARQUET, parquet.length, ReportStore.sha256(parquet)),
            new ReportFile("part-00000-run-7.jsonl", ReportLayout.JSON_LINES, jsonLines.length,
                ReportStore.sha256(jsonLines))));
    put(ReportLayout.manifestKey(1, REPORT_DAY), manifest.toJson().encode().getBytes(StandardCharsets.UTF_8));
    // The run's report-ready event drops the day's cached real-time answer on every member.
    vertx.eventBus().publish(ReportsReady.ADDRESS, new ReportsReady(1, List.of(REPORT_DAY)).toJson());

    Await.waitUntil(() -> "batch".equals(new JsonObject(uncheckedGet(daily)).getString("source")),
        Duration.ofSeconds(5), "the day served from its report");
    JsonObject day = new JsonObject(get(daily, providerOneKey).body());
    assertThat(day.getString("asOf")).isEqualTo(written.toString());
    assertThat(day.getJsonArray("clients")).extracting(c -> ((JsonObject) c).getLong("clientId") + " "
        + ((JsonObject) c).getLong("transactions") + " " + ((JsonObject) c).getString("totalAmount"))
        .containsExactly("1 3 30.00", "2 1 5.55");
    JsonObject range = new JsonObject(get("/v1/providers/1/daily-sales?from=" + REPORT_DAY + "&to="
        + REPORT_DAY.plusDays(1), providerOneKey).body());
    assertThat(range.getJsonArray("days").getJsonObject(0).getString("source")).isEqualTo("batch");
    assertThat(range.getJsonArray("days").getJsonObject(0).getString("totalAmount")).isEqualTo("35.55");
    assertThat(range.getJsonArray("days").getJsonObject(1).getString("source")).isEqualTo("realtime");

    JsonObject listed = new JsonObject(get("/v1/providers/1/reports?from=" + REPORT_DAY.minusDays(1) + "&to="
        + REPORT_DAY.plusDays(1), providerOneKey).body());
    assertThat(listed.getJsonArray("reports")).hasSize(1);
    JsonObject report = listed.getJsonArray("reports").getJsonObject(0);
    assertThat(report.copy().put("files", null)).isEqualTo(new JsonObject().put("date", REPORT_DAY.toString())
        .put("runId", "run-7").put("createdAt", written.toString()).put("rows", 2).put("transactions", 4)
        .put("totalAmount", "35.55").put("files", null));
    Map<String, byte[]> expected = Map.of(ReportLayout.PARQUET, parquet, ReportLayout.JSON_LINES, jsonLines);
    for (Object f : report.getJsonArray("files")) {
      JsonObject file = (JsonObject) f;
      HttpResponse<byte[]> download = HTTP.send(HttpRequest.newBuilder(URI.create(file.getString("url"))).build(),
          HttpResponse.BodyHandlers.ofByteArray());
      assertThat(download.statusCode()).isEqualTo(200);
      assertThat(download.body()).isEqualTo(expected.get(file.getString("format")));
      assertThat(ReportStore.sha256(download.body())).isEqualTo(file.getString("sha256"));
      // The signature covers the object's key: the same link pointed at another provider's files fails.
      String elsewhere = file.getString("url").replace("provider%3D1", "provider%3D2").replace("provider=1", "provider=2");
      assertThat(elsewhere).isNotEqualTo(file.getString("url"));
      HttpResponse<String> refused = HTTP.send(HttpRequest.newBuilder(URI.create(elsewhere)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(refused.statusCode()).isEqualTo(403);
    }
  }

  @Test
  void yesterdaysReportIsReadOnceNotAgainWithEachRealtimeChangeOrAfterTheOpenDaysExpiry() throws Exception {
    LocalDate yesterday = today.minusDays(1);
    byte[] jsonLines = (row(yesterday, 1, 2, "7.00") + "\n").getBytes(StandardCharsets.UTF_8);
    put(ReportLayout.fileKey(1, yesterday, "part-0-run-9.jsonl"), jsonLines);
    ReportManifest manifest = new ReportManifest(1, yesterday, "run-9", Instant.now(), 1, 2, new BigDecimal("7.00"),
        new JsonObject(), List.of(new ReportFile("part-0-run-9.jsonl", ReportLayout.JSON_LINES, jsonLines.length,
            ReportStore.sha256(jsonLines))));
    put(ReportLayout.manifestKey(1, yesterday), manifest.toJson().encode().getBytes(StandardCharsets.UTF_8));
    vertx.eventBus().publish(ReportsReady.ADDRESS, new ReportsReady(1, List.of(yesterday)).toJson());
    String daily = "/v1/providers/1/daily-sales?date=" + yesterday;
    Await.waitUntil(() -> "batch".equals(new JsonObject(uncheckedGet(daily)).getString("source")),
        Duration.ofSeconds(5), "yesterday served from its report");
    double reportsRead = loads("report") + loads("batch");

    // A late change of yesterday's real-time items, then more than a still-changing day's expiry.
    vertx.eventBus().publish(MetricsEvent.address(1), MetricsEvent.toJson(
        new MetricsChanged(1, Set.of(yesterday), Set.of(), Set.of())));
    Thread.sleep(FiguresCache.OPEN_DAY.plusMillis(500).toMillis());

    for (int i = 0; i < 3; i++) {
      assertThat(new JsonObject(get(daily, providerOneKey).body()).getString("source")).isEqualTo("batch");
    }
    // Only a nightly run changes a report, and its event drops it: it is not fetched from S3 again.
    assertThat(loads("report") + loads("batch")).isEqualTo(reportsRead);
  }

  @Test
  void aReportThatIsNotWhatItsManifestSaysIsNotServed() throws Exception {
    LocalDate day = REPORT_DAY.minusDays(1);
    byte[] jsonLines = (row(day, 1, 1, "1.00") + "\n").getBytes(StandardCharsets.UTF_8);
    put(ReportLayout.fileKey(1, day, "part-0.jsonl"), jsonLines);
    ReportManifest manifest = new ReportManifest(1, day, "run-8", Instant.parse("2026-11-23T05:31:07Z"), 1, 1,
        new BigDecimal("100.00"), new JsonObject(), List.of(new ReportFile("part-0.jsonl", ReportLayout.JSON_LINES,
            jsonLines.length, ReportStore.sha256(jsonLines))));
    put(ReportLayout.manifestKey(1, day), manifest.toJson().encode().getBytes(StandardCharsets.UTF_8));
    vertx.eventBus().publish(ReportsReady.ADDRESS, new ReportsReady(1, List.of(day)).toJson());

    Await.waitUntil(() -> uncheckedGet("/v1/providers/1/daily-sales?date=" + day).contains("add up to"),
        Duration.ofSeconds(5), "the report's rows refused");
    assertProblem(get("/v1/providers/1/daily-sales?date=" + day, providerOneKey), 503,
        "its rows add up to 1 rows, 1 transactions, 1.00");
  }

  private static String row(LocalDate day, long clientId, long transactions, String amount) {
    return TestReports.row(1, day, clientId, transactions, amount);
  }

  private static void put(String key, byte[] bytes) throws Exception {
    await(TestReports.put(aws, BUCKET, key, bytes));
  }

  private static String uncheckedGet(String path) {
    try {
      return get(path, providerOneKey).body();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void figuresThatCannotBeReadAreA503WithRetryAfter() throws Exception {
    int port = freePort();
    Map<String, String> env = new java.util.HashMap<>(TestServices.env());
    env.put(ConfigLoader.envName("http.port"), String.valueOf(port));
    env.put(ConfigLoader.envName("http.host"), "127.0.0.1");
    env.put(ConfigLoader.envName("aws.endpoints.dynamodb"), "http://127.0.0.1:" + freePort()); // nothing listens
    env.put(ConfigLoader.envName("aws.http.maxRetries"), "0");
    env.put(ConfigLoader.envName("aws.s3.bucket"), BUCKET); // S3 answers: no report of the day
    PulsoConfig down = ConfigLoader.load(TestServices.home().resolve("conf"), env).withDatabase(config.database());
    AwsClients unreachable = new AwsClients(vertx, down, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    String deployment = await(vertx.deployVerticle(new ApiVerticle(down, pool, unreachable, new ApiKeys(pool),
        new Readiness(), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))));
    try {
      HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
          + "/v1/providers/1/daily-sales?date=" + DAY.minusDays(20))).header(ApiKeys.HEADER, providerOneKey).build(),
          HttpResponse.BodyHandlers.ofString());
      assertProblem(response, 503, "cannot be read now");
      assertThat(response.headers().firstValue("Retry-After")).contains("5");
    } finally {
      await(vertx.undeploy(deployment));
      unreachable.close();
    }
  }

  private static String clientOne(String path) {
    try {
      JsonObject client = new JsonObject(get(path, providerOneKey).body()).getJsonArray("clients").getJsonObject(0);
      return client.getLong("transactions") + " " + client.getString("totalAmount");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static double loads(String kind) {
    return registry.get("pulso.api.cache.loads").tag("kind", kind).timer().count();
  }

  private static long answers(String route, String status) {
    io.micrometer.core.instrument.Timer timer = registry.find("pulso.api.requests")
        .tags("route", route, "method", "GET", "status", status).timer();
    return timer == null ? 0 : timer.count();
  }

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /** An answer's body with a client's id in its path and detail replaced by {@code N}. */
  private static String withoutId(HttpResponse<String> response, long clientId) {
    return response.body().replace("/clients/" + clientId + "/", "/clients/N/").replace("client " + clientId + " ", "client N ");
  }

  private static void assertProblem(HttpResponse<String> response, int status, String detail) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    assertThat(response.headers().firstValue("content-type")).contains(Problem.CONTENT_TYPE);
    JsonObject problem = new JsonObject(response.body());
    assertThat(problem.getInteger("status")).isEqualTo(status);
    assertThat(problem.getString("title")).isNotBlank();
    assertThat(problem.getString("detail")).contains(detail);
  }

  private static int status(String path) {
    try {
      return get(path, providerOneKey).statusCode();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void everyAnswerCarriesARequestIdAndLeavesOneAccessLineWithoutAnySecret() throws Exception {
    ch.qos.logback.classic.Logger access = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("pulso.access");
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> lines =
        new ch.qos.logback.core.read.ListAppender<>();
    lines.start();
    access.addAppender(lines);
    try {
      String ticket = new JsonObject(send("POST", "/v1/stream-tickets", providerOneKey).body()).getString("ticket");
      List<HttpResponse<String>> answers = List.of(
          get("/v1/providers/1/daily-sales?date=" + DAY, providerOneKey),
          get("/v1/providers/1/stream?ticket=" + ticket, null),
          get("/v1/admin/alerts", ADMIN),
          get("/v1/admin/alerts", providerOneKey),
          get("/v1/providers/1/summary?from=" + DAY + "&to=" + DAY, "pulso_wrongkey0123456789"));
      assertThat(answers.stream().map(HttpResponse::statusCode)).containsExactly(200, 400, 200, 403, 401);
      assertThat(new JsonObject(answers.get(2).body()).fieldNames()).containsExactlyInAnyOrder("active", "events");

      for (HttpResponse<String> answer : answers) {
        String id = answer.headers().firstValue("x-request-id").orElseThrow();
        assertThat(id).matches("[0-9a-f]{16}");
        Await.waitUntil(() -> lines.list.stream().anyMatch(line -> line.getFormattedMessage().startsWith(id)),
            Duration.ofSeconds(5), "the access line of " + id);
      }
      String daily = line(lines, answers.get(0));
      assertThat(daily).isEqualTo(answers.get(0).headers().firstValue("x-request-id").orElseThrow()
          + " GET /v1/providers/:providerId/daily-sales provider=1 status=200 " + daily.split(" ")[5] + " ms "
          + answers.get(0).body().getBytes(java.nio.charset.StandardCharsets.UTF_8).length + " bytes");
      assertThat(line(lines, answers.get(2))).contains(" GET /v1/admin/alerts provider=admin status=200 ");
      assertThat(line(lines, answers.get(4))).contains(" provider=- status=401 ");
      // The JSON line's fields (aws profile) are the same, as key-values.
      ch.qos.logback.classic.spi.ILoggingEvent event = lines.list.stream()
          .filter(line -> line.getFormattedMessage().equals(daily)).findFirst().orElseThrow();
      assertThat(event.getKeyValuePairs().stream().map(pair -> pair.key + "=" + pair.value))
          .contains("route=/v1/providers/:providerId/daily-sales", "provider=1", "status=200");
      for (ch.qos.logback.classic.spi.ILoggingEvent line : lines.list) {
        String text = line.getFormattedMessage() + line.getKeyValuePairs();
        assertThat(text).doesNotContain(providerOneKey).doesNotContain(ADMIN).doesNotContain(ticket)
            .doesNotContain("pulso_wrongkey");
        if (!config.database().password().isEmpty()) {
          assertThat(text).doesNotContain(config.database().password());
        }
      }
    } finally {
      access.detachAppender(lines);
    }
  }

  private static String line(ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> lines,
                             HttpResponse<String> answer) {
    String id = answer.headers().firstValue("x-request-id").orElseThrow();
    return lines.list.stream().map(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage)
        .filter(line -> line.startsWith(id)).findFirst().orElseThrow();
  }

  private static HttpResponse<String> get(String path, String key) throws Exception {
    return send("GET", path, key);
  }

  private static HttpResponse<String> send(String method, String path, String key) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
        .method(method, HttpRequest.BodyPublishers.noBody());
    if (key != null) {
      request.header(ApiKeys.HEADER, key);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
