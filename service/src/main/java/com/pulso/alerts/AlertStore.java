package com.pulso.alerts;

import com.pulso.alerts.AlertState.Status;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The alerts in PostgreSQL ({@code pulso.alert_state}, {@code pulso.alert_events}): each rule's state,
 * written only over the version it was read at, and in the same transaction the events it notifies —
 * the outbox the notifier drains. A member that takes over the evaluation reads where every rule stood:
 * a firing alert is neither notified again nor forgotten.
 */
public final class AlertStore {

  /** An event to notify: for {@code topic} ({@code alerts} or {@code escalation}). */
  public record Notification(long id, String rule, String kind, String topic, String severity, String subject,
                             String message, int attempts) {}

  /** Another member wrote the rule's state first (a partition's second evaluator): this one's step is dropped. */
  public static final class StaleState extends RuntimeException {
    StaleState(String rule) {
      super("alert " + rule + ": its state was written by another member");
    }
  }

  private final Pool pool;

  public AlertStore(Pool pool) {
    this.pool = pool;
  }

  /** Every rule's stored state. */
  public Future<Map<String, AlertState>> states() {
    return pool.query("SELECT rule, status, condition_since, fired_at, escalated_at, notified_at, value, threshold,"
        + " detail, version FROM pulso.alert_state").execute().map(rows -> {
          Map<String, AlertState> states = new HashMap<>();
          for (Row row : rows) {
            states.put(row.getString("rule"), state(row));
          }
          return states;
        });
  }

  /**
   * Writes {@code next} over the state read as {@code read} (its version), with the notifications of its step;
   * fails with {@link StaleState} when another member wrote it since. Completes with the state as stored.
   */
  public Future<AlertState> save(AlertState read, AlertState next, List<Notification> notifications) {
    return pool.withTransaction(connection -> connection.preparedQuery("INSERT INTO pulso.alert_state AS s (rule,"
            + " status, condition_since, fired_at, escalated_at, notified_at, value, threshold, detail, version)"
            + " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1) ON CONFLICT (rule) DO UPDATE SET status = $2,"
            + " condition_since = $3, fired_at = $4, escalated_at = $5, notified_at = $6, value = $7, threshold = $8,"
            + " detail = $9, version = s.version + 1 WHERE s.version = $10 RETURNING version")
        .execute(Tuple.tuple().addString(next.rule()).addString(next.status().name().toLowerCase())
            .addOffsetDateTime(time(next.conditionSince())).addOffsetDateTime(time(next.firedAt()))
            .addOffsetDateTime(time(next.escalatedAt())).addOffsetDateTime(time(next.notifiedAt()))
            .addDouble(finite(next.value())).addDouble(next.threshold()).addValue(next.detail())
            .addLong(read.version()))
        .compose(rows -> {
          if (rows.rowCount() == 0) {
            return Future.failedFuture(new StaleState(next.rule()));
          }
          long version = rows.iterator().next().getLong(0);
          return insert(connection, notifications).map(v -> new AlertState(next.rule(), next.status(),
              next.conditionSince(), next.firedAt(), next.escalatedAt(), next.notifiedAt(), next.value(),
              next.threshold(), next.detail(), version));
        }));
  }

  private static Future<Void> insert(SqlConnection connection, List<Notification> notifications) {
    if (notifications.isEmpty()) {
      return Future.succeededFuture();
    }
    return connection.preparedQuery("INSERT INTO pulso.alert_events (rule, kind, topic, severity, subject, message,"
            + " value, threshold, detail) SELECT rule, $2, $3, $4, $5, $6, value, threshold, detail"
            + " FROM pulso.alert_state WHERE rule = $1")
        .executeBatch(notifications.stream().map(n -> Tuple.of(n.rule(), n.kind(), n.topic(), n.severity(), n.subject(),
            n.message())).toList())
        .mapEmpty();
  }

  /**
   * Claims the oldest notification not delivered and not claimed (or whose claim ran out) for {@code claim};
   * empty when there is none.
   */
  public Future<Optional<Notification>> claimNext(Duration claim) {
    return pool.preparedQuery("UPDATE pulso.alert_events SET claimed_until = now() + $1 * interval '1 millisecond',"
            + " attempts = attempts + 1 WHERE id = (SELECT id FROM pulso.alert_events WHERE delivered_at IS NULL"
            + " AND (claimed_until IS NULL OR claimed_until < now()) ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)"
            + " RETURNING id, rule, kind, topic, severity, subject, message, attempts")
        .execute(Tuple.of(claim.toMillis()))
        .map(rows -> rows.rowCount() == 0 ? Optional.empty() : Optional.of(notification(rows.iterator().next())));
  }

  public Future<Void> delivered(long id) {
    return pool.preparedQuery("UPDATE pulso.alert_events SET delivered_at = now(), last_error = NULL WHERE id = $1")
        .execute(Tuple.of(id)).mapEmpty();
  }

  /** Leaves the notification to be tried again after {@code retryIn}, with why it failed. */
  public Future<Void> failed(long id, String error, Duration retryIn) {
    return pool.preparedQuery("UPDATE pulso.alert_events SET last_error = $2,"
            + " claimed_until = now() + $3 * interval '1 millisecond' WHERE id = $1")
        .execute(Tuple.of(id, error, retryIn.toMillis())).mapEmpty();
  }

  /**
   * The alerts operators see: every rule not ok, with its figure, and the events of the last {@code keep}
   * (newest first), with whether and when each was delivered.
   */
  public Future<JsonObject> list(Duration keep) {
    Future<JsonArray> active = pool.query("SELECT rule, status, condition_since, fired_at, escalated_at, notified_at,"
        + " value, threshold, detail FROM pulso.alert_state WHERE status <> 'ok' ORDER BY rule").execute().map(rows -> {
          JsonArray array = new JsonArray();
          for (Row row : rows) {
            array.add(new JsonObject().put("rule", row.getString("rule")).put("status", row.getString("status"))
                .put("conditionSince", text(row.getOffsetDateTime("condition_since")))
                .put("firedAt", text(row.getOffsetDateTime("fired_at")))
                .put("escalatedAt", text(row.getOffsetDateTime("escalated_at")))
                .put("value", row.getDouble("value")).put("threshold", row.getDouble("threshold"))
                .put("detail", row.getJsonObject("detail")));
          }
          return array;
        });
    Future<JsonArray> events = pool.preparedQuery("SELECT id, rule, kind, topic, severity, at, subject, value, threshold,"
            + " detail, delivered_at, attempts, last_error FROM pulso.alert_events"
            + " WHERE at > now() - $1 * interval '1 millisecond' ORDER BY id DESC LIMIT 500")
        .execute(Tuple.of(keep.toMillis())).map(rows -> {
          JsonArray array = new JsonArray();
          for (Row row : rows) {
            array.add(new JsonObject().put("id", row.getLong("id")).put("rule", row.getString("rule"))
                .put("kind", row.getString("kind")).put("topic", row.getString("topic"))
                .put("severity", row.getString("severity")).put("at", text(row.getOffsetDateTime("at")))
                .put("subject", row.getString("subject")).put("value", row.getDouble("value"))
                .put("threshold", row.getDouble("threshold")).put("detail", row.getJsonObject("detail"))
                .put("deliveredAt", text(row.getOffsetDateTime("delivered_at")))
                .put("attempts", row.getInteger("attempts")).put("lastError", row.getString("last_error")));
          }
          return array;
        });
    return Future.all(active, events).map(all -> new JsonObject().put("active", active.result())
        .put("events", events.result()));
  }

  private static AlertState state(Row row) {
    return new AlertState(row.getString("rule"), Status.valueOf(row.getString("status").toUpperCase()),
        instant(row.getOffsetDateTime("condition_since")), instant(row.getOffsetDateTime("fired_at")),
        instant(row.getOffsetDateTime("escalated_at")), instant(row.getOffsetDateTime("notified_at")),
        row.getDouble("value"), row.getDouble("threshold"), row.getJsonObject("detail"), row.getLong("version"));
  }

  private static Notification notification(Row row) {
    return new Notification(row.getLong("id"), row.getString("rule"), row.getString("kind"), row.getString("topic"),
        row.getString("severity"), row.getString("subject"), row.getString("message"), row.getInteger("attempts"));
  }

  private static Double finite(Double value) {
    return value == null || value.isNaN() || value.isInfinite() ? null : value;
  }

  private static OffsetDateTime time(Instant instant) {
    return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
  }

  private static Instant instant(OffsetDateTime time) {
    return time == null ? null : time.toInstant();
  }

  private static String text(OffsetDateTime time) {
    return time == null ? null : time.toInstant().toString();
  }
}
