package com.pulso.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.pulso.db.Postgres;
import com.pulso.testing.Await;
import com.pulso.testing.ServerJvm;
import com.pulso.testing.ServerPipeline;
import com.pulso.testing.SourceSql;
import com.pulso.testing.TestPorts;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.File;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The provider dashboard in headless Chromium (Debian's, through its chromedriver), served by a
 * whole server JVM whose real-time pipeline — capture, Kinesis, consumers, DynamoDB, WebSocket —
 * runs on the shared test services: a wrong key is told so, the right key shows today's totals as
 * the API gives them, and a sale committed in PostgreSQL is on the page within 2 s of its commit.
 */
class DashboardTest {

  private static final int HTTP_PORT = TestPorts.port(28095);
  private static final int CLUSTER_PORT = TestPorts.port(25815);
  private static final String ADMIN = "dashboard-test-admin-key-0123456789";
  private static final String BASE = "http://127.0.0.1:" + HTTP_PORT;
  /** The issue's promise, from the sale's commit to the page: this is what the test is for. */
  private static final Duration ON_THE_PAGE = Duration.ofSeconds(2);
  /** Only stops a stuck step (page load, a refetch): never a claim about speed. */
  private static final Duration LIVENESS = Duration.ofSeconds(30);
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir
  static Path dir;
  private static ServerPipeline pipeline;
  private static ServerJvm server;
  private static String providerKey;
  private WebDriver browser;

  @BeforeAll
  static void serverWithTodaysSales() throws Exception {
    pipeline = ServerPipeline.create();
    server = pipeline.startServer(dir.resolve("server.log"), HTTP_PORT, CLUSTER_PORT, Map.of("PULSO_ADMIN_KEY", ADMIN));
    pipeline.awaitCaptureStreaming();
    providerKey = new JsonObject(send("POST", "/v1/admin/providers/1/api-keys", ADMIN).body()).getString("key");

    sql("INSERT INTO clientes (id, nombre, apellido) VALUES (1, 'Ana', 'Ríos'), (2, 'Luis', 'Mora'), (3, 'Eva', 'Gil'),"
        + " (4, 'Juan', 'Paz')");
    // Provider 1's sales of today, and one of provider 2's that its page must not count.
    sql("INSERT INTO ventas (cliente_id, producto, fecha, monto) VALUES (1, 'LAC-001', now(), 10.50),"
        + " (2, 'LAC-002', now(), 20.25), (2, 'LAC-001', now(), 5.00), (3, 'CAF-001', now(), 999.99)");
    Await.waitUntil(() -> realtimeToday().getLong("transactions") == 3, LIVENESS,
        () -> "today's three sales in the API; log:\n" + server.tail());
  }

  @AfterAll
  static void stopServer() throws Exception {
    if (pipeline != null) {
      pipeline.close();
    }
  }

  @AfterEach
  void closeBrowser() {
    if (browser != null) {
      browser.quit();
    }
  }

  @Test
  void thePageAndItsFilesAreServedWithAPolicyAllowingOnlyTheirOwn() throws Exception {
    HttpResponse<String> page = send("GET", "/dashboard", null);
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("content-type")).contains("text/html; charset=utf-8");
    assertThat(page.headers().firstValue("content-security-policy")).contains(Dashboard.CONTENT_SECURITY_POLICY);
    assertThat(page.body()).contains("/dashboard/dashboard.js").doesNotContain("http://").doesNotContain("https://");

    HttpResponse<String> script = send("GET", "/dashboard/dashboard.js", null);
    assertThat(script.statusCode()).isEqualTo(200);
    assertThat(script.headers().firstValue("content-type")).hasValueSatisfying(type -> assertThat(type).contains("javascript"));
    assertThat(script.headers().firstValue("x-content-type-options")).contains("nosniff");
    assertThat(send("GET", "/dashboard/dashboard.css", null).headers().firstValue("content-type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("text/css"));
    assertThat(send("GET", "/dashboard/nothing.js", null).statusCode()).isEqualTo(404);
  }

  @Test
  void aWrongKeyIsToldSoAndOpensNothing() {
    openDashboard();
    enterKey("pulso_not-a-key-of-anyone");

    WebElement error = browser.findElement(By.id("error"));
    wait(LIVENESS).until(page -> error.isDisplayed());
    assertThat(error.getText()).startsWith("This API key is not valid");
    assertThat(browser.findElement(By.id("dashboard")).isDisplayed()).isFalse();
    assertThat(browser.findElement(By.id("api-key")).isDisplayed()).as("the form asks again").isTrue();
    assertThat(script("return sessionStorage.getItem('pulso.apiKey')")).isNull();
  }

  @Test
  void theRightKeyShowsTheApisTotalsAndASaleCommittedInPostgresWithinTwoSeconds() throws Exception {
    openDashboard();
    enterKey(providerKey);
    WebElement transactions = browser.findElement(By.id("today-transactions"));
    WebElement amount = browser.findElement(By.id("today-amount"));
    wait(LIVENESS).until(page -> "live".equals(connectionState()) && !topClients().isEmpty());

    JsonObject today = realtimeToday();
    assertThat(today.getLong("transactions")).isEqualTo(3);
    assertThat(transactions.getText()).isEqualTo(grouped(today.getLong("transactions")));
    assertThat(amount.getText()).isEqualTo(grouped(new BigDecimal(today.getString("totalAmount")))).isEqualTo("35.75");
    assertThat(script("return [...document.querySelectorAll('[data-product]')].map(chart => chart.dataset.product)"))
        .isEqualTo(List.of("LAC-001", "LAC-002"));
    assertThat(topClients()).isEqualTo(apiTopClients())
        .containsExactly("2 | Luis Mora #2 | 2 | 25.25", "1 | Ana Ríos #1 | 1 | 10.50");
    assertThat(browser.getCurrentUrl()).doesNotContain(providerKey);
    assertThat(browser.findElement(By.id("error")).isDisplayed()).isFalse();

    BigDecimal sale = new BigDecimal("1234.56");
    String expectedTransactions = grouped(today.getLong("transactions") + 1);
    String expectedAmount = grouped(new BigDecimal(today.getString("totalAmount")).add(sale));
    long committing;
    try (Connection c = Postgres.connect(pipeline.config().database()); Statement st = c.createStatement()) {
      // Taken before the statement (one auto-committed transaction): the bound is never more than 2 s from the commit.
      committing = System.nanoTime();
      st.executeUpdate("INSERT INTO ventas (cliente_id, producto, fecha, monto) VALUES (4, 'LAC-002', now(), " + sale + ")");
    }
    Duration left = ON_THE_PAGE.minusNanos(System.nanoTime() - committing);
    wait(left.isNegative() ? Duration.ZERO : left)
        .withMessage(() -> "the sale on the page within " + ON_THE_PAGE.toMillis() + " ms of its commit: shown "
            + transactions.getText() + " / " + amount.getText() + ", expected " + expectedTransactions + " / "
            + expectedAmount)
        .until(page -> expectedTransactions.equals(transactions.getText()) && expectedAmount.equals(amount.getText()));
    System.out.printf("a sale on the dashboard %d ms after its commit began%n", (System.nanoTime() - committing) / 1_000_000);

    // The change also refetched the rest: the client of the sale tops the table, its product counts it.
    wait(LIVENESS).until(page -> topClients().size() == 3);
    assertThat(topClients()).isEqualTo(apiTopClients()).first().isEqualTo("4 | Juan Paz #4 | 1 | 1,234.56");
    wait(LIVENESS).until(page -> "2".equals(script(
        "return document.querySelector(\"[data-product='LAC-002'] .product-transactions\").textContent")));
    assertThat(realtimeToday().getString("totalAmount")).isEqualTo("1270.31");
    assertThat(amount.getText()).isEqualTo("1,270.31");
  }

  /** Headless Chromium on the dashboard, for the tests that need a browser. */
  private void openDashboard() {
    ChromeOptions options = new ChromeOptions()
        .setBinary("/usr/bin/chromium")
        .addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000");
    // Both paths given: Selenium Manager (which would download a browser or driver) is never asked.
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(new File("/usr/bin/chromedriver")).build();
    browser = new ChromeDriver(service, options);
    browser.get(BASE + "/dashboard");
  }

  @Test
  void aReloadKeepsTheKeyAndTheStreamComesBackAfterTheServerDies() throws Exception {
    // Provider 3's own key and sales: the other tests' figures stay as they expect them.
    String key = new JsonObject(send("POST", "/v1/admin/providers/3/api-keys", ADMIN).body()).getString("key");
    openDashboard();
    enterKey(key);
    awaitLive();
    browser.navigate().refresh();
    awaitLive();
    assertThat(browser.findElement(By.id("api-key")).isDisplayed()).as("the key is not asked again").isFalse();
    wait(LIVENESS).until(page -> "0".equals(browser.findElement(By.id("today-transactions")).getText()));

    server.kill();
    wait(LIVENESS).until(page -> !"live".equals(connectionState()));
    server.restart();
    server.awaitReady(Duration.ofSeconds(180));
    // The backoff doubles up to 30 s while the server is away: the bound leaves room for one full wait.
    wait(Duration.ofSeconds(90)).until(page -> "live".equals(connectionState()));

    sql("INSERT INTO ventas (cliente_id, producto, fecha, monto) VALUES (1, 'ASE-001', now(), 3.00)");
    wait(LIVENESS).until(page -> "1".equals(browser.findElement(By.id("today-transactions")).getText())
        && "3.00".equals(browser.findElement(By.id("today-amount")).getText()));
  }

  private void awaitLive() {
    wait(LIVENESS).until(page -> "live".equals(connectionState()));
  }

  private String connectionState() {
    return browser.findElement(By.id("connection")).getDomAttribute("data-state");
  }

  private void enterKey(String key) {
    browser.findElement(By.id("api-key")).sendKeys(key);
    browser.findElement(By.id("open")).click();
  }

  private WebDriverWait wait(Duration bound) {
    return new WebDriverWait(browser, bound, Duration.ofMillis(20));
  }

  /** Run in the page in one go: a table the page redraws cannot change between two WebDriver calls. */
  private Object script(String code) {
    return ((JavascriptExecutor) browser).executeScript(code);
  }

  /** The top clients table, a row as "id | name #id | transactions | amount". */
  @SuppressWarnings("unchecked")
  private List<String> topClients() {
    return (List<String>) script("return [...document.querySelectorAll('#top-clients tbody tr')].map(row =>"
        + " [row.dataset.clientId, ...[...row.cells].slice(1).map(cell => cell.textContent)].join(' | '))");
  }

  /** The API's top clients of today, as the page should show them. */
  private static List<String> apiTopClients() throws Exception {
    String date = realtime().getString("date");
    JsonArray clients = new JsonObject(send("GET", "/v1/providers/1/top-clients?from=" + date + "&to=" + date
        + "&limit=10", providerKey).body()).getJsonArray("clients");
    return clients.stream().map(JsonObject.class::cast).map(client -> client.getLong("clientId") + " | "
        + client.getString("firstName") + " " + client.getString("lastName") + " #" + client.getLong("clientId") + " | "
        + grouped(client.getLong("transactions")) + " | " + grouped(new BigDecimal(client.getString("totalAmount"))))
        .toList();
  }

  private static JsonObject realtimeToday() {
    return realtime().getJsonObject("today");
  }

  private static JsonObject realtime() {
    try {
      HttpResponse<String> response = send("GET", "/v1/providers/1/realtime", providerKey);
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      return new JsonObject(response.body());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** As the page shows a number: digits grouped by commas, the decimals as they are. */
  private static String grouped(Number number) {
    DecimalFormat format = new DecimalFormat(number instanceof BigDecimal ? "#,##0.00" : "#,##0",
        DecimalFormatSymbols.getInstance(Locale.US));
    return format.format(number);
  }

  private static void sql(String statement) {
    SourceSql.execute(pipeline.config().database(), statement);
  }

  private static HttpResponse<String> send(String method, String path, String key) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(BASE + path)).timeout(Duration.ofSeconds(10))
        .method(method, HttpRequest.BodyPublishers.noBody());
    if (key != null) {
      request.header(ApiKeys.HEADER, key);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
