package com.pulso.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An HTTP proxy in front of the Kinesis or DynamoDB emulator (their JSON protocols: {@code POST /},
 * the operation in {@code X-Amz-Target}) that answers some of the calls as AWS does when it
 * throttles, and delays some by a latency spike. Throttling answers are AWS's own: 400 with
 * {@code ProvisionedThroughputExceededException} (Kinesis and DynamoDB) or {@code ThrottlingException}
 * (DynamoDB), and a PutRecords whose chosen records fail inside a 200 answer (what Kinesis does when a
 * shard is over its limits: the rest of the call is put). Everything else is forwarded as it came.
 */
public final class AwsFaultProxy implements AutoCloseable {

  /**
   * What to do to calls of one operation, every so many (0: never; counted per operation, retries
   * included): throttle the call, fail a record of a PutRecords, delay the call by {@code delay}.
   * Periods rather than chances: a test sees every kind of fault even when it makes few calls.
   */
  public record Faults(int throttleEvery, int failRecordEvery, int delayEvery, Duration delay) {
    public static final Faults NONE = new Faults(0, 0, 0, Duration.ZERO);
  }

  /** Restricted by the JDK's HTTP client, or about the hop rather than the call. */
  private static final Set<String> NOT_FORWARDED = Set.of("host", "content-length", "connection", "expect",
      "upgrade", "transfer-encoding", "keep-alive");

  private final URI target;
  private final HttpServer server;
  private final ExecutorService handlers = Executors.newCachedThreadPool(task -> {
    Thread thread = new Thread(task, "aws-fault-proxy");
    thread.setDaemon(true);
    return thread;
  });
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  /** By operation name (the part of X-Amz-Target after the dot). */
  private final Map<String, Faults> faults = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> injected = new ConcurrentHashMap<>();

  private AwsFaultProxy(URI target) throws IOException {
    this.target = target;
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 128);
    server.setExecutor(handlers);
    server.createContext("/", this::handle);
    server.start();
  }

  /** Listens on a free loopback port, forwarding to {@code target}. */
  public static AwsFaultProxy start(URI target) throws IOException {
    return new AwsFaultProxy(target);
  }

  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** From now on, calls of {@code operation} (e.g. {@code PutRecords}, {@code UpdateItem}) meet {@code these}. */
  public void inject(String operation, Faults these) {
    faults.put(operation, these);
  }

  /** Every call forwarded as it came from now on. */
  public void heal() {
    faults.clear();
  }

  /** Calls and faults injected so far, by {@code operation/kind} (kind: calls, throttled, recordsFailed, delayed). */
  public Map<String, Long> injected() {
    Map<String, Long> counts = new java.util.TreeMap<>();
    injected.forEach((key, count) -> counts.put(key, count.get()));
    return counts;
  }

  /** Adds {@code by} to the count of {@code operation/kind}; returns the new count. */
  private long count(String operation, String kind, long by) {
    return injected.computeIfAbsent(operation + "/" + kind, key -> new AtomicLong()).addAndGet(by);
  }

  private static boolean every(long count, int period) {
    return period > 0 && count % period == 0;
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body = exchange.getRequestBody().readAllBytes();
      String amzTarget = exchange.getRequestHeaders().getFirst("X-Amz-Target");
      String operation = amzTarget == null ? "" : amzTarget.substring(amzTarget.indexOf('.') + 1);
      boolean dynamoDb = amzTarget != null && amzTarget.startsWith("DynamoDB");
      Faults these = faults.getOrDefault(operation, Faults.NONE);
      long call = count(operation, "calls", 1);
      if (every(call, these.delayEvery())) {
        count(operation, "delayed", 1);
        Thread.sleep(these.delay().toMillis());
      }
      if (every(call, these.throttleEvery())) {
        long throttled = count(operation, "throttled", 1);
        answer(exchange, 400, dynamoDb ? "application/x-amz-json-1.0" : "application/x-amz-json-1.1",
            throttling(dynamoDb, throttled % 2 == 0).encode().getBytes(StandardCharsets.UTF_8));
        return;
      }
      if ("PutRecords".equals(operation) && these.failRecordEvery() > 0) {
        putSomeRecords(exchange, body, these.failRecordEvery());
        return;
      }
      HttpResponse<byte[]> forwarded = forward(exchange, body);
      answer(exchange, forwarded.statusCode(), forwarded.headers().firstValue("content-type").orElse(
          "application/json"), forwarded.body());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      // The emulator away: the SDK sees a server error and retries.
      answer(exchange, 500, "application/json", new JsonObject().put("__type", "InternalFailure")
          .put("message", "fault proxy: " + e).encode().getBytes(StandardCharsets.UTF_8));
    }
  }

  /**
   * As Kinesis over a shard's limits: the chosen records fail with ProvisionedThroughputExceededException
   * in a 200 answer (FailedRecordCount), the others are put — forwarded as a call of their own.
   */
  private void putSomeRecords(HttpExchange exchange, byte[] body, int failEvery) throws Exception {
    JsonObject request = new JsonObject(new String(body, StandardCharsets.UTF_8));
    JsonArray records = request.getJsonArray("Records");
    List<Integer> kept = new ArrayList<>();
    for (int i = 0; i < records.size(); i++) {
      if (!every(count("PutRecords", "records", 1), failEvery)) {
        kept.add(i);
      }
    }
    count("PutRecords", "recordsFailed", records.size() - kept.size());
    JsonArray keptResults = new JsonArray();
    if (!kept.isEmpty()) {
      JsonArray keptRecords = new JsonArray();
      kept.forEach(i -> keptRecords.add(records.getValue(i)));
      HttpResponse<byte[]> forwarded = forward(exchange, request.copy().put("Records", keptRecords).encode()
          .getBytes(StandardCharsets.UTF_8));
      if (forwarded.statusCode() != 200) {
        answer(exchange, forwarded.statusCode(), "application/x-amz-json-1.1", forwarded.body());
        return;
      }
      keptResults = new JsonObject(new String(forwarded.body(), StandardCharsets.UTF_8)).getJsonArray("Records");
    }
    JsonArray results = new JsonArray();
    int failed = 0;
    for (int i = 0, next = 0; i < records.size(); i++) {
      if (next < kept.size() && kept.get(next) == i) {
        JsonObject result = keptResults.getJsonObject(next++);
        failed += result.containsKey("ErrorCode") ? 1 : 0;
        results.add(result);
      } else {
        failed++;
        results.add(new JsonObject().put("ErrorCode", "ProvisionedThroughputExceededException")
            .put("ErrorMessage", "Rate exceeded for shard (fault proxy)"));
      }
    }
    answer(exchange, 200, "application/x-amz-json-1.1", new JsonObject().put("FailedRecordCount", failed)
        .put("Records", results).encode().getBytes(StandardCharsets.UTF_8));
  }

  private HttpResponse<byte[]> forward(HttpExchange exchange, byte[] body) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(target.resolve(exchange.getRequestURI().toString()))
        .timeout(Duration.ofSeconds(30))
        .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
    exchange.getRequestHeaders().forEach((name, values) -> {
      if (!NOT_FORWARDED.contains(name.toLowerCase(java.util.Locale.ROOT))) {
        values.forEach(value -> request.header(name, value));
      }
    });
    return client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private static JsonObject throttling(boolean dynamoDb, boolean throttlingException) {
    if (!dynamoDb) {
      return new JsonObject().put("__type", "ProvisionedThroughputExceededException")
          .put("message", "Rate exceeded for shard (fault proxy)");
    }
    return throttlingException
        ? new JsonObject().put("__type", "com.amazon.coral.availability#ThrottlingException")
            .put("message", "Rate of requests exceeds the allowed throughput (fault proxy)")
        : new JsonObject().put("__type", "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException")
            .put("message", "The level of configured provisioned throughput for the table was exceeded (fault proxy)");
  }

  private static void answer(HttpExchange exchange, int status, String contentType, byte[] body) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", contentType);
    exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    handlers.shutdownNow();
  }
}
