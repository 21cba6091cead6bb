package com.pulso.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.pulso.config.PulsoConfig;
import com.pulso.testing.ClusterCredentials;
import com.pulso.testing.Await;
import com.pulso.devservices.LocalProcess;
import com.pulso.testing.TestPorts;
import com.pulso.testing.TestServices;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole server, started as the README does ({@code ./pulso}, a separate JVM) in the local
 * profile on its own ports: ready with every dependency UP, metrics served, demo sales flowing
 * through the real-time pipeline, and SIGTERM ends it with exit code 0 and nothing left running.
 */
class ServerProcessTest {

  private static final Path HOME = TestServices.home();
  private static final int HTTP_PORT = TestPorts.port(28080);
  private static final int AWS_PROFILE_HTTP_PORT = TestPorts.port(28081);
  private static final int CLUSTER_PORT = TestPorts.port(25801);
  private static final int AWS_PROFILE_CLUSTER_PORT = TestPorts.port(25802);
  private static final int MANAGEMENT_PORT = TestPorts.port(28082);
  private static final int AWS_PROFILE_MANAGEMENT_PORT = TestPorts.port(28083);
  private static final int DB_PORT = TestPorts.port(26432);
  private static final int KINESIS_PORT = TestPorts.port(26567);
  private static final int DYNAMODB_PORT = TestPorts.port(26568);
  private static final int S3_PORT = TestPorts.port(26569);
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @Test
  void serverStartsReadyServesMetricsAndStopsCleanlyOnSigterm(@TempDir Path dataDir) throws Exception {
    Map<String, String> env = localEnv(dataDir);
    Path log = dataDir.resolve("server.log");
    Process server = start(env, log);
    try {
      JsonObject ready = waitForReady(server, log, MANAGEMENT_PORT);
      assertThat(ready.getString("status")).isEqualTo("UP");
      List<String> checks = ready.getJsonArray("checks").stream()
          .map(c -> ((JsonObject) c).getString("id") + "=" + ((JsonObject) c).getString("status")).toList();
      assertThat(checks).contains("postgresql=UP", "kinesis=UP", "dynamodb=UP", "s3=UP", "cluster=UP");

      // The public port: UP or DOWN and no more, no metrics.
      assertThat(new JsonObject(get(HTTP_PORT, "/health/ready").body()).getMap()).isEqualTo(Map.of("status", "UP"));
      assertThat(get(HTTP_PORT, "/metrics").statusCode()).isEqualTo(404);

      String metrics = get(MANAGEMENT_PORT, "/metrics").body();
      assertThat(metrics).contains("jvm_memory_used_bytes", "pulso_eventloop_delay",
          "pulso_api_requests_seconds_count{method=\"GET\",route=\"/health/ready\",status=\"200\"}")
          // The API times its answers itself; Vert.x's HTTP server meters cost a quarter of a cached answer.
          .doesNotContain("vertx_http_server_requests");

      long before = salesCount();
      Await.waitUntil(() -> salesCount() > before, Duration.ofSeconds(60), "demo sales flow into ventas");
      // And on through the real-time pipeline: captured, shipped, applied in DynamoDB.
      Await.waitUntil(() -> appliedChanges() > 0, Duration.ofSeconds(60), "demo sales applied in DynamoDB");

      List<ProcessHandle> children = server.descendants().toList();
      assertThat(children).as("the emulators run as a child process").isNotEmpty();
      server.destroy(); // SIGTERM
      assertThat(server.waitFor(60, TimeUnit.SECONDS)).as("stopped after SIGTERM").isTrue();
      assertThat(server.exitValue()).as("exit code after SIGTERM; log:%n%s", tail(log)).isZero();
      // Orphans are reparented to PID 1, which reaps them when it gets to it: a zombie counts as gone.
      Await.waitUntil(() -> children.stream().noneMatch(p -> LocalProcess.isRunning(p.pid())), Duration.ofSeconds(10),
          () -> "no child of the server left running: " + children.stream().filter(p -> LocalProcess.isRunning(p.pid()))
              .map(p -> p.pid() + " " + p.info().commandLine().orElse("?")).toList());
      assertThat(processesMentioning(dataDir.toString())).as("no postgres left on the data dir").isEmpty();
    } finally {
      server.destroyForcibly();
    }
  }

  @Test
  void sigtermDuringStartStopsWhatWasStartedAndExitsZero(@TempDir Path dataDir) throws Exception {
    Path log = dataDir.resolve("server.log");
    Process server = start(localEnv(dataDir), log);
    try {
      Await.waitUntil(() -> tail(log).contains("Pulso starting"), Duration.ofSeconds(60), "the server begins to start");
      server.destroy(); // SIGTERM while the dev services come up
      assertThat(server.waitFor(120, TimeUnit.SECONDS)).as("stopped after SIGTERM").isTrue();
      assertThat(server.exitValue()).as("exit code after SIGTERM; log:%n%s", tail(log)).isZero();
      Await.waitUntil(() -> processesMentioning(dataDir.toString()).isEmpty()
              && processesMentioning("--kinesis-port " + KINESIS_PORT).isEmpty(), Duration.ofSeconds(10),
          () -> "no postgres or emulator left: " + processesMentioning(dataDir.toString())
              + processesMentioning("--kinesis-port " + KINESIS_PORT));
      assertThat(tail(log)).doesNotContain("Pulso ready");
    } finally {
      server.destroyForcibly();
    }
  }

  /** The local profile on this test's own ports and data directory, with a small demo. */
  private static Map<String, String> localEnv(Path dataDir) {
    Map<String, String> env = new HashMap<>();
    env.put("PULSO_PROFILE", "local");
    env.put("PULSO_SKIP_BUILD", "true");
    env.put("PULSO_HTTP_PORT", String.valueOf(HTTP_PORT));
    env.put("PULSO_HTTP_MANAGEMENT_PORT", String.valueOf(MANAGEMENT_PORT));
    env.put("PULSO_CLUSTER_PORT", String.valueOf(CLUSTER_PORT));
    env.put("PULSO_CLUSTER_NAME", "pulso-server-test");
    env.put("PULSO_DATABASE_PORT", String.valueOf(DB_PORT));
    env.put("PULSO_AWS_ENDPOINTS_KINESIS", "http://127.0.0.1:" + KINESIS_PORT);
    env.put("PULSO_AWS_ENDPOINTS_DYNAMODB", "http://127.0.0.1:" + DYNAMODB_PORT);
    env.put("PULSO_AWS_ENDPOINTS_S3", "http://127.0.0.1:" + S3_PORT);
    env.put("PULSO_DEV_SERVICES_DATA_DIR", dataDir.toString());
    env.put("PULSO_DEMO_CLIENTS", "500");
    env.put("PULSO_DEMO_HISTORY_DAYS", "2");
    env.put("PULSO_DEMO_RATE", "20");
    return env;
  }

  /**
   * The aws profile on the production class path (no dev-lib: the launcher leaves it out), pointed
   * at the shared test services as if they were AWS and RDS: it must need nothing dev-only, log JSON
   * lines, and start no dev service of its own.
   */
  @Test
  void awsProfileRunsOnTheProductionClassPathAndLogsJson(@TempDir Path dir) throws Exception {
    PulsoConfig services = TestServices.config();
    Map<String, String> env = new HashMap<>();
    env.put("PULSO_PROFILE", "aws");
    env.put("PULSO_SKIP_BUILD", "true");
    env.putAll(ClusterCredentials.env());
    env.put("PULSO_HTTP_PORT", String.valueOf(AWS_PROFILE_HTTP_PORT));
    env.put("PULSO_HTTP_MANAGEMENT_PORT", String.valueOf(AWS_PROFILE_MANAGEMENT_PORT));
    env.put("PULSO_CLUSTER_PORT", String.valueOf(AWS_PROFILE_CLUSTER_PORT));
    env.put("PULSO_CLUSTER_NAME", "pulso-aws-profile-test");
    env.put("PULSO_DATABASE_HOST", "127.0.0.1");
    env.put("PULSO_DATABASE_PORT", String.valueOf(services.database().port()));
    env.put("PULSO_DATABASE_NAME", services.database().name());
    env.put("PULSO_DATABASE_USER", services.database().user());
    env.put("PULSO_DATABASE_SSL_MODE", "disable");
    env.put("PULSO_AWS_MANAGE_RESOURCES", "true");
    env.put("PULSO_AWS_ENDPOINTS_KINESIS", services.aws().kinesisEndpoint().toString());
    env.put("PULSO_AWS_ENDPOINTS_DYNAMODB", services.aws().dynamoDbEndpoint().toString());
    env.put("PULSO_AWS_ENDPOINTS_S3", services.aws().s3Endpoint().toString());
    Path log = dir.resolve("server.log");
    Process server = start(env, log);
    try {
      JsonObject ready = waitForReady(server, log, AWS_PROFILE_MANAGEMENT_PORT);
      assertThat(ready.getString("status")).isEqualTo("UP");
      // The heap is sized for the container from conf/jvm.options (60 % of its memory), not the JVM's
      // default quarter: here the machine's memory stands for the container's.
      double heapMax = get(AWS_PROFILE_MANAGEMENT_PORT, "/metrics").body().lines()
          .filter(line -> line.startsWith("jvm_memory_max_bytes{area=\"heap\""))
          .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).max().orElse(0);
      long memory = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
          .getOperatingSystemMXBean()).getTotalMemorySize();
      assertThat(heapMax / memory).as("heap max %s of memory %s", heapMax, memory).isBetween(0.5, 0.65);
      // Answers on the public port, each leaving an access line (written in chunks, drained at the stop).
      for (int i = 0; i < 300; i++) {
        assertThat(get(AWS_PROFILE_HTTP_PORT, i % 3 == 0 ? "/no/such/route" : "/health/live").statusCode())
            .isIn(200, 404);
      }
      server.destroy();
      assertThat(server.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(server.exitValue()).as("exit code; log:%n%s", tail(log)).isZero();
      List<String> lines = Files.readAllLines(log).stream().filter(l -> l.startsWith("{")).toList();
      assertThat(lines).isNotEmpty();
      assertThat(lines).allSatisfy(line -> assertThat(new JsonObject(line).getString("level")).isNotBlank());
      assertThat(String.join("\n", lines)).contains("Pulso ready").doesNotContain("Dev services running");
      List<JsonObject> access = lines.stream().map(JsonObject::new)
          .filter(line -> "pulso.access".equals(line.getString("loggerName"))).toList();
      assertThat(access).as("an access line per answer, none lost or cut").hasSize(300);
      assertThat(access).allSatisfy(line -> {
        assertThat(line.getString("formattedMessage"))
            .containsPattern("^[0-9a-f]{16} GET (/health/live|other) provider=- status=(200|404) \\d+ ms \\d+ bytes$");
        // Its fields are the object's (what Logs Insights filters and groups by), figures as numbers.
        assertThat(line.getString("route")).isIn("/health/live", "other");
        assertThat(line.getValue("status")).isIn(200, 404);
        assertThat(line.getValue("bytes")).isInstanceOf(Number.class);
      });
    } finally {
      server.destroyForcibly();
    }
  }

  @Test
  void invalidConfigurationStopsTheStartNamingTheKey(@TempDir Path dir) throws Exception {
    Path log = dir.resolve("server.log");
    Process server = start(Map.of("PULSO_SKIP_BUILD", "true", "PULSO_HTTP_PORT", "not-a-port"), log);
    try {
      assertThat(server.waitFor(60, TimeUnit.SECONDS)).as("stopped on its own; log:%n%s", tail(log)).isTrue();
      assertThat(server.exitValue()).isEqualTo(2);
      assertThat(Files.readString(log)).contains("http.port").contains("PULSO_HTTP_PORT");
    } finally {
      server.destroyForcibly();
    }
  }

  private static Process start(Map<String, String> env, Path log) throws IOException {
    ProcessBuilder builder = new ProcessBuilder(HOME.resolve("pulso").toString())
        .directory(HOME.toFile())
        .redirectErrorStream(true)
        .redirectOutput(log.toFile());
    builder.environment().putAll(env);
    return builder.start();
  }

  private JsonObject waitForReady(Process server, Path log, int port) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
    while (System.nanoTime() < deadline) {
      assertThat(server.isAlive()).as("server exited early; log:%n%s", tail(log)).isTrue();
      try {
        HttpResponse<String> response = get(port, "/health/ready");
        if (response.statusCode() == 200) {
          return new JsonObject(response.body());
        }
      } catch (IOException notListeningYet) {
        // keep waiting
      }
      Thread.sleep(500);
    }
    throw new AssertionError("server not ready in time; log:\n" + tail(log));
  }

  private HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(10)).build();
    return http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  /** Sale changes applied in DynamoDB, from the freshness histogram's count. */
  private long appliedChanges() {
    try {
      return get(MANAGEMENT_PORT, "/metrics").body().lines()
          .filter(line -> line.startsWith("pulso_freshness_seconds_count"))
          .mapToLong(line -> (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
          .sum();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static long salesCount() {
    try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + DB_PORT + "/postgres", "postgres", "");
         ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM ventas")) {
      rs.next();
      return rs.getLong(1);
    } catch (Exception e) {
      throw new AssertionError("cannot count sales", e);
    }
  }

  private static List<ProcessHandle> processesMentioning(String text) {
    return ProcessHandle.allProcesses()
        .filter(p -> LocalProcess.isRunning(p.pid()) && p.info().commandLine().map(cmd -> cmd.contains(text)).orElse(false))
        .toList();
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }
}
