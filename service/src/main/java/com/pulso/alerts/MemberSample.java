package com.pulso.alerts;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * What one member saw, as it travels on the event bus to the evaluating member: its gauges now, and per
 * window (seconds) the increase of its counters and histograms over that window. A member keeps its own
 * history, so the evaluator only sums the members' windows and loses nothing when it moves.
 *
 * <pre>{"member": "...", "at": 1733400000000, "gauges": {"consumer.lag": {"value": 75.2, "detail": {...}}},
 *  "windows": {"60": {"counters": {"api.total": 120}, "histograms": {"freshness": {"bounds": [...],
 *  "counts": [...], "count": 17}}}}}</pre>
 */
public final class MemberSample {

  /** Where members send their samples (publish: the evaluator is wherever the singleton runs). */
  public static final String ADDRESS = "pulso.alerts.samples";

  /** A histogram's increase: {@code counts[i]} observations at most {@code bounds[i]}, {@code count} in all. */
  public record Histogram(double[] bounds, double[] counts, double count) {

    JsonObject toJson() {
      return new JsonObject().put("bounds", array(bounds)).put("counts", array(counts)).put("count", count);
    }

    static Histogram fromJson(JsonObject json) {
      return new Histogram(doubles(json.getJsonArray("bounds")), doubles(json.getJsonArray("counts")),
          json.getDouble("count", 0.0));
    }

    /** The two merged (the same bounds: the same code made them); {@code other} null adds nothing. */
    Histogram plus(Histogram other) {
      if (other == null) {
        return this;
      }
      double[] sum = counts.clone();
      for (int i = 0; i < sum.length && i < other.counts.length; i++) {
        sum[i] += other.counts[i];
      }
      return new Histogram(bounds, sum, count + other.count);
    }

    /** The smallest bound at or under which {@code quantile} of the observations fall; null when none. */
    Double quantile(double quantile) {
      if (count <= 0) {
        return null;
      }
      double wanted = quantile * count;
      for (int i = 0; i < bounds.length; i++) {
        if (counts[i] >= wanted) {
          return bounds[i];
        }
      }
      // Beyond the last bucket: at least that.
      return bounds.length == 0 ? null : bounds[bounds.length - 1];
    }

    private static JsonArray array(double[] values) {
      JsonArray array = new JsonArray();
      for (double value : values) {
        array.add(value);
      }
      return array;
    }

    private static double[] doubles(JsonArray array) {
      double[] values = new double[array == null ? 0 : array.size()];
      for (int i = 0; i < values.length; i++) {
        values[i] = array.getDouble(i);
      }
      return values;
    }
  }

  private MemberSample() {}

  /** The names in a sample. */
  static final class Names {
    static final String CAPTURE_LAG = "capture.lag";
    static final String WAL_RETAINED = "capture.walRetained";
    static final String CONSUMER_LAG = "consumer.lag";
    static final String POLL_FAILURES = "capture.pollFailures";
    static final String SLOT_LOST = "capture.slotLost";
    static final String UNREADABLE = "stream.unreadable";
    static final String SALES = "sales.captured";
    static final String API_TOTAL = "api.total";
    static final String API_ERRORS = "api.5xx";
    static final String FRESHNESS = "freshness";
    static final String API_LATENCY = "api.latency";

    private Names() {}
  }
}
