package com.pulso.observability;

import static com.pulso.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.pulso.aws.AwsClients;
import com.pulso.config.ConfigLoader;
import com.pulso.config.PulsoConfig;
import com.pulso.report.AwsLayout;
import com.pulso.testing.CloudWatchStub;
import com.pulso.testing.TestServices;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The metrics CloudWatch gets, through the SDK to an endpoint speaking its protocol (RPC v2 CBOR): names,
 * units, dimensions (Environment and at most one more), counts as increases, distributions, and a period
 * CloudWatch refused sent with the next.
 */
class CloudWatchMetricsTest {

  private static final Instant NOW = Instant.parse("2026-12-05T12:00:00Z");
  private static CloudWatchStub cloudWatch;
  private static Vertx vertx;
  private static AwsClients aws;
  private static MeterRegistry registry;
  private static CloudWatchMetrics metrics;
  private static final AtomicLong lag = new AtomicLong(4_000);

  @BeforeAll
  static void start() throws Exception {
    cloudWatch = new CloudWatchStub();
    Map<String, String> env = new HashMap<>(TestServices.env());
    env.put(ConfigLoader.envName("aws.endpoints.cloudwatch"), cloudWatch.endpoint());
    PulsoConfig config = ConfigLoader.load(TestServices.home().resolve("conf"), env);
    vertx = Vertx.vertx();
    registry = new Metrics().registry();
    aws = new AwsClients(vertx, config, registry);
    metrics = new CloudWatchMetrics(new PulsoConfig.CloudWatch(true, "test", Duration.ofMinutes(1)), registry, aws,
        Clock.fixed(NOW, ZoneOffset.UTC));
    // The meters as the server names them.
    Gauge.builder("pulso.stream.consume.lag", lag, AtomicLong::get).tags("stream", "s", "shard", "shardId-000000000000")
        .register(registry);
    Counter.builder("pulso.aggregate.deltas.applied").register(registry).increment(100);
    Counter.builder("pulso.capture.dead.lettered").register(registry).increment(2);
    Timer.builder("pulso.api.requests").tags("route", "/v1/x", "method", "GET", "status", "200").register(registry)
        .record(5, TimeUnit.MILLISECONDS);
    Timer.builder("pulso.api.requests").tags("route", "/v1/x", "method", "GET", "status", "503").register(registry)
        .record(5, TimeUnit.MILLISECONDS);
    Timer.builder("pulso.freshness").publishPercentileHistogram().register(registry).record(300, TimeUnit.MILLISECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    aws.close();
    await(vertx.close());
    cloudWatch.close();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Map<String, Object>> lastByName() {
    List<Map<String, Object>> requests = cloudWatch.requests();
    Map<String, Object> request = requests.get(requests.size() - 1);
    assertThat(request.get("Namespace")).isEqualTo(AwsLayout.METRICS_NAMESPACE);
    Map<String, Map<String, Object>> byName = new HashMap<>();
    for (Object datum : (List<Object>) request.get("MetricData")) {
      Map<String, Object> d = (Map<String, Object>) datum;
      List<Map<String, Object>> dimensions = (List<Map<String, Object>>) d.get("Dimensions");
      String extra = dimensions.stream().filter(x -> !AwsLayout.ENVIRONMENT_DIMENSION.equals(x.get("Name")))
          .map(x -> "|" + x.get("Value")).findFirst().orElse("");
      byName.put(d.get("MetricName") + extra, d);
    }
    return byName;
  }

  @Test
  @SuppressWarnings("unchecked")
  void eachPeriodSendsTheHeartbeatGaugesIncreasesAndDistributionsWithBoundedDimensions() throws Exception {
    await(metrics.publish());
    Map<String, Map<String, Object>> first = lastByName();
    assertThat(first.get(AwsLayout.HEARTBEAT_METRIC)).containsEntry("Value", 1.0).containsEntry("Unit", "Count");
    assertThat(first.get("ConsumerLagSeconds|shardId-000000000000")).containsEntry("Value", 4.0)
        .containsEntry("Unit", "Seconds");
    assertThat(first.get(AwsLayout.CHANGES_APPLIED_METRIC)).containsEntry("Value", 100.0);
    assertThat(first.get(AwsLayout.DEAD_LETTERS_METRIC)).containsEntry("Value", 2.0);
    assertThat(first.get(AwsLayout.API_ANSWERS_METRIC + "|2xx")).containsEntry("Value", 1.0);
    assertThat(first.get(AwsLayout.API_ANSWERS_METRIC + "|5xx")).containsEntry("Value", 1.0);
    Map<String, Object> freshness = first.get(AwsLayout.FRESHNESS_METRIC);
    assertThat(freshness.get("Unit")).isEqualTo("Seconds");
    assertThat((List<Double>) freshness.get("Counts")).containsExactly(1.0);
    assertThat(((List<Double>) freshness.get("Values")).get(0)).isBetween(0.3, 0.4);
    for (Map<String, Object> datum : first.values()) {
      List<Map<String, Object>> dimensions = (List<Map<String, Object>>) datum.get("Dimensions");
      assertThat(dimensions).hasSizeBetween(1, 2);
      assertThat(dimensions.get(0)).containsEntry("Name", "Environment").containsEntry("Value", "test");
    }

    // The next period: increases only, no new distribution values.
    Counter.builder("pulso.aggregate.deltas.applied").register(registry).increment(7);
    lag.set(0);
    await(metrics.publish());
    Map<String, Map<String, Object>> second = lastByName();
    assertThat(second.get(AwsLayout.CHANGES_APPLIED_METRIC)).containsEntry("Value", 7.0);
    assertThat(second.get(AwsLayout.DEAD_LETTERS_METRIC)).containsEntry("Value", 0.0);
    assertThat(second.get("ConsumerLagSeconds|shardId-000000000000")).containsEntry("Value", 0.0);
    assertThat(second).doesNotContainKey(AwsLayout.FRESHNESS_METRIC);

    // CloudWatch refuses a period: its increase goes with the next one.
    Counter.builder("pulso.aggregate.deltas.applied").register(registry).increment(5);
    cloudWatch.failNext(10);
    int taken = cloudWatch.requests().size();
    assertThat(metrics.publish().toCompletionStage().toCompletableFuture().handle((v, e) -> e).get()).isNotNull();
    assertThat(cloudWatch.requests()).hasSize(taken);
    cloudWatch.failNext(0);
    Counter.builder("pulso.aggregate.deltas.applied").register(registry).increment(1);
    await(metrics.publish());
    assertThat(lastByName().get(AwsLayout.CHANGES_APPLIED_METRIC)).containsEntry("Value", 6.0);
  }
}
