package com.pulso.devservices;

import static org.assertj.core.api.Assertions.assertThat;

import com.pulso.aws.AwsClients;
import com.pulso.db.Postgres;
import com.pulso.config.ConfigLoader;
import com.pulso.config.PulsoConfig;
import com.pulso.testing.TestPorts;
import com.pulso.testing.TestServices;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/** The dev services on ports of their own (not the shared harness's), torn down by the last test. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DevServicesTest {

  private static final int KINESIS_PORT = TestPorts.port(34567);
  private static final String ACCESS_KEY_ID = AwsClients.EMULATOR_CREDENTIALS.accessKeyId();

  @TempDir
  static Path dataDir;

  static DevServices services;
  static PulsoConfig config;
  final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() {
    config = ConfigLoader.load(TestServices.home().resolve("conf"), Map.of(
        ConfigLoader.envName("database.port"), Integer.toString(TestPorts.port(35432)),
        ConfigLoader.envName("aws.endpoints.kinesis"), "http://127.0.0.1:" + KINESIS_PORT,
        ConfigLoader.envName("aws.endpoints.dynamodb"), "http://127.0.0.1:" + TestPorts.port(34568),
        ConfigLoader.envName("aws.endpoints.s3"), "http://127.0.0.1:" + TestPorts.port(34569),
        ConfigLoader.envName("devServices.dataDir"), dataDir.toString(),
        ConfigLoader.envName("devServices.emulatorsDir"), TestServices.home().resolve("dev").toString()));
    services = DevServices.start(config);
  }

  @AfterAll
  static void stop() {
    if (services != null) {
      services.close();
    }
  }

  @Test
  void postgresRunsWithLogicalDecodingAndSynchronousCommit() throws SQLException {
    assertThat(show("wal_level")).isEqualTo("logical");
    assertThat(show("synchronous_commit")).isEqualTo("on");
    assertThat(show("listen_addresses")).isEqualTo("127.0.0.1");
    assertThat(Integer.parseInt(show("max_replication_slots"))).isGreaterThanOrEqualTo(10);
    assertThat(Integer.parseInt(show("max_wal_senders"))).isGreaterThanOrEqualTo(10);
    assertThat(services.database().serverVersion()).startsWith("17.");
  }

  @Test
  void aPgoutputSlotPeeksAnInsertRightAfterItsCommit() throws SQLException {
    try (Connection connection = connect(); Statement sql = connection.createStatement()) {
      sql.execute("CREATE TABLE ventas (id bigint PRIMARY KEY, monto numeric(12,2))");
      sql.execute("CREATE PUBLICATION pulso_test FOR TABLE ventas");
      sql.execute("SELECT pg_create_logical_replication_slot('pulso_test', 'pgoutput')");
      sql.execute("INSERT INTO ventas VALUES (1, 10.50)");

      List<Character> messageKinds = new ArrayList<>();
      try (ResultSet rs = sql.executeQuery("SELECT data FROM pg_logical_slot_peek_binary_changes('pulso_test', NULL,"
          + " NULL, 'proto_version', '1', 'publication_names', 'pulso_test')")) {
        while (rs.next()) {
          messageKinds.add((char) rs.getBytes(1)[0]);
        }
      }
      // Begin, Relation, Insert, Commit.
      assertThat(messageKinds).containsSubsequence('B', 'I', 'C');
    }
  }

  @Test
  void kinesisEmulatorServesTheKinesisJsonProtocol() throws Exception {
    HttpResponse<String> response = awsJson(config.aws().kinesisEndpoint(), "application/x-amz-json-1.1",
        "Kinesis_20131202.ListStreams", "kinesis");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).contains("\"StreamNames\":[]");
  }

  @Test
  void dynamoDbEmulatorServesTheDynamoDbJsonProtocol() throws Exception {
    HttpResponse<String> response = awsJson(config.aws().dynamoDbEndpoint(), "application/x-amz-json-1.0",
        "DynamoDB_20120810.ListTables", "dynamodb");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).contains("\"TableNames\":[]");
  }

  @Test
  void s3StoresAnObjectSignedWithTheLocalCredentials() throws Exception {
    URI bucket = config.aws().s3Endpoint().resolve("/pulso-reports");
    URI object = config.aws().s3Endpoint().resolve("/pulso-reports/reports/provider=7/_manifest.json");
    byte[] manifest = "{\"rows\":3}".getBytes(StandardCharsets.UTF_8);

    assertThat(s3(SdkHttpMethod.PUT, bucket, new byte[0], ACCESS_KEY_ID).statusCode()).isEqualTo(200);
    assertThat(s3(SdkHttpMethod.PUT, object, manifest, ACCESS_KEY_ID).statusCode()).isEqualTo(200);
    HttpResponse<String> read = s3(SdkHttpMethod.GET, object, new byte[0], ACCESS_KEY_ID);

    assertThat(read.statusCode()).isEqualTo(200);
    assertThat(read.body()).isEqualTo("{\"rows\":3}");
    assertThat(dataDir.resolve("s3/pulso-reports/reports/provider=7/_manifest.json")).hasContent("{\"rows\":3}");
  }

  @Test
  void s3RefusesRequestsSignedWithOtherCredentials() throws Exception {
    HttpResponse<String> response = s3(SdkHttpMethod.GET, config.aws().s3Endpoint().resolve("/"), new byte[0],
        "someone-else");

    assertThat(response.statusCode()).isEqualTo(403);
  }

  @Test
  @Order(Integer.MAX_VALUE)
  void closeLeavesNoPostgresOrNodeProcess() {
    long postmaster = services.database().postmasterPid();
    long node = services.emulators().pid();
    List<Long> postgresChildren = ProcessHandle.of(postmaster).orElseThrow().children().map(ProcessHandle::pid).toList();
    assertThat(LocalProcess.isRunning(postmaster)).isTrue();
    assertThat(LocalProcess.isRunning(node)).isTrue();
    assertThat(postgresChildren).isNotEmpty();
    assertThat(commandsOfOurProcesses()).hasSizeGreaterThanOrEqualTo(2);

    services.close();
    services = null;

    assertThat(LocalProcess.isRunning(postmaster)).as("postmaster %s", postmaster).isFalse();
    assertThat(postgresChildren).noneMatch(LocalProcess::isRunning);
    assertThat(LocalProcess.isRunning(node)).as("node %s", node).isFalse();
    assertThat(commandsOfOurProcesses()).isEmpty();
  }

  /** The postmaster names its data directory, node its ports. */
  private static List<String> commandsOfOurProcesses() {
    return ProcessHandle.allProcesses().filter(p -> LocalProcess.isRunning(p.pid()))
        .map(p -> p.info().commandLine().orElse(""))
        .filter(command -> command.contains(dataDir.toString()) || command.contains("--kinesis-port " + KINESIS_PORT))
        .toList();
  }

  private String show(String setting) throws SQLException {
    try (Connection connection = connect(); Statement sql = connection.createStatement();
         ResultSet rs = sql.executeQuery("SHOW " + setting)) {
      rs.next();
      return rs.getString(1);
    }
  }

  private Connection connect() throws SQLException {
    PulsoConfig.Database database = config.database();
    return Postgres.connect(database);
  }

  /** The emulators check that a request is signed, not the signature: a well-formed header will do. */
  private HttpResponse<String> awsJson(URI endpoint, String contentType, String target, String service)
      throws Exception {
    HttpRequest request = HttpRequest.newBuilder(endpoint)
        .header("Content-Type", contentType)
        .header("X-Amz-Target", target)
        .header("X-Amz-Date", "20250101T000000Z")
        .header("Authorization", "AWS4-HMAC-SHA256 Credential=pulso-local/20250101/us-east-1/" + service
            + "/aws4_request, SignedHeaders=host;x-amz-date, Signature=0")
        .POST(HttpRequest.BodyPublishers.ofString("{}"))
        .build();
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  /** A request signed as the SDK v2 signs it (SigV4), sent by the JDK's client. */
  private HttpResponse<String> s3(SdkHttpMethod method, URI uri, byte[] body, String accessKeyId) throws Exception {
    SignedRequest signed = AwsV4HttpSigner.create().sign(r -> r
        .identity(AwsCredentialsIdentity.create(accessKeyId, AwsClients.EMULATOR_CREDENTIALS.secretAccessKey()))
        .request(SdkHttpRequest.builder().method(method).uri(uri).build())
        .payload(ContentStreamProvider.fromByteArray(body))
        .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "s3")
        .putProperty(AwsV4HttpSigner.REGION_NAME, config.aws().region())
        .putProperty(AwsV4HttpSigner.DOUBLE_URL_ENCODE, false)
        .putProperty(AwsV4HttpSigner.NORMALIZE_PATH, false));
    HttpRequest.Builder request = HttpRequest.newBuilder(uri)
        .method(method.name(), HttpRequest.BodyPublishers.ofByteArray(body));
    signed.request().forEachHeader((name, values) -> {
      if (!name.equalsIgnoreCase("Host") && !name.equalsIgnoreCase("Content-Length")) {
        values.forEach(value -> request.header(name, value));
      }
    });
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
