package com.pulso.alerts;

import com.pulso.alerts.AlertState.Event;
import com.pulso.alerts.AlertStore.Notification;
import com.pulso.alerts.MemberSample.Histogram;
import com.pulso.alerts.MemberSample.Names;
import com.pulso.aws.AwsClients;
import com.pulso.batch.CronSchedule;
import com.pulso.batch.ReportCheck;
import com.pulso.config.PulsoConfig;
import com.pulso.config.PulsoConfig.AlertRule;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Judges the alert rules for the whole cluster, on one member (the "alerts" {@link
 * com.pulso.cluster.ClusterSingleton}): every {@code alerts.evaluateSeconds} it merges the members'
 * latest samples ({@link SignalSampler}) with what PostgreSQL knows (dead letters, report runs), moves
 * each rule's {@link AlertState}, stores every change with the notifications it makes ({@link AlertStore},
 * one transaction), tells {@link #TRANSITIONS} and has the {@link AlertNotifier} deliver them.
 */
public final class AlertEvaluator extends VerticleBase {

  /** Every fired, escalated, reminded and resolved alert, as JSON (for dashboards and operators' tools). */
  public static final String TRANSITIONS = "pulso.alerts.transitions";
  private static final Logger LOG = LoggerFactory.getLogger(AlertEvaluator.class);
  /** A stored state's figure is refreshed this often while the rule is not ok (GET /v1/admin/alerts shows it). */
  private static final Duration REFRESH = Duration.ofMinutes(1);

  /** A signal's figure now, and what goes with it (the worst member or shard, examples). */
  record Figure(Double value, JsonObject detail) {
    static final Figure NONE = new Figure(null, null);
  }

  private record Reconciliation(long at, JsonObject event) {}

  private final PulsoConfig config;
  private final PulsoConfig.Alerts alerts;
  private final Pool pool;
  private final AlertStore store;
  private final AlertNotifier notifier;
  private final Clock clock;
  /** The batch's schedule, for batch.lateMinutes (parsed once: the configuration checked it at start). */
  private final CronSchedule schedule;
  private final Map<String, JsonObject> samples = new HashMap<>();
  private final Deque<Reconciliation> reconciliations = new ArrayDeque<>();
  private final Map<String, AlertState> states = new HashMap<>();
  private final Map<String, Instant> stored = new HashMap<>();
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private long timer;
  private boolean evaluating;

  public AlertEvaluator(PulsoConfig config, Pool pool, AwsClients aws, Clock clock) {
    this.config = config;
    this.alerts = config.alerts();
    this.pool = pool;
    this.store = new AlertStore(pool);
    this.notifier = new AlertNotifier(store, aws, alerts);
    this.clock = clock;
    this.schedule = CronSchedule.parse(config.batch().schedule());
  }

  @Override
  public Future<?> start() {
    consumers.add(vertx.eventBus().<JsonObject>consumer(MemberSample.ADDRESS,
        message -> samples.put(message.body().getString("member"), message.body())));
    consumers.add(vertx.eventBus().<JsonObject>consumer(ReportCheck.ALERTS, message -> {
      if ("reconciliation".equals(message.body().getString("type"))) {
        reconciliations.addLast(new Reconciliation(clock.millis(), message.body()));
      }
    }));
    timer = vertx.setPeriodic(alerts.evaluateEvery().toMillis(), id -> evaluate());
    notifier.start(vertx);
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    notifier.stop();
    return Future.all(consumers.stream().map(MessageConsumer::unregister).toList());
  }

  /** One judgement of every rule; skipped while the last one still runs (a slow database). */
  Future<Void> evaluate() {
    if (evaluating) {
      return Future.succeededFuture();
    }
    evaluating = true;
    Future<Void> done = (states.isEmpty() ? store.states().onSuccess(states::putAll).mapEmpty()
        : Future.<Void>succeededFuture()).compose(v -> judgeAll(clock.instant()));
    return done.onComplete(result -> {
      evaluating = false;
      if (result.failed()) {
        // The states not stored stay as they were: the next judgement makes the same steps again.
        LOG.warn("Alert evaluation failed, retried at the next: {}", result.cause().toString());
      }
    });
  }

  private Future<Void> judgeAll(Instant now) {
    long stale = now.toEpochMilli() - SignalSampler.staleAfter(alerts).toMillis();
    samples.values().removeIf(sample -> sample.getLong("at", 0L) < stale);
    while (!reconciliations.isEmpty() && reconciliations.peekFirst().at() < now.toEpochMilli() - 24 * 3600_000L) {
      reconciliations.removeFirst();
    }
    Future<Void> chain = Future.succeededFuture();
    for (AlertRule rule : alerts.rules()) {
      chain = chain.compose(v -> figure(rule, now)).compose(figure -> judge(rule, figure, now));
    }
    return chain.compose(v -> {
      notifier.wake();
      return Future.succeededFuture();
    });
  }

  private Future<Void> judge(AlertRule rule, Figure figure, Instant now) {
    AlertState read = states.getOrDefault(rule.name(), AlertState.initial(rule));
    AlertState.Step step = read.judge(rule, figure.value(), figure.detail(), now, alerts.escalateAfter(), alerts.renotify());
    AlertState next = step.state();
    boolean refresh = next.status() != AlertState.Status.OK
        && now.isAfter(stored.getOrDefault(rule.name(), Instant.EPOCH).plus(REFRESH));
    if (step.events().isEmpty() && next.status() == read.status() && !refresh) {
      states.put(rule.name(), next);
      return Future.succeededFuture();
    }
    List<Notification> notifications = new ArrayList<>();
    for (Event event : step.events()) {
      for (String topic : topics(event, next)) {
        notifications.add(AlertMessages.notification(config, rule, event, topic, next, now));
      }
    }
    return store.save(read, next, notifications).map(saved -> {
      states.put(rule.name(), saved);
      stored.put(rule.name(), now);
      for (Event event : step.events()) {
        LOG.info("Alert {} {}: {} = {} (threshold {})", rule.name(), event.name().toLowerCase(Locale.ROOT),
            rule.signal().key(), saved.value(), rule.threshold());
        vertx.eventBus().publish(TRANSITIONS, new JsonObject().put("rule", rule.name())
            .put("event", event.name().toLowerCase(Locale.ROOT)).put("severity", rule.severity())
            .put("signal", rule.signal().key()).put("value", saved.value()).put("threshold", rule.threshold())
            .put("detail", saved.detail()).put("at", now.toString()));
      }
      return (Void) null;
    }).recover(error -> {
      if (error instanceof AlertStore.StaleState) {
        // Another evaluator (a partition's other side) moved it: take its word.
        return store.states().map(all -> {
          states.put(rule.name(), all.getOrDefault(rule.name(), AlertState.initial(rule)));
          return (Void) null;
        });
      }
      return Future.failedFuture(error);
    });
  }

  /** Where an event goes: escalations to the escalation topic, the end of an escalated alert to both. */
  private static List<String> topics(Event event, AlertState state) {
    return switch (event) {
      case FIRED -> List.of("alerts");
      case ESCALATED -> List.of("escalation");
      case REMINDED, RESOLVED -> state.escalatedAt() != null ? List.of("alerts", "escalation") : List.of("alerts");
    };
  }

  /** The rule's signal now, over its window, across every member heard from. */
  Future<Figure> figure(AlertRule rule, Instant now) {
    String window = Long.toString(rule.window().toSeconds());
    return switch (rule.signal()) {
      case FRESHNESS_P99 -> Future.succeededFuture(quantile(window, Names.FRESHNESS));
      case API_P99 -> Future.succeededFuture(quantile(window, Names.API_LATENCY));
      case CAPTURE_LAG -> Future.succeededFuture(worst(Names.CAPTURE_LAG));
      case CAPTURE_WAL_RETAINED -> Future.succeededFuture(worst(Names.WAL_RETAINED));
      case CONSUMER_LAG -> Future.succeededFuture(worst(Names.CONSUMER_LAG));
      case CAPTURE_POLL_FAILURES -> Future.succeededFuture(sum(window, Names.POLL_FAILURES, false));
      case CAPTURE_SLOT_LOST -> Future.succeededFuture(sum(window, Names.SLOT_LOST, false));
      case SALES_CAPTURED -> Future.succeededFuture(
          alerts.businessHours().contains(ZonedDateTime.ofInstant(now, config.businessZone()))
              // No member with the capture's counter is no sale captured, not no data.
              ? sum(window, Names.SALES, true) : new Figure(Double.NaN, null));
      case API_ERROR_RATIO -> {
        Figure total = sum(window, Names.API_TOTAL, true);
        Figure errors = sum(window, Names.API_ERRORS, true);
        yield Future.succeededFuture(total.value() == 0 ? new Figure(0.0, null)
            : new Figure(errors.value() / total.value(), new JsonObject().put("answers", total.value())
                .put("errors", errors.value())));
      }
      case DEAD_LETTERS -> pool.preparedQuery("SELECT count(*), max(reason) FILTER (WHERE id = (SELECT max(id) FROM"
              + " pulso.dead_letters)) FROM pulso.dead_letters WHERE created_at > now() - $1 * interval '1 second'")
          .execute(Tuple.of(rule.window().toSeconds())).map(rows -> {
            long filed = rows.iterator().next().getLong(0);
            double unreadable = sum(window, Names.UNREADABLE, true).value();
            return new Figure(filed + unreadable, new JsonObject().put("sourceRows", filed)
                .put("kinesisRecords", unreadable).put("newestReason", rows.iterator().next().getString(1)));
          });
      case BATCH_FAILED_RUNS -> failedRuns(rule.window());
      case BATCH_LATE_MINUTES -> late(now);
      case BATCH_RECONCILIATION_DIFFERENCES -> {
        long since = now.toEpochMilli() - rule.window().toMillis();
        JsonArray events = new JsonArray();
        double clients = 0;
        for (Reconciliation reconciliation : reconciliations) {
          if (reconciliation.at() >= since) {
            events.add(reconciliation.event());
            clients += reconciliation.event().getInteger("clientsDiffering", 0);
          }
        }
        yield Future.succeededFuture(new Figure((double) events.size(), new JsonObject().put("clientsDiffering", clients)
            .put("reconciliations", events)));
      }
    };
  }

  /**
   * Runs that ended failed or timed out within the window and whose days no later run reported: the
   * alert stands until the days are reported (a run POSTed once the cause is fixed), not until the
   * window forgets them. The newest one's id, days and error tell the operator what to re-run.
   */
  private Future<Figure> failedRuns(Duration window) {
    if (!config.batch().enabled()) {
      return Future.succeededFuture(new Figure(Double.NaN, null));
    }
    return pool.preparedQuery("SELECT f.id, f.date_from, f.date_to, f.state, f.error, count(*) OVER ()"
            + " FROM pulso.batch_runs f WHERE f.state IN ('failed', 'timed_out')"
            + " AND f.finished_at > now() - $1 * interval '1 second' AND NOT EXISTS (SELECT 1 FROM pulso.batch_runs s"
            + " WHERE s.state = 'succeeded' AND s.created_at > f.created_at AND s.date_from <= f.date_from"
            + " AND s.date_to >= f.date_to) ORDER BY f.finished_at DESC LIMIT 1")
        .execute(Tuple.of(window.toSeconds())).map(rows -> {
          if (rows.size() == 0) {
            return new Figure(0.0, null);
          }
          Row newest = rows.iterator().next();
          return new Figure((double) newest.getLong(5), new JsonObject().put("runId", newest.getLong(0))
              .put("from", newest.getLocalDate(1).toString()).put("to", newest.getLocalDate(2).toString())
              .put("state", newest.getString(3)).put("error", newest.getString(4)));
        });
  }

  /** Minutes since the schedule last fired with no run created since (0 on time); NaN with the batch off. */
  private Future<Figure> late(Instant now) {
    if (!config.batch().enabled()) {
      return Future.succeededFuture(new Figure(Double.NaN, null));
    }
    ZonedDateTime due = schedule.previous(now.atZone(config.businessZone()));
    return pool.preparedQuery("SELECT EXISTS (SELECT 1 FROM pulso.batch_runs WHERE created_at >= $1)")
        .execute(Tuple.of(due.toOffsetDateTime()))
        .map(rows -> new Figure(rows.iterator().next().getBoolean(0) ? 0.0
            : (double) Duration.between(due.toInstant(), now).toMinutes(), new JsonObject().put("due", due.toString())));
  }

  private Figure worst(String gauge) {
    Figure worst = Figure.NONE;
    for (JsonObject sample : samples.values()) {
      JsonObject value = sample.getJsonObject("gauges", new JsonObject()).getJsonObject(gauge);
      if (value != null && (worst.value() == null || value.getDouble("value") > worst.value())) {
        worst = new Figure(value.getDouble("value"), value.getJsonObject("detail"));
      }
    }
    return worst;
  }

  /** The members' counter increases over the window; none reporting it is no data, or 0 when {@code zeroWhenNone}. */
  private Figure sum(String window, String counter, boolean zeroWhenNone) {
    Double total = zeroWhenNone ? 0.0 : null;
    for (JsonObject sample : samples.values()) {
      Double value = windowOf(sample, window).getJsonObject("counters", new JsonObject()).getDouble(counter);
      if (value != null) {
        total = (total == null ? 0 : total) + value;
      }
    }
    return new Figure(total, new JsonObject().put("members", samples.size()));
  }

  private Figure quantile(String window, String histogram) {
    Histogram merged = null;
    for (JsonObject sample : samples.values()) {
      JsonObject json = windowOf(sample, window).getJsonObject("histograms", new JsonObject()).getJsonObject(histogram);
      if (json != null) {
        Histogram one = Histogram.fromJson(json);
        merged = merged == null ? one : merged.plus(one);
      }
    }
    return merged == null ? Figure.NONE
        : new Figure(merged.quantile(0.99), new JsonObject().put("observations", merged.count()));
  }

  private static JsonObject windowOf(JsonObject sample, String window) {
    return sample.getJsonObject("windows", new JsonObject()).getJsonObject(window, new JsonObject());
  }
}
