package com.pulso.api;

import com.pulso.observability.Readiness;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.CheckResult;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code /health/live} and {@code /health/ready}, on both of the member's ports. The management
 * port's readiness names each dependency and why it is down; the public port's says UP or DOWN and
 * nothing more (an upstream's error text is for operators), and counts against the caller's address
 * ({@link AddressLimiter}). Both answer from one round of checks per second ({@link Readiness#status}).
 */
final class HealthRoutes {

  private HealthRoutes() {}

  /** {@code addresses}: the public port's limiter; null on the management port (details, no limit). */
  static void mount(Router router, Vertx vertx, Readiness readiness, AddressLimiter addresses) {
    // Liveness says only that the process serves requests: restarting it would not fix a dependency.
    router.get("/health/live").handler(ctx -> ctx.response()
        .putHeader("content-type", "application/json").end("{\"status\":\"UP\"}"));
    router.get("/health/ready").handler(ctx -> {
      if (addresses != null && !addresses.count(addresses.address(ctx.request().headers(), ctx.request().remoteAddress()))) {
        throw new Problem(429, "too many readiness checks from this address this minute", addresses.retryAfterSeconds());
      }
      readiness.status(vertx).onComplete(checked -> answer(ctx, checked.succeeded() ? checked.result() : null,
          addresses == null));
    });
  }

  private static void answer(RoutingContext ctx, CheckResult result, boolean details) {
    boolean up = result != null && CheckResult.isUp(result);
    JsonObject body = details && result != null ? result.toJson() : new JsonObject();
    body.put("status", up ? "UP" : "DOWN");
    ctx.response().setStatusCode(up ? 200 : 503).putHeader("content-type", "application/json")
        .putHeader("cache-control", "no-store").end(body.encode());
  }
}
