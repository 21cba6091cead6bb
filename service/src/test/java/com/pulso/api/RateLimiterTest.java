package com.pulso.api;

import static com.pulso.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The per-key limit over HTTP, with a clock the test moves. */
class RateLimiterTest {

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final MovingClock clock = new MovingClock(Instant.parse("2026-11-29T15:00:20Z"));
  private Vertx vertx;
  private String base;

  @BeforeEach
  void serverWithALimitOfThree() throws Exception {
    vertx = Vertx.vertx();
    Router router = Router.router(vertx);
    router.route().handler(ctx -> {
      ctx.put(Authentication.PRINCIPAL, new ApiKeys.Principal(Long.parseLong(ctx.request().getHeader("key")), 1));
      ctx.next();
    });
    router.route().handler(new RateLimiter(3, clock));
    router.get("/").handler(ctx -> ctx.end("ok"));
    router.route().failureHandler(ctx -> ((Problem) ctx.failure()).answer(ctx));
    HttpServer server = await(vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1"));
    base = "http://127.0.0.1:" + server.actualPort() + "/";
  }

  @AfterEach
  void stop() throws Exception {
    await(vertx.close());
  }

  @Test
  void aKeyGetsItsLimitPerMinuteThenA429UntilTheNextMinuteAndOtherKeysAreUntouched() throws Exception {
    for (String remaining : List.of("2", "1", "0")) {
      HttpResponse<String> ok = get(7);
      assertThat(ok.statusCode()).isEqualTo(200);
      assertThat(ok.headers().firstValue("RateLimit-Limit")).contains("3");
      assertThat(ok.headers().firstValue("RateLimit-Remaining")).contains(remaining);
      assertThat(ok.headers().firstValue("RateLimit-Reset")).contains("40");
    }

    HttpResponse<String> refused = get(7);
    assertThat(refused.statusCode()).isEqualTo(429);
    assertThat(refused.headers().firstValue("Retry-After")).contains("40");
    assertThat(refused.headers().firstValue("content-type")).contains(Problem.CONTENT_TYPE);
    assertThat(refused.body()).contains("more than 3 requests this minute");
    assertThat(get(8).statusCode()).as("another key").isEqualTo(200);

    clock.advance(Duration.ofSeconds(40));
    assertThat(get(7).statusCode()).as("the next minute").isEqualTo(200);
  }

  private HttpResponse<String> get(long keyId) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(base)).header("key", Long.toString(keyId)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** A clock only the test moves. */
  private static final class MovingClock extends Clock {
    private volatile Instant now;

    MovingClock(Instant now) {
      this.now = now;
    }

    void advance(Duration by) {
      now = now.plus(by);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public ZoneId getZone() {
      return ZoneId.of("UTC");
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  }
}
