package com.pulso.observability;

import com.pulso.aws.AwsClients;
import com.pulso.config.PulsoConfig;
import com.pulso.report.AwsLayout;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.cloudwatch.model.Dimension;
import software.amazon.awssdk.services.cloudwatch.model.MetricDatum;
import software.amazon.awssdk.services.cloudwatch.model.StandardUnit;

/**
 * A curated set of this member's meters to CloudWatch (namespace {@value AwsLayout#METRICS_NAMESPACE}), every
 * {@code cloudWatch.periodSeconds}, with PutMetricData: the heartbeat infra's alarms wait for, the capture's
 * lag and retained WAL, the consumers' lag per shard, changes captured and applied, dead letters, the API's
 * answers by status class and its latency, freshness (both as distributions, CloudWatch takes their
 * percentiles), cache hits, misses and sizes per level, batch runs by state and reconciliation differences,
 * JVM heap and GC. Every metric has the dimension {@code Environment}, and at most one more (shard, status
 * class, level, state): no member, route or provider dimension, so the set's cost does not grow with them.
 * Counts are the increase since the last period CloudWatch took; a period it refused is sent with the next.
 */
public final class CloudWatchMetrics extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(CloudWatchMetrics.class);
  /** CloudWatch takes at most 1,000 data and 150 values per datum in one request. */
  private static final int MAX_DATA = 1000;
  private static final int MAX_VALUES = 150;

  private final PulsoConfig.CloudWatch config;
  private final MeterRegistry registry;
  private final AwsClients aws;
  private final Clock clock;
  /** The cumulative values CloudWatch has taken: counters by key, histograms' bucket counts by key. */
  private Map<String, Double> sentCounts = new HashMap<>();
  private Map<String, double[]> sentBuckets = new HashMap<>();
  private long timer;
  private boolean sending;

  public CloudWatchMetrics(PulsoConfig.CloudWatch config, MeterRegistry registry, AwsClients aws, Clock clock) {
    this.config = config;
    this.registry = registry;
    this.aws = aws;
    this.clock = clock;
  }

  @Override
  public Future<?> start() {
    timer = vertx.setPeriodic(config.period().toMillis(), id -> publish());
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return Future.succeededFuture();
  }

  /** One period's data to CloudWatch; a failure leaves the counts to the next period. */
  Future<Void> publish() {
    if (sending) {
      return Future.succeededFuture();
    }
    sending = true;
    Map<String, Double> counts = new HashMap<>(sentCounts);
    Map<String, double[]> buckets = new HashMap<>(sentBuckets);
    List<MetricDatum> data = data(clock.instant(), counts, buckets);
    List<Future<?>> puts = new ArrayList<>();
    for (int from = 0; from < data.size(); from += MAX_DATA) {
      List<MetricDatum> chunk = data.subList(from, Math.min(data.size(), from + MAX_DATA));
      puts.add(aws.call(() -> aws.cloudWatch().putMetricData(put -> put.namespace(AwsLayout.METRICS_NAMESPACE)
          .metricData(chunk))));
    }
    return Future.all(puts).<Void>mapEmpty().onComplete(done -> {
      sending = false;
      if (done.succeeded()) {
        sentCounts = counts;
        sentBuckets = buckets;
      } else {
        LOG.warn("Metrics not taken by CloudWatch, sent again with the next period: {}", done.cause().toString());
      }
    });
  }

  /** The data of this period; {@code counts} and {@code buckets} are moved to what they will be once taken. */
  List<MetricDatum> data(Instant now, Map<String, Double> counts, Map<String, double[]> buckets) {
    Data data = new Data(now, counts, buckets);
    data.value(AwsLayout.HEARTBEAT_METRIC, StandardUnit.COUNT, 1, null, null);
    gauge(data, "pulso.capture.lag.seconds", AwsLayout.CAPTURE_LAG_METRIC, StandardUnit.SECONDS);
    gauge(data, "pulso.capture.slot.retained.wal.bytes", "WalRetainedBytes", StandardUnit.BYTES);
    for (Gauge lag : registry.find("pulso.stream.consume.lag").gauges()) {
      data.value("ConsumerLagSeconds", StandardUnit.SECONDS, lag.value() / 1000.0, "Shard", lag.getId().getTag("shard"));
    }
    data.increase(AwsLayout.CHANGES_APPLIED_METRIC, null, null, sum("pulso.aggregate.deltas.applied"));
    data.increase("ChangesCaptured", null, null, sum("pulso.stream.publish.changes"));
    data.increase(AwsLayout.DEAD_LETTERS_METRIC, null, null,
        sum("pulso.capture.dead.lettered") + sum("pulso.stream.consume.unreadable"));
    Map<String, Double> answers = new HashMap<>(Map.of("2xx", 0.0, "3xx", 0.0, "4xx", 0.0, "5xx", 0.0));
    for (Timer timer : registry.find("pulso.api.requests").timers()) {
      String status = timer.getId().getTag("status");
      if (status != null && !status.isEmpty()) {
        answers.merge(status.charAt(0) + "xx", (double) timer.count(), Double::sum);
      }
    }
    answers.forEach((statusClass, count) ->
        data.increase(AwsLayout.API_ANSWERS_METRIC, AwsLayout.STATUS_CLASS_DIMENSION, statusClass, count));
    data.distribution(AwsLayout.API_LATENCY_METRIC, StandardUnit.MILLISECONDS, registry.find("pulso.api.latency").timer(),
        TimeUnit.MILLISECONDS);
    data.distribution(AwsLayout.FRESHNESS_METRIC, StandardUnit.SECONDS, registry.find("pulso.freshness").timer(),
        TimeUnit.SECONDS);
    for (String result : List.of("hit", "miss")) {
      String name = result.equals("hit") ? "CacheHits" : "CacheMisses";
      data.increase(name, "Level", "l1", sum(registry.find("cache.gets").tag("cache", "pulso.api.l1").tag("result", result)
          .meters()));
      data.increase(name, "Level", "l2", sum(registry.find("pulso.api.cache.l2").tag("result", result).meters()));
    }
    gauge(data, registry.find("cache.size").tag("cache", "pulso.api.l1").gauge(), "CacheSize", "Level", "l1");
    gauge(data, registry.find("pulso.api.cache.l2.size").gauge(), "CacheSize", "Level", "l2");
    for (Counter runs : registry.find("pulso.batch.runs").counters()) {
      data.increase("BatchRuns", "State", runs.getId().getTag("state"), runs.count());
    }
    data.increase("ReconciliationDifferences", null, null, sum("pulso.batch.reconciliation.differences"));
    double heap = registry.find("jvm.memory.used").tag("area", "heap").gauges().stream().mapToDouble(Gauge::value).sum();
    if (heap > 0) {
      data.value("JvmHeapUsedBytes", StandardUnit.BYTES, heap, null, null);
    }
    double gcSeconds = registry.find("jvm.gc.pause").timers().stream()
        .mapToDouble(pause -> pause.totalTime(TimeUnit.SECONDS)).sum();
    data.increase("GcPauseSeconds", null, null, gcSeconds);
    return data.list;
  }

  private void gauge(Data data, String meter, String name, StandardUnit unit) {
    Gauge gauge = registry.find(meter).gauge();
    if (gauge != null) {
      data.value(name, unit, gauge.value(), null, null);
    }
  }

  private static void gauge(Data data, Gauge gauge, String name, String dimension, String value) {
    if (gauge != null) {
      data.value(name, StandardUnit.COUNT, gauge.value(), dimension, value);
    }
  }

  private double sum(String meter) {
    return sum(registry.find(meter).meters());
  }

  private static double sum(java.util.Collection<Meter> meters) {
    double total = 0;
    for (Meter meter : meters) {
      if (meter instanceof Counter counter) {
        total += counter.count();
      } else if (meter instanceof FunctionCounter counter) {
        total += counter.count();
      }
    }
    return total;
  }

  /** The data being made, with the cumulative values they are increases over. */
  private final class Data {
    final List<MetricDatum> list = new ArrayList<>();
    final Instant now;
    final Map<String, Double> counts;
    final Map<String, double[]> buckets;

    Data(Instant now, Map<String, Double> counts, Map<String, double[]> buckets) {
      this.now = now;
      this.counts = counts;
      this.buckets = buckets;
    }

    void value(String name, StandardUnit unit, double value, String dimension, String dimensionValue) {
      if (Double.isFinite(value)) {
        list.add(datum(name, unit, dimension, dimensionValue).value(value).build());
      }
    }

    /** The increase of a cumulative count since CloudWatch last took it (a smaller one was reset: all of it). */
    void increase(String name, String dimension, String dimensionValue, double cumulative) {
      String key = name + "|" + dimensionValue;
      Double before = counts.put(key, cumulative);
      double increase = before == null || before > cumulative ? cumulative : cumulative - before;
      list.add(datum(name, name.endsWith("Seconds") ? StandardUnit.SECONDS : StandardUnit.COUNT, dimension,
          dimensionValue).value(increase).build());
    }

    /** A histogram's new observations as values (bucket bounds) and counts; nothing when none. */
    void distribution(String name, StandardUnit unit, Timer timer, TimeUnit timeUnit) {
      if (timer == null) {
        return;
      }
      CountAtBucket[] histogram = timer.takeSnapshot().histogramCounts();
      double[] cumulative = new double[histogram.length];
      for (int i = 0; i < histogram.length; i++) {
        cumulative[i] = histogram[i].count();
      }
      double[] before = buckets.put(name, cumulative);
      List<Double> values = new ArrayList<>();
      List<Double> counted = new ArrayList<>();
      double below = 0;
      for (int i = 0; i < histogram.length && values.size() < MAX_VALUES; i++) {
        double now = cumulative[i] - (before == null || before.length != cumulative.length || before[i] > cumulative[i]
            ? 0 : before[i]);
        // Buckets are cumulative: this bucket's own observations are its count less the one below.
        double own = now - below;
        below = now;
        if (own > 0) {
          values.add(histogram[i].bucket(timeUnit));
          counted.add(own);
        }
      }
      if (!values.isEmpty()) {
        list.add(datum(name, unit, null, null).values(values).counts(counted).build());
      }
    }

    private MetricDatum.Builder datum(String name, StandardUnit unit, String dimension, String dimensionValue) {
      List<Dimension> dimensions = new ArrayList<>();
      dimensions.add(Dimension.builder().name(AwsLayout.ENVIRONMENT_DIMENSION).value(config.environment()).build());
      if (dimension != null && dimensionValue != null) {
        dimensions.add(Dimension.builder().name(dimension).value(dimensionValue).build());
      }
      return MetricDatum.builder().metricName(name).unit(unit).timestamp(now).dimensions(dimensions);
    }
  }
}
