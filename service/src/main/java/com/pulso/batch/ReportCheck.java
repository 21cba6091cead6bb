package com.pulso.batch;

import com.pulso.aggregate.BaselineFigure;
import com.pulso.aggregate.BaselineWriter;
import com.pulso.aggregate.DailyClientTotal;
import com.pulso.aggregate.DailyTotal;
import com.pulso.aggregate.MetricItem.ClientDay;
import com.pulso.aggregate.MetricKeys;
import com.pulso.aggregate.MetricsReader;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What follows a successful job run, for every provider and day of its range: the report must exist
 * and hold up ({@link ReportStore#clients}: the files its manifest names, adding up to its figures);
 * then the real-time figures of the day are reconciled with it — a difference is published on
 * {@link #ALERTS} with the numbers, and the real-time client-day items and day total are set to the
 * report's (the batch is the system of record for closed days); then {@link ReportsReady} tells
 * every member's caches.
 */
public final class ReportCheck {

  /** Alerts, as JSON objects with a {@code type}. */
  public static final String ALERTS = "pulso.alerts";
  private static final Logger LOG = LoggerFactory.getLogger(ReportCheck.class);
  private static final int EXAMPLES = 10;

  private final Vertx vertx;
  private final Pool pool;
  private final ReportStore reports;
  private final MetricsReader reader;
  private final BaselineWriter writer;
  private final MetricKeys keys;
  private final Counter rows;
  private final Counter amount;
  private final Counter differences;

  public ReportCheck(Vertx vertx, Pool pool, ReportStore reports, MetricsReader reader, BaselineWriter writer,
                     MetricKeys keys, MeterRegistry registry) {
    this.vertx = vertx;
    this.pool = pool;
    this.reports = reports;
    this.reader = reader;
    this.writer = writer;
    this.keys = keys;
    this.rows = Counter.builder("pulso.batch.rows").description("Report rows written by succeeded runs").register(registry);
    this.amount = Counter.builder("pulso.batch.amount").description("Amount reported by succeeded runs")
        .register(registry);
    this.differences = Counter.builder("pulso.batch.reconciliation.differences")
        .description("Client-days whose real-time figures differed from the report").register(registry);
  }

  /**
   * Checks, reconciles and announces every provider's report of {@code from..to}, each of which must
   * have been written by run {@code runId} (a report an earlier run left would pass every other check);
   * fails naming the first that does not hold up.
   */
  public Future<Void> afterSuccess(LocalDate from, LocalDate to, String runId) {
    return providers().compose(providers -> {
      Future<Void> chain = Future.succeededFuture();
      for (int provider : providers) {
        List<LocalDate> days = new ArrayList<>();
        for (LocalDate day = from; !day.isAfter(to); day = day.plusDays(1)) {
          LocalDate checked = day;
          days.add(day);
          chain = chain.compose(v -> check(provider, checked, runId));
        }
        chain = chain.onSuccess(v -> vertx.eventBus().publish(ReportsReady.ADDRESS,
            new ReportsReady(provider, days).toJson()));
      }
      return chain;
    });
  }

  private Future<List<Integer>> providers() {
    return pool.query("SELECT id FROM pulso.providers ORDER BY id").execute().map(result -> {
      List<Integer> ids = new ArrayList<>();
      result.forEach(row -> ids.add(row.getInteger(0)));
      return ids;
    });
  }

  private Future<Void> check(int providerId, LocalDate day, String runId) {
    return reports.manifest(providerId, day).compose(manifest -> {
      if (manifest.isEmpty()) {
        return Future.failedFuture(new IllegalStateException("provider " + providerId + "'s " + day + " has no report"));
      }
      if (!manifest.get().runId().equals(runId)) {
        return Future.failedFuture(new IllegalStateException("provider " + providerId + "'s " + day + " report was"
            + " written by run " + manifest.get().runId() + ", not by this one (" + runId + ")"));
      }
      return reports.clients(manifest.get()).compose(batch -> {
        rows.increment(batch.size());
        amount.increment(manifest.get().totalAmount().doubleValue());
        return reconcile(providerId, day, batch);
      });
    });
  }

  /** Sets the real-time figures of the day to the report's where they differ, and says so on {@link #ALERTS}. */
  Future<Void> reconcile(int providerId, LocalDate day, List<DailyClientTotal> batch) {
    Future<List<DailyClientTotal>> realtime = reader.clientDay(providerId, day);
    Future<Map<String, DailyTotal>> shares = reader.dayTotalShares(providerId, day);
    return Future.all(realtime, shares).compose(read -> {
      Map<Long, DailyClientTotal> reported = new TreeMap<>();
      batch.forEach(total -> reported.put(total.clientId(), total));
      Map<Long, DailyClientTotal> seen = new TreeMap<>();
      realtime.result().forEach(total -> seen.put(total.clientId(), total));
      List<BaselineFigure> repairs = new ArrayList<>();
      JsonArray examples = new JsonArray();
      for (long client : union(reported.keySet(), seen.keySet())) {
        DailyClientTotal want = reported.getOrDefault(client, zero(providerId, day, client));
        DailyClientTotal have = seen.getOrDefault(client, zero(providerId, day, client));
        if (want.transactions() != have.transactions() || want.amount().compareTo(have.amount()) != 0) {
          repairs.add(new BaselineFigure(new ClientDay(providerId, day, client), want.transactions(), want.amount()));
          if (examples.size() < EXAMPLES) {
            examples.add(new JsonObject().put("clientId", client).put("batch", figures(want)).put("realtime", figures(have)));
          }
        }
      }
      long batchTransactions = batch.stream().mapToLong(DailyClientTotal::transactions).sum();
      BigDecimal batchAmount = batch.stream().map(DailyClientTotal::amount).reduce(BigDecimal.ZERO.setScale(2), BigDecimal::add);
      DailyTotal realtimeTotal = DailyTotal.sum(providerId, day, shares.result().values());
      long realtimeTransactions = realtimeTotal.transactions();
      BigDecimal realtimeAmount = realtimeTotal.amount();
      boolean totalDiffers = batchTransactions != realtimeTransactions || batchAmount.compareTo(realtimeAmount) != 0;
      if (totalDiffers) {
        // The shards' shares stay as their consumers wrote them; the bootstrap's absolute share takes the difference.
        DailyTotal base = shares.result().getOrDefault(MetricKeys.BOOTSTRAP_SHARD,
            new DailyTotal(providerId, day, 0, BigDecimal.ZERO.setScale(2)));
        repairs.add(new BaselineFigure(keys.bootstrapDayTotal(providerId, day),
            base.transactions() + batchTransactions - realtimeTransactions,
            base.amount().add(batchAmount).subtract(realtimeAmount)));
      }
      if (repairs.isEmpty()) {
        return Future.succeededFuture();
      }
      int clientsDiffering = repairs.size() - (totalDiffers ? 1 : 0);
      differences.increment(clientsDiffering);
      JsonObject alert = new JsonObject()
          .put("type", "reconciliation")
          .put("providerId", providerId)
          .put("date", day.toString())
          .put("batch", new JsonObject().put("transactions", batchTransactions).put("totalAmount", batchAmount.toPlainString()))
          .put("realtime", new JsonObject().put("transactions", realtimeTransactions)
              .put("totalAmount", realtimeAmount.toPlainString()))
          .put("clientsDiffering", clientsDiffering)
          .put("examples", examples);
      LOG.warn("Reconciliation: provider {}'s {} differs from its report; real-time figures set to the report's: {}",
          providerId, day, alert.encode());
      vertx.eventBus().publish(ALERTS, alert);
      return writer.write(repairs);
    });
  }

  private static TreeSet<Long> union(java.util.Set<Long> a, java.util.Set<Long> b) {
    TreeSet<Long> all = new TreeSet<>(a);
    all.addAll(b);
    return all;
  }

  private static DailyClientTotal zero(int providerId, LocalDate day, long clientId) {
    return new DailyClientTotal(providerId, day, clientId, 0, BigDecimal.ZERO.setScale(2));
  }

  private static JsonObject figures(DailyClientTotal total) {
    return new JsonObject().put("transactions", total.transactions()).put("totalAmount", total.amount().toPlainString());
  }
}
