package com.pulso.alerts;

import com.pulso.alerts.MemberSample.Histogram;
import com.pulso.alerts.MemberSample.Names;
import com.pulso.config.PulsoConfig;
import com.pulso.config.PulsoConfig.AlertRule;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Every member's eyes for the alerts: every {@code alerts.evaluateSeconds} it reads its own meters —
 * the capture's lag and retained WAL, its shards' consumer lag, its API answers, freshness histogram,
 * failed polls, unreadable records, captured sales — and publishes them on {@link MemberSample#ADDRESS},
 * each counter and histogram as its increase over every rule's window (it keeps the history for that).
 */
public final class SignalSampler extends VerticleBase {

  private record Snapshot(long at, Map<String, Double> counters, Map<String, Histogram> histograms) {}

  private final PulsoConfig.Alerts config;
  private final MeterRegistry registry;
  private final Clock clock;
  private final String member = UUID.randomUUID().toString();
  private final Deque<Snapshot> history = new ArrayDeque<>();
  private final TreeSet<Long> windows = new TreeSet<>();
  private long timer;

  public SignalSampler(PulsoConfig.Alerts config, MeterRegistry registry, Clock clock) {
    this.config = config;
    this.registry = registry;
    this.clock = clock;
    for (AlertRule rule : config.rules()) {
      if (!rule.window().isZero()) {
        windows.add(rule.window().toSeconds());
      }
    }
  }

  @Override
  public Future<?> start() {
    timer = vertx.setPeriodic(config.evaluateEvery().toMillis(), id -> vertx.eventBus().publish(MemberSample.ADDRESS,
        sample()));
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return Future.succeededFuture();
  }

  /** This member's sample now. */
  JsonObject sample() {
    long now = clock.millis();
    Snapshot current = new Snapshot(now, counters(), histograms());
    history.addLast(current);
    long keep = (windows.isEmpty() ? 0 : windows.last() * 1000) + 2 * config.evaluateEvery().toMillis();
    while (history.size() > 1 && history.peekFirst().at() < now - keep) {
      history.removeFirst();
    }
    JsonObject windowed = new JsonObject();
    for (long window : windows) {
      Snapshot base = base(now - window * 1000);
      JsonObject counters = new JsonObject();
      current.counters().forEach((name, value) -> counters.put(name, increase(value, base.counters().get(name))));
      JsonObject histograms = new JsonObject();
      current.histograms().forEach((name, histogram) -> histograms.put(name,
          increase(histogram, base.histograms().get(name)).toJson()));
      windowed.put(Long.toString(window), new JsonObject().put("counters", counters).put("histograms", histograms));
    }
    return new JsonObject().put("member", member).put("at", now).put("gauges", gauges()).put("windows", windowed);
  }

  /**
   * The newest snapshot at or before {@code since}; when the history does not reach back that far (the member
   * started within the window) none: the meters were created with the member, so their whole count is the
   * window's.
   */
  private Snapshot base(long since) {
    Snapshot base = new Snapshot(since, Map.of(), Map.of());
    for (Snapshot snapshot : history) {
      if (snapshot.at() <= since) {
        base = snapshot;
      }
    }
    return base;
  }

  private JsonObject gauges() {
    JsonObject gauges = new JsonObject();
    Gauge captureLag = registry.find("pulso.capture.lag.seconds").gauge();
    if (captureLag != null) {
      gauges.put(Names.CAPTURE_LAG, gauge(captureLag.value(), new JsonObject()));
    }
    Gauge wal = registry.find("pulso.capture.slot.retained.wal.bytes").gauge();
    if (wal != null) {
      gauges.put(Names.WAL_RETAINED, gauge(wal.value(), new JsonObject()));
    }
    Gauge worst = null;
    for (Gauge lag : registry.find("pulso.stream.consume.lag").gauges()) {
      if (worst == null || lag.value() > worst.value()) {
        worst = lag;
      }
    }
    if (worst != null) {
      gauges.put(Names.CONSUMER_LAG, gauge(worst.value() / 1000.0, new JsonObject().put("shard", worst.getId().getTag("shard"))));
    }
    return gauges;
  }

  private JsonObject gauge(double value, JsonObject detail) {
    return new JsonObject().put("value", value).put("detail", detail.put("member", member));
  }

  private Map<String, Double> counters() {
    Map<String, Double> counters = new HashMap<>();
    Counter pollFailures = registry.find("pulso.capture.poll.failures").counter();
    if (pollFailures != null) {
      counters.put(Names.POLL_FAILURES, pollFailures.count());
    }
    Counter slotsLost = registry.find("pulso.capture.slot.lost").counter();
    if (slotsLost != null) {
      counters.put(Names.SLOT_LOST, slotsLost.count());
    }
    counters.put(Names.UNREADABLE, registry.find("pulso.stream.consume.unreadable").counters().stream()
        .mapToDouble(Counter::count).sum());
    var captured = registry.find("pulso.stream.publish.changes").counters();
    if (!captured.isEmpty()) {
      counters.put(Names.SALES, captured.stream().mapToDouble(Counter::count).sum());
    }
    double total = 0;
    double errors = 0;
    for (Timer answers : registry.find("pulso.api.requests").timers()) {
      total += answers.count();
      String status = answers.getId().getTag("status");
      if (status != null && status.startsWith("5")) {
        errors += answers.count();
      }
    }
    counters.put(Names.API_TOTAL, total);
    counters.put(Names.API_ERRORS, errors);
    return counters;
  }

  private Map<String, Histogram> histograms() {
    Map<String, Histogram> histograms = new HashMap<>();
    Timer freshness = registry.find("pulso.freshness").timer();
    if (freshness != null) {
      histograms.put(Names.FRESHNESS, histogram(freshness.takeSnapshot()));
    }
    Timer latency = registry.find("pulso.api.latency").timer();
    if (latency != null) {
      histograms.put(Names.API_LATENCY, histogram(latency.takeSnapshot()));
    }
    return histograms;
  }

  private static Histogram histogram(HistogramSnapshot snapshot) {
    CountAtBucket[] buckets = snapshot.histogramCounts();
    double[] bounds = new double[buckets.length];
    double[] counts = new double[buckets.length];
    for (int i = 0; i < buckets.length; i++) {
      bounds[i] = buckets[i].bucket(TimeUnit.SECONDS);
      counts[i] = buckets[i].count();
    }
    return new Histogram(bounds, counts, snapshot.count());
  }

  /** Counters only grow; a smaller one was reset (a meter made again), and counts from zero. */
  private static double increase(double now, Double before) {
    return before == null || before > now ? now : now - before;
  }

  private static Histogram increase(Histogram now, Histogram before) {
    if (before == null || before.count() > now.count() || before.counts().length != now.counts().length) {
      return now;
    }
    double[] counts = new double[now.counts().length];
    for (int i = 0; i < counts.length; i++) {
      counts[i] = Math.max(0, now.counts()[i] - before.counts()[i]);
    }
    return new Histogram(now.bounds(), counts, now.count() - before.count());
  }

  /**
   * How long a sample stays good at the evaluator: a member silent for longer is gone. Three intervals, and
   * never under 15 s: a member whose sample is late (a GC pause, a busy event loop) must not drop out of
   * the cluster's sums, which would move ratios and counts as if its answers had never been.
   */
  static Duration staleAfter(PulsoConfig.Alerts config) {
    Duration threeIntervals = config.evaluateEvery().multipliedBy(3);
    return threeIntervals.compareTo(MIN_STALE) < 0 ? MIN_STALE : threeIntervals;
  }

  private static final Duration MIN_STALE = Duration.ofSeconds(15);
}
