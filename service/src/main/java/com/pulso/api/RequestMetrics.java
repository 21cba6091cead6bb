package com.pulso.api;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.RoutingContext;
import java.util.Set;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Every HTTP answer of the member, timed from its routing to its end: timer {@code pulso.api.requests}
 * tagged {@code route} (the path template of the route that answered, e.g.
 * {@code /v1/providers/:providerId/daily-sales}; {@code other} for answers of the error handler and
 * unknown paths), {@code method} ({@code other} for a method token outside HTTP's usual ones: each
 * client-chosen token would be a new series) and {@code status}. A request looks its timer up in a map of its own;
 * Vert.x's HTTP server metrics, which this replaces, registered or looked up five meters and a gauge
 * in the registry per request: about a quarter of a cached answer's cost (README, "Benchmarks").
 */
final class RequestMetrics implements Handler<RoutingContext> {

  private record Key(String route, String method, int status) {}

  /** Methods recorded by name; any other token a client sends is recorded as {@code other}. */
  private static final Set<HttpMethod> KNOWN_METHODS = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.POST,
      HttpMethod.PUT, HttpMethod.DELETE, HttpMethod.PATCH, HttpMethod.OPTIONS);

  private final MeterRegistry registry;
  private final ConcurrentHashMap<Key, Timer> timers = new ConcurrentHashMap<>();
  /**
   * Every answer in one histogram of a few buckets: the member's API p99, merged across members by the
   * alerts (AlertEvaluator) without a histogram per route and status.
   */
  private final Timer latency;

  RequestMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.latency = Timer.builder("pulso.api.latency")
        .description("HTTP answers of this member, from routing to the answer's end, all routes")
        .serviceLevelObjectives(LATENCY_BUCKETS)
        .register(registry);
  }

  private static final Duration[] LATENCY_BUCKETS = java.util.stream.LongStream.of(5, 10, 25, 50, 100, 250, 500, 1000,
      2500, 5000, 10000).mapToObj(Duration::ofMillis).toArray(Duration[]::new);

  @Override
  public void handle(RoutingContext ctx) {
    long start = System.nanoTime();
    ctx.addEndHandler(ended -> {
      long elapsed = System.nanoTime() - start;
      timers.computeIfAbsent(new Key(routeTemplate(ctx), methodTag(ctx), ctx.response().getStatusCode()), this::timer)
          .record(elapsed, TimeUnit.NANOSECONDS);
      latency.record(elapsed, TimeUnit.NANOSECONDS);
    });
    ctx.next();
  }

  /** The template of the route that answered ({@code other}: the error handler, an unknown path). */
  static String routeTemplate(RoutingContext ctx) {
    Route route = ctx.currentRoute();
    return route == null || route.getPath() == null ? "other" : route.getPath();
  }

  /** The request's method, or {@code other} for a token outside HTTP's usual ones. */
  static String methodTag(RoutingContext ctx) {
    HttpMethod method = ctx.request().method();
    return KNOWN_METHODS.contains(method) ? method.name() : "other";
  }

  private Timer timer(Key key) {
    return Timer.builder("pulso.api.requests")
        .description("HTTP answers of this member, from routing to the answer's end")
        .tag("route", key.route())
        .tag("method", key.method())
        .tag("status", Integer.toString(key.status()))
        .register(registry);
  }
}
