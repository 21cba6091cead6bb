package com.pulso.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.pulso.batch.GlueStub;
import com.pulso.testing.Await;
import com.pulso.testing.SalesWorkload;
import com.pulso.testing.ServerJvm;
import com.pulso.testing.ServerPipeline;
import com.pulso.testing.TestPorts;
import com.pulso.testing.TestServices;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Requests made from the OpenAPI document the server publishes: every operation, with parameters
 * valid by its schema and invalid ones (wrong types, out of range, impossible dates, missing, unknown,
 * repeated, oversized, escapes), keys of every kind (none, wrong, another provider's, admin), wrong
 * methods and bodies. Against a whole server JVM on the test's services: no answer is a 5xx, every
 * error is problem+json whose status is the answer's, and the server is ready and right afterwards.
 * The seed is printed: a failure can be replayed with {@code -Dfuzz.seed=}.
 */
class ApiFuzzTest {

  private static final int HTTP_PORT = TestPorts.port(25850);
  private static final int CLUSTER_PORT = TestPorts.port(25851);
  private static final String ADMIN = "api-fuzz-test-admin-key-0123456789abcdef";
  private static final int REQUESTS_PER_OPERATION = 120;
  private static final List<String> METHODS = List.of("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS");

  private static ServerPipeline pipeline;
  private static ServerJvm server;
  private static Vertx vertx;
  private static GlueStub glue;
  private static String providerOneKey;
  private static String providerTwoKey;
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void aServerWithSales() throws Exception {
    pipeline = ServerPipeline.create();
    vertx = Vertx.vertx();
    // The batch on, on Glue (a stub): a run asked for is queued, not refused for want of a leader.
    glue = GlueStub.start(vertx);
    Path dir = Files.createDirectories(TestServices.home().resolve("service/target/api-fuzz"));
    Files.deleteIfExists(dir.resolve("server.log"));
    // Rate limits high enough that the requests reach the routes (429s are judged all the same).
    server = pipeline.startServer(dir.resolve("server.log"), HTTP_PORT, CLUSTER_PORT, Map.of(
        "PULSO_ADMIN_KEY", ADMIN, "PULSO_BATCH_ENABLED", "true", "PULSO_BATCH_RUNNER", "glue",
        "PULSO_BATCH_CATCH_UP_DAYS", "0", "PULSO_AWS_ENDPOINTS_GLUE", "http://127.0.0.1:" + glue.port(),
        "PULSO_API_RATE_LIMIT_PER_MINUTE", "100000", "PULSO_API_UNAUTHENTICATED_PER_ADDRESS_PER_MINUTE", "100000",
        "PULSO_API_UNAUTHENTICATED_KEY_LOOKUPS_PER_SECOND", "10000"));
    pipeline.awaitCaptureStreaming();
    SalesWorkload.run(pipeline.config(), LocalDate.now(pipeline.config().businessZone()).minusDays(1), 500, 2, 7L);
    providerOneKey = newKey(1);
    providerTwoKey = newKey(2);
  }

  @AfterAll
  static void stop() throws Exception {
    pipeline.close();
    glue.close();
    vertx.close().toCompletionStage().toCompletableFuture().get();
  }

  @Test
  void noRequestMadeFromTheDocumentGetsA5xxAndEveryErrorIsProblemJson() throws Exception {
    long seed = Long.getLong("fuzz.seed", System.nanoTime());
    System.out.printf("API fuzz seed %d (-Dfuzz.seed=%d replays it)%n", seed, seed);
    SplittableRandom random = new SplittableRandom(seed);
    JsonObject document = new JsonObject(send("GET", "/openapi.json", null, null).body());
    Map<Integer, Integer> statuses = new TreeMap<>();
    List<String> wrong = new ArrayList<>();
    int requests = 0;

    for (Map.Entry<String, Object> path : document.getJsonObject("paths")) {
      JsonObject operations = (JsonObject) path.getValue();
      for (String method : operations.fieldNames()) {
        if (!METHODS.contains(method.toUpperCase())) {
          continue;
        }
        JsonObject operation = operations.getJsonObject(method);
        JsonArray parameters = operation.getJsonArray("parameters", new JsonArray());
        for (int i = 0; i < REQUESTS_PER_OPERATION; i++) {
          String verb = random.nextInt(12) == 0 ? METHODS.get(random.nextInt(METHODS.size())) : method.toUpperCase();
          String target = target(path.getKey(), parameters, random);
          String body = verb.equals("GET") || verb.equals("HEAD") ? null : body(random);
          HttpResponse<String> answer = send(verb, target, key(random), body);
          requests++;
          statuses.merge(answer.statusCode(), 1, Integer::sum);
          String problem = judge(verb, answer);
          if (problem != null) {
            wrong.add(verb + " " + shorten(target) + " → " + answer.statusCode() + ": " + shorten(problem));
          }
        }
      }
    }

    System.out.printf("API fuzz: %d requests over the document's operations, answers by status %s%n", requests,
        statuses);
    assertThat(wrong).as("answers that are 5xx, or errors that are not problem+json of their status").isEmpty();
    assertThat(statuses.keySet()).as("the requests reached the routes: some succeeded, some were refused")
        .contains(200, 400, 401, 403, 404);
    // Ready and right after it all.
    assertThat(server.awaitReady(Duration.ofSeconds(10)).getString("status")).isEqualTo("UP");
    // The fuzz spent the keys' rate limits: a provider's request answers once its window has passed.
    Await.waitUntil(() -> {
      try {
        return send("GET", "/v1/providers/1/realtime", providerOneKey, null).statusCode() == 200;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }, Duration.ofSeconds(90), "a provider's request answered 200 after the fuzz");
  }

  /** Null when the answer is right for a fuzzed request: not a 5xx; an error is problem+json of its status. */
  private static String judge(String method, HttpResponse<String> answer) {
    int status = answer.statusCode();
    if (status >= 500) {
      return "a server error: " + answer.body();
    }
    if (status < 400 || method.equals("HEAD")) {
      return null;
    }
    String type = answer.headers().firstValue("content-type").orElse("");
    if (!type.startsWith("application/problem+json")) {
      return "content-type " + type + ": " + answer.body();
    }
    try {
      JsonObject problem = new JsonObject(answer.body());
      return problem.getInteger("status", -1) == status ? null : "problem status " + problem.getValue("status");
    } catch (RuntimeException notJson) {
      return "not JSON: " + answer.body();
    }
  }

  /** The path with its parameters filled, and a query of the operation's parameters, valid or not. */
  private static String target(String template, JsonArray parameters, SplittableRandom random) {
    String path = template;
    Map<String, List<String>> query = new LinkedHashMap<>();
    for (int i = 0; i < parameters.size(); i++) {
      JsonObject parameter = parameters.getJsonObject(i);
      String name = parameter.getString("name");
      JsonObject schema = parameter.getJsonObject("schema", new JsonObject());
      boolean valid = random.nextInt(3) > 0;
      String value = valid ? validValue(name, schema, random) : invalidValue(random);
      if (parameter.getString("in").equals("path")) {
        path = path.replace("{" + name + "}", encode(value.isEmpty() ? "x" : value));
      } else if (random.nextInt(5) > 0 || parameter.getBoolean("required", false) && valid) {
        query.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
        if (random.nextInt(15) == 0) {
          query.get(name).add(validValue(name, schema, random)); // the same parameter twice
        }
      }
    }
    if (random.nextInt(8) == 0) {
      query.put(random.nextBoolean() ? "unknown" : "limit%00", List.of(invalidValue(random)));
    }
    StringBuilder url = new StringBuilder(path);
    char separator = '?';
    for (Map.Entry<String, List<String>> entry : query.entrySet()) {
      for (String value : entry.getValue()) {
        url.append(separator).append(entry.getKey()).append('=').append(encode(value));
        separator = '&';
      }
    }
    return url.toString();
  }

  private static String validValue(String name, JsonObject schema, SplittableRandom random) {
    if ("date".equals(schema.getString("format"))) {
      return LocalDate.now().minusDays(random.nextInt(-3, 800)).toString();
    }
    if (name.equals("keyId")) {
      // Not the test's own keys (the first ids): revoking them would only turn later answers into 401s.
      return Long.toString(random.nextLong(1_000, 1_000_000));
    }
    if ("integer".equals(schema.getString("type"))) {
      long min = schema.getLong("minimum", 1L);
      long max = schema.getLong("maximum", name.equals("providerId") ? 4L : 1_000_000L);
      return Long.toString(random.nextLong(min, max + 1));
    }
    return Long.toHexString(random.nextLong());
  }

  private static final List<String> INVALID = List.of("", "0", "-1", "abc", "1.5", "1e3", "99999999999999999999",
      "2026-02-30", "2026-13-01", "0000-00-00", "2026-1-1", "26-01-01", "9999-12-31", "null", "[]", "{}", "ñandú",
      "' OR 1=1 --", "../../etc/passwd", "%00", "\u0000", "<script>alert(1)</script>", " 1", "1 ", "+1", "0x10",
      "１２", "𝟙");

  private static String invalidValue(SplittableRandom random) {
    if (random.nextInt(10) == 0) {
      return "9".repeat(random.nextInt(1, 5_000));
    }
    return INVALID.get(random.nextInt(INVALID.size()));
  }

  private static String key(SplittableRandom random) {
    return switch (random.nextInt(7)) {
      case 0 -> null;
      case 1 -> "pulso_nosuchkey0123456789abcdef0123";
      case 2 -> "x".repeat(random.nextInt(1, 3_000));
      case 3 -> providerTwoKey;
      case 4 -> providerOneKey;
      default -> ADMIN;
    };
  }

  private static String body(SplittableRandom random) {
    return switch (random.nextInt(5)) {
      case 0 -> null;
      case 1 -> "{\"from\": \"2026-01-01\", \"to\": []}";
      case 2 -> "{not json";
      case 3 -> "x".repeat(random.nextInt(1, 200_000));
      default -> new JsonObject().put("providerId", random.nextInt()).encode();
    };
  }

  private static String shorten(String text) {
    return text.length() <= 300 ? text : text.substring(0, 300) + "… (" + text.length() + " characters)";
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static String newKey(int provider) throws Exception {
    HttpResponse<String> created = send("POST", "/v1/admin/providers/" + provider + "/api-keys", ADMIN, null);
    assertThat(created.statusCode()).as("key for provider %d: %s", provider, created.body()).isEqualTo(201);
    return new JsonObject(created.body()).getString("key");
  }

  private static HttpResponse<String> send(String method, String target, String key, String body) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + HTTP_PORT + target))
        .timeout(Duration.ofSeconds(20))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (key != null) {
      request.header("X-API-Key", key);
    }
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
