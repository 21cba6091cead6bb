package com.pulso.api;

import com.pulso.config.PulsoConfig;
import com.pulso.observability.Readiness;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;
import java.util.concurrent.TimeUnit;

/**
 * The member's HTTP server: operational endpoints now ({@code /health/live}, {@code /health/ready},
 * {@code /metrics}); the provider API joins it. Stopping it stops accepting connections and lets
 * requests in flight finish within {@code http.drainSeconds}.
 */
public final class ApiVerticle extends VerticleBase {

  private final PulsoConfig.Http http;
  private final Readiness readiness;
  private final PrometheusMeterRegistry registry;
  private HttpServer server;

  public ApiVerticle(PulsoConfig.Http http, Readiness readiness, PrometheusMeterRegistry registry) {
    this.http = http;
    this.readiness = readiness;
    this.registry = registry;
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    // Liveness says only that the process serves requests: restarting it would not fix a dependency.
    router.get("/health/live").handler(ctx -> ctx.response()
        .putHeader("content-type", "application/json").end("{\"status\":\"UP\"}"));
    router.get("/health/ready").handler(HealthCheckHandler.createWithHealthChecks(readiness.checks(vertx)));
    router.get("/metrics").handler(PrometheusScrapingHandler.create(registry));
    server = vertx.createHttpServer(new HttpServerOptions().setHost(http.host()).setPort(http.port()));
    return server.requestHandler(router).listen()
        .recover(err -> Future.failedFuture(new IllegalStateException(
            "HTTP server cannot listen on " + http.host() + ":" + http.port() + " (http.port / PULSO_HTTP_PORT): "
                + err.getMessage(), err)));
  }

  @Override
  public Future<?> stop() {
    return server == null ? Future.succeededFuture() : server.shutdown(http.drain().toMillis(), TimeUnit.MILLISECONDS);
  }
}
