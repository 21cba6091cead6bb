package com.pulso.aws;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import software.amazon.awssdk.core.metrics.CoreMetric;
import software.amazon.awssdk.metrics.MetricCollection;
import software.amazon.awssdk.metrics.MetricPublisher;
import software.amazon.awssdk.metrics.SdkMetric;

/**
 * Turns the SDK's own per-call metrics into Micrometer meters: every AWS call timed by service,
 * operation and outcome ({@code pulso.aws.calls}), its retries counted ({@code pulso.aws.retries}),
 * and failed attempts counted by kind ({@code pulso.aws.attempt.errors}: Throttling, ServerError, IO…).
 */
final class AwsCallMetrics implements MetricPublisher {

  private final MeterRegistry registry;

  AwsCallMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  @Override
  public void publish(MetricCollection call) {
    String service = first(call, CoreMetric.SERVICE_ID, "unknown");
    String operation = first(call, CoreMetric.OPERATION_NAME, "unknown");
    boolean succeeded = first(call, CoreMetric.API_CALL_SUCCESSFUL, false);
    Timer.builder("pulso.aws.calls")
        .description("AWS API calls, retries included")
        .tags("service", service, "operation", operation, "outcome", succeeded ? "success" : "failure")
        .register(registry)
        .record(first(call, CoreMetric.API_CALL_DURATION, Duration.ZERO));
    int retries = first(call, CoreMetric.RETRY_COUNT, 0);
    if (retries > 0) {
      Counter.builder("pulso.aws.retries").tags("service", service, "operation", operation)
          .register(registry).increment(retries);
    }
    call.children().forEach(attempt -> attempt.metricValues(CoreMetric.ERROR_TYPE).forEach(type ->
        Counter.builder("pulso.aws.attempt.errors").tags("service", service, "operation", operation, "type", type)
            .register(registry).increment()));
  }

  @Override
  public void close() {
    // meters belong to the registry
  }

  private static <T> T first(MetricCollection call, SdkMetric<T> metric, T fallback) {
    List<T> values = call.metricValues(metric);
    return values.isEmpty() || values.get(0) == null ? fallback : values.get(0);
  }
}
