package com.pulso.observability;

import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsOptions;

/**
 * The member's Prometheus registry, fed by Vert.x (HTTP client, event bus, pools), the API's answers, the
 * JVM, and Pulso's own meters. Scraped at {@code GET /metrics}.
 */
public final class Metrics {

  /** Series per meter name: far above what Pulso's own tags make (routes × methods × statuses, shards, …). */
  static final int MAX_SERIES_PER_NAME = 1_000;

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  public Metrics() {
    registry.config().meterFilter(new SeriesCap(MAX_SERIES_PER_NAME));
    // Open files against their limit: a leak of sockets or files shows here before it stops the member.
    new FileDescriptorMetrics().bindTo(registry);
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /**
   * Turns Vert.x metrics on, into this registry, but for its HTTP server's: the API times its answers
   * itself ({@code pulso.api.requests}, at a fraction of their cost per request).
   */
  public VertxBuilder instrument(VertxBuilder builder, VertxOptions options) {
    options.setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(true)
        .addDisabledMetricsCategory(MetricsDomain.HTTP_SERVER));
    return builder.withMetrics(new MicrometerMetricsFactory(registry));
  }
}
