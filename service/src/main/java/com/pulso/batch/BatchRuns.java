package com.pulso.batch;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The runs of the nightly job, as {@code pulso.batch_runs} records them: one row per run of a range
 * of days, its state ({@code queued → running → succeeded | failed | timed_out}), its attempts, the
 * runner's id of the current attempt, timings and the last error. At most one run of a range is
 * active (queued or running) at a time: the database refuses a second one.
 */
public final class BatchRuns {

  private static final String UNIQUE_VIOLATION = "23505";
  private static final String COLUMNS = "id, date_from, date_to, state, runner, attempts, external_run_id, started_at,"
      + " finished_at, error, created_at";

  private final Pool pool;

  public BatchRuns(Pool pool) {
    this.pool = pool;
  }

  /** A run, as the admin API shows it. */
  public record BatchRun(long id, LocalDate from, LocalDate to, String state, String runner, int attempts,
                         String externalRunId, OffsetDateTime startedAt, OffsetDateTime finishedAt, String error,
                         OffsetDateTime createdAt) {

    public boolean active() {
      return "queued".equals(state) || "running".equals(state);
    }

    public JsonObject toJson() {
      return new JsonObject()
          .put("id", id)
          .put("from", from.toString())
          .put("to", to.toString())
          .put("state", state)
          .put("runner", runner)
          .put("attempts", attempts)
          .put("externalRunId", externalRunId)
          .put("startedAt", startedAt == null ? null : startedAt.toInstant().toString())
          .put("finishedAt", finishedAt == null ? null : finishedAt.toInstant().toString())
          .put("error", error)
          .put("createdAt", createdAt.toInstant().toString());
    }
  }

  /** Raised by {@link #queue} when a run of the same range is already queued or running. */
  public static final class RangeBusyException extends RuntimeException {
    public RangeBusyException(LocalDate from, LocalDate to) {
      super("a run of " + from + ".." + to + " is already queued or running");
    }
  }

  /** Queues a run of {@code from..to}; fails with {@link RangeBusyException} when one is active. */
  public Future<BatchRun> queue(LocalDate from, LocalDate to, String runner) {
    return pool.preparedQuery("INSERT INTO pulso.batch_runs (date_from, date_to, runner) VALUES ($1, $2, $3)"
            + " RETURNING " + COLUMNS)
        .execute(Tuple.of(from, to, runner))
        .map(rows -> run(rows.iterator().next()))
        .recover(error -> error instanceof PgException pg && UNIQUE_VIOLATION.equals(pg.getSqlState())
            ? Future.failedFuture(new RangeBusyException(from, to))
            : Future.failedFuture(error));
  }

  public Future<Optional<BatchRun>> find(long id) {
    return pool.preparedQuery("SELECT " + COLUMNS + " FROM pulso.batch_runs WHERE id = $1")
        .execute(Tuple.of(id))
        .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(run(rows.iterator().next())));
  }

  /** An attempt began: its number and the runner's id of it. */
  public Future<Void> attempting(long id, int attempt, String externalRunId) {
    return update("UPDATE pulso.batch_runs SET state = 'running', attempts = $2, external_run_id = $3,"
        + " started_at = coalesce(started_at, now()), error = NULL WHERE id = $1", Tuple.of(id, attempt, externalRunId));
  }

  /** An attempt failed and another follows: the error is kept meanwhile. */
  public Future<Void> attemptFailed(long id, String error) {
    return update("UPDATE pulso.batch_runs SET error = $2 WHERE id = $1", Tuple.of(id, error));
  }

  /** The run ended: {@code succeeded}, {@code failed} or {@code timed_out}. */
  public Future<Void> ended(long id, String state, String error) {
    return update("UPDATE pulso.batch_runs SET state = $2, error = $3, finished_at = now() WHERE id = $1",
        Tuple.of(id, state, error));
  }

  /** Runs left active by a batch leader that went away: the new leader settles them before it starts its own. */
  public Future<List<BatchRun>> active() {
    return pool.query("SELECT " + COLUMNS + " FROM pulso.batch_runs WHERE state IN ('queued', 'running') ORDER BY id")
        .execute()
        .map(rows -> {
          List<BatchRun> runs = new ArrayList<>();
          rows.forEach(row -> runs.add(run(row)));
          return runs;
        });
  }

  /** Whether {@code day} is covered by a succeeded run. */
  public Future<Boolean> reported(LocalDate day) {
    return pool.preparedQuery("SELECT EXISTS (SELECT 1 FROM pulso.batch_runs WHERE date_from <= $1 AND date_to >= $1"
            + " AND state = 'succeeded')")
        .execute(Tuple.of(day))
        .map(rows -> rows.iterator().next().getBoolean(0));
  }

  private Future<Void> update(String sql, Tuple params) {
    return pool.preparedQuery(sql).execute(params).mapEmpty();
  }

  private static BatchRun run(Row row) {
    return new BatchRun(row.getLong("id"), row.getLocalDate("date_from"), row.getLocalDate("date_to"),
        row.getString("state"), row.getString("runner"), row.getInteger("attempts"), row.getString("external_run_id"),
        row.getOffsetDateTime("started_at"), row.getOffsetDateTime("finished_at"), row.getString("error"),
        row.getOffsetDateTime("created_at"));
  }
}
