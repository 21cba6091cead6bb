package com.pulso.api;

import static com.pulso.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.pulso.aggregate.BaselineWriter;
import com.pulso.aggregate.MetricItem.ClientDay;
import com.pulso.aggregate.MetricKeys;
import com.pulso.aggregate.MetricsChanged;
import com.pulso.aws.AwsClients;
import com.pulso.aws.AwsResources;
import com.hazelcast.map.IMap;
import com.pulso.cluster.ClusterSetup;
import com.pulso.config.ConfigLoader;
import com.pulso.config.PulsoConfig;
import com.pulso.db.FreshDatabase;
import com.pulso.db.Migrations;
import com.pulso.db.Postgres;
import com.pulso.observability.Readiness;
import com.pulso.sales.Lsn;
import com.pulso.stream.MetricsEvent;
import com.pulso.testing.Await;
import com.pulso.testing.SalesWorkload;
import com.pulso.testing.TestServices;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The provider WebSocket at scale, on one member: many subscribers each get every change, a
 * subscriber that stops reading is dropped while the others go on, and closed connections leave
 * nothing behind (the member's subscriber and watch gauges return to zero).
 */
class FiguresStreamTest {

  private static final String ADMIN = "stream-test-admin-key-0123456789";
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final LocalDate DAY = LocalDate.of(2026, 11, 28);
  private static final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  private static Vertx vertx;
  private static AwsClients aws;
  private static int httpPort;
  private static int limitedPort;
  private static int shortLivedPort;
  private static ApiKeys keys;
  private static String providerKey;

  @BeforeAll
  static void server() throws Exception {
    TestServices.config();
    Map<String, String> env = new HashMap<>(TestServices.env());
    env.put(ConfigLoader.envName("aws.dynamodb.table"), "stream-" + UUID.randomUUID());
    env.put(ConfigLoader.envName("http.host"), "127.0.0.1");
    env.put(ConfigLoader.envName("api.rateLimitPerMinute"), "100000");
    env.put(ConfigLoader.envName("api.stream.maxPerKey"), "100000"); // the cap is limitedPort's test
    // A thousand subscribers from one address (the limit per address is ProviderApiTest's).
    env.put(ConfigLoader.envName("api.unauthenticated.perAddressPerMinute"), "100000");
    env.put(ConfigLoader.envName("cluster.port"), String.valueOf(freePort()));
    env.put(ConfigLoader.envName("cluster.name"), "stream-" + UUID.randomUUID());
    PulsoConfig config = FreshDatabase.create(ConfigLoader.load(TestServices.home().resolve("conf"), env), true);
    Migrations.migrate(config);
    SalesWorkload.createProviders(config);
    vertx = await(ClusterSetup.join(config.cluster(), new VertxOptions(), Vertx.builder()));
    aws = new AwsClients(vertx, config, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    await(new AwsResources(vertx, aws, config).createTableIfMissing());
    // As a finished bootstrap leaves the table: the API serves real-time figures only under its marker.
    await(new BaselineWriter(vertx, aws, config.aws().dynamoDbTable(), new MetricKeys(config.businessZone()),
        config.aggregate().minuteRetention(), registry).markBootstrapped(config.capture().slotName(), Lsn.ZERO));
    Pool pool = Postgres.pool(vertx, config.database());
    keys = new ApiKeys(pool);
    await(keys.ensure(ADMIN, null));
    providerKey = await(keys.create(1)).key();
    httpPort = serve(env, config, pool, Map.of(), registry);
    // Two more servers of the same member, for the limits: tickets are the cluster's, any server spends them.
    limitedPort = serve(env, config, pool, Map.of("api.stream.maxPerKey", "2", "api.stream.maxPerMember", "3"),
        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    shortLivedPort = serve(env, config, pool, Map.of("api.stream.maxLifetimeSeconds", "1"),
        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
  }

  /** An API server on a free port with {@code env} and {@code changes} over it; its port. */
  private static int serve(Map<String, String> env, PulsoConfig config, Pool pool, Map<String, String> changes,
                           PrometheusMeterRegistry meters) throws Exception {
    Map<String, String> served = new HashMap<>(env);
    int port = freePort();
    served.put(ConfigLoader.envName("http.port"), String.valueOf(port));
    changes.forEach((key, value) -> served.put(ConfigLoader.envName(key), value));
    await(vertx.deployVerticle(new ApiVerticle(ConfigLoader.load(TestServices.home().resolve("conf"), served)
        .withDatabase(config.database()), pool, aws, keys, new Readiness(), meters)));
    return port;
  }

  @AfterAll
  static void stop() throws Exception {
    aws.close();
    await(vertx.close());
  }

  @Test
  void aThousandSubscribersEachReceiveEveryChangeAndClosingThemReleasesTheirResources() throws Exception {
    int subscribers = 1_000;
    WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(subscribers));
    List<AtomicInteger> changes = new ArrayList<>();
    List<WebSocket> sockets = new ArrayList<>();
    try {
      for (int i = 0; i < subscribers; i++) {
        sockets.add(subscribe(client, changes));
      }
      awaitGauge("pulso.api.stream.subscribers", subscribers);
      assertThat(gauge("pulso.api.stream.providers")).as("one watch for the provider, however many sockets").isEqualTo(1);

      for (int event = 1; event <= 3; event++) {
        publishChange(Set.of(new ClientDay(1, DAY, event)));
        int expected = event;
        Await.waitUntil(() -> changes.stream().allMatch(count -> count.get() == expected), Duration.ofSeconds(20),
            () -> "every subscriber got change " + expected + "; behind: "
                + changes.stream().filter(count -> count.get() < expected).count());
      }
    } finally {
      await(Future.all(sockets.stream().map(WebSocket::close).toList()));
      await(client.close());
    }
    awaitGauge("pulso.api.stream.subscribers", 0);
    awaitGauge("pulso.api.stream.providers", 0);
  }

  @Test
  void aSubscriberThatStopsReadingIsDroppedWhileTheOthersGetEveryChange() throws Exception {
    WebSocketClient client = vertx.createWebSocketClient();
    List<AtomicInteger> changes = new ArrayList<>();
    List<WebSocket> sockets = new ArrayList<>();
    double droppedBefore = counter("pulso.api.stream.dropped");
    // Opened by hand with a tiny receive buffer, then never read: its backlog builds up in the server.
    try (Socket slow = new Socket()) {
      slow.setReceiveBufferSize(4096);
      slow.connect(new java.net.InetSocketAddress("127.0.0.1", httpPort));
      upgrade(slow, ticketPath());
      for (int i = 0; i < 5; i++) {
        sockets.add(subscribe(client, changes));
      }
      awaitGauge("pulso.api.stream.subscribers", 6);

      // Changes naming 2,000 clients (~14 kB a message), 20 at a time, as fast as the readers take them.
      Set<ClientDay> manyClients = new HashSet<>();
      for (long c = 1; c <= 2_000; c++) {
        manyClients.add(new ClientDay(1, DAY, 10_000 + c));
      }
      int published = 0;
      while (counter("pulso.api.stream.dropped") == droppedBefore && published < 2_000) {
        for (int i = 0; i < 20; i++) {
          publishChange(manyClients);
        }
        published += 20;
        int expected = published;
        Await.waitUntil(() -> changes.stream().allMatch(count -> count.get() == expected), Duration.ofSeconds(20),
            () -> "the readers got all " + expected + " changes");
      }
      assertThat(counter("pulso.api.stream.dropped")).as("the reader that stopped was dropped after %d changes",
          published).isEqualTo(droppedBefore + 1);
      // Its connection goes (after the close handshake's timeout: it does not read the close frame).
      awaitGauge("pulso.api.stream.subscribers", 5);

      // The others are still subscribed and still served.
      publishChange(Set.of(new ClientDay(1, DAY, 1)));
      int expected = published + 1;
      Await.waitUntil(() -> changes.stream().allMatch(count -> count.get() == expected), Duration.ofSeconds(20),
          () -> "the readers got the change after the drop");
    } finally {
      await(Future.all(sockets.stream().map(WebSocket::close).toList()));
      await(client.close());
    }
    awaitGauge("pulso.api.stream.subscribers", 0);
    awaitGauge("pulso.api.stream.providers", 0);
  }

  @Test
  void noCompressionIsAgreedEvenWhenTheClientOffersIt() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", httpPort)) {
      String answer = upgrade(socket, ticketPath(), "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits");

      // A deflate context per subscriber would cost hundreds of KB each (ApiVerticle).
      assertThat(answer.toLowerCase(java.util.Locale.ROOT)).doesNotContain("sec-websocket-extensions");
    }
    awaitGauge("pulso.api.stream.subscribers", 0);
  }

  @Test
  void aTicketPutIntoTheClusterMapByAnythingButAMemberOpensNothing() throws Exception {
    long keyId = await(keys.create(1)).id();
    IMap<String, Object> tickets = ClusterSetup.hazelcast(vertx).getMap("pulso.api.stream-tickets");
    // As a process that reached Hazelcast would write them: a ticket as they were kept, and as they are, unsealed.
    tickets.put("forged-ticket", 1);
    tickets.put(ApiKeys.hash("forged-ticket"), "1:" + keyId);
    tickets.put(ApiKeys.hash("forged-ticket-2"), "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");

    assertThat(handshake(httpPort, "/v1/providers/1/stream?ticket=forged-ticket")).startsWith("HTTP/1.1 401");
    assertThat(handshake(httpPort, "/v1/providers/1/stream?ticket=forged-ticket-2")).startsWith("HTTP/1.1 401");

    // A real ticket is kept under its hash, what it grants sealed: the map's keys and values give nothing to spend.
    String path = ticketPath(providerKey);
    String ticket = path.substring(path.indexOf("ticket=") + "ticket=".length());
    assertThat(tickets.containsKey(ticket)).isFalse();
    assertThat(tickets.get(ApiKeys.hash(ticket))).asString().doesNotContain(":").isNotEqualTo("1");
    assertThat(handshake(httpPort, path)).startsWith("HTTP/1.1 101");
  }

  @Test
  void revokingAKeyClosesItsOpenStreamsAndItsTicketsOpenNothing() throws Exception {
    ApiKeys.Created key = await(keys.create(1));
    String unspent = ticketPath(key.key());
    WebSocketClient client = vertx.createWebSocketClient();
    try {
      WebSocket socket = await(client.connect(httpPort, "127.0.0.1", ticketPath(key.key())));
      AtomicInteger closedWith = new AtomicInteger();
      socket.closeHandler(closed -> closedWith.set(socket.closeStatusCode() == null ? -1 : socket.closeStatusCode()));

      await(keys.revoke(key.id()));

      assertThat(handshake(httpPort, unspent)).startsWith("HTTP/1.1 401");
      // Within the revocation bound (the member looks at its sockets' keys every ApiKeys.REMEMBERED).
      Await.waitUntil(() -> closedWith.get() == FiguresStream.KEY_REVOKED, ApiKeys.REMEMBERED.multipliedBy(3),
          () -> "the revoked key's stream closed with " + FiguresStream.KEY_REVOKED + " (is " + closedWith.get() + ")");
    } finally {
      await(client.close());
    }
  }

  @Test
  void socketsPerKeyAndPerMemberAreCapped() throws Exception {
    String otherKey = await(keys.create(1)).key();
    String thirdKey = await(keys.create(1)).key();
    WebSocketClient client = vertx.createWebSocketClient();
    try {
      await(client.connect(limitedPort, "127.0.0.1", ticketPath(otherKey)));
      await(client.connect(limitedPort, "127.0.0.1", ticketPath(otherKey)));
      assertThat(handshake(limitedPort, ticketPath(otherKey))).as("a third of one key").startsWith("HTTP/1.1 429");

      await(client.connect(limitedPort, "127.0.0.1", ticketPath(thirdKey)));
      assertThat(handshake(limitedPort, ticketPath(thirdKey))).as("a fourth on the member").startsWith("HTTP/1.1 503");
    } finally {
      await(client.close());
    }
    // Places are given back as sockets close.
    Await.waitUntil(() -> opens(limitedPort, otherKey), Duration.ofSeconds(10), "a place again once the sockets closed");
  }

  @Test
  void aStreamIsClosedAtTheEndOfItsLifetimeForTheClientToOpenItAgain() throws Exception {
    WebSocketClient client = vertx.createWebSocketClient();
    try {
      WebSocket socket = await(client.connect(shortLivedPort, "127.0.0.1", ticketPath(providerKey)));
      AtomicInteger closedWith = new AtomicInteger();
      socket.closeHandler(closed -> closedWith.set(socket.closeStatusCode() == null ? -1 : socket.closeStatusCode()));

      Await.waitUntil(() -> closedWith.get() == FiguresStream.LIFETIME_OVER, Duration.ofSeconds(20),
          () -> "closed with " + FiguresStream.LIFETIME_OVER + " (is " + closedWith.get() + ")");
      // A new ticket opens it again.
      assertThat(handshake(shortLivedPort, ticketPath(providerKey))).startsWith("HTTP/1.1 101");
    } finally {
      await(client.close());
    }
  }

  /** Whether a new ticket of {@code key} opens a stream on {@code port}. */
  private static boolean opens(int port, String key) {
    try {
      return handshake(port, ticketPath(key)).startsWith("HTTP/1.1 101");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The status line and headers a raw WebSocket handshake of {@code path} is answered with; the
   * connection is closed after.
   */
  private static String handshake(int port, String path) throws Exception {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUpgrade: websocket\r\n"
          + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      InputStream in = socket.getInputStream();
      StringBuilder head = new StringBuilder();
      for (int b = in.read(); b != -1 && !head.toString().endsWith("\r\n\r\n"); b = in.read()) {
        head.append((char) b);
      }
      return head.toString();
    }
  }

  /** Opens a subscriber with a new ticket; it counts the changes it receives in a counter added to {@code changes}. */
  private static WebSocket subscribe(WebSocketClient client, List<AtomicInteger> changes) throws Exception {
    AtomicInteger received = new AtomicInteger();
    changes.add(received);
    // The handler is set as the socket opens, on its event loop: no message that follows is missed.
    return await(client.connect(httpPort, "127.0.0.1", ticketPath()).onSuccess(socket ->
        socket.textMessageHandler(text -> {
          if ("change".equals(new JsonObject(text).getString("type"))) {
            received.incrementAndGet();
          }
        })));
  }

  private static void publishChange(Set<ClientDay> clients) {
    vertx.eventBus().publish(MetricsEvent.address(1),
        MetricsEvent.toJson(new MetricsChanged(1, Set.of(DAY), clients, Set.of())));
  }

  /** A single-use ticket's stream path, from {@code POST /v1/stream-tickets} with the provider's key. */
  private static String ticketPath() throws Exception {
    return ticketPath(providerKey);
  }

  /** A single-use ticket's stream path, from {@code POST /v1/stream-tickets} with {@code key}. */
  private static String ticketPath(String key) throws Exception {
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + httpPort + "/v1/stream-tickets"))
        .header(ApiKeys.HEADER, key).POST(HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    return new JsonObject(response.body()).getString("stream");
  }

  /** The WebSocket opening handshake (RFC 6455), by hand; reads only the server's 101 answer, returned. */
  private static String upgrade(Socket socket, String path, String... extraHeaders) throws Exception {
    OutputStream out = socket.getOutputStream();
    out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + httpPort + "\r\nUpgrade: websocket\r\n"
        + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        + String.join("", Arrays.stream(extraHeaders).map(header -> header + "\r\n").toList()) + "\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    out.flush();
    InputStream in = socket.getInputStream();
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      assertThat(b).as("the upgrade answer, so far: %s", head).isNotEqualTo(-1);
      head.append((char) b);
    }
    assertThat(head.toString()).startsWith("HTTP/1.1 101");
    return head.toString();
  }

  private static void awaitGauge(String name, double value) throws InterruptedException {
    Await.waitUntil(() -> gauge(name) == value, Duration.ofSeconds(30),
        () -> name + " = " + value + " (is " + gauge(name) + ")");
  }

  private static double gauge(String name) {
    return registry.get(name).gauge().value();
  }

  private static double counter(String name) {
    return registry.get(name).counter().count();
  }

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
