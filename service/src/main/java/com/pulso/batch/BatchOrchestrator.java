package com.pulso.batch;

import com.pulso.aggregate.BaselineWriter;
import com.pulso.aggregate.MetricKeys;
import com.pulso.aggregate.MetricsReader;
import com.pulso.aws.AwsClients;
import com.pulso.batch.BatchRuns.BatchRun;
import com.pulso.batch.JobRunner.JobState;
import com.pulso.config.PulsoConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The nightly batch's leader (a cluster singleton): runs the report job for each business day once
 * it is closed, at {@code batch.schedule} in the business zone; at start, settles the runs an earlier
 * leader left active and catches up the last {@code batch.catchUpDays} closed days no run reported; takes
 * manual runs of a day or a range from the admin API ({@link #RUN_ADDRESS}).
 *
 * <p>A run makes up to {@code 1 + batch.retries} attempts. An attempt is started on the
 * {@link JobRunner}, followed with a doubling wait ({@code batch.firstPoll} up to
 * {@code batch.maxPoll}), stopped when it overruns {@code batch.timeout}; a successful one is then
 * checked and reconciled ({@link ReportCheck}) before the run is marked succeeded. Every step is
 * recorded in {@code pulso.batch_runs}.
 */
public final class BatchOrchestrator extends VerticleBase {

  /** Request {@code {"from": "YYYY-MM-DD", "to": "YYYY-MM-DD"}}; reply: the queued run ({@link BatchRun#toJson}). */
  public static final String RUN_ADDRESS = "pulso.batch.run";
  /** The most days one manual run reports. */
  public static final int MAX_RUN_DAYS = 92;

  private static final Logger LOG = LoggerFactory.getLogger(BatchOrchestrator.class);

  private final PulsoConfig.Batch config;
  private final BatchRuns runs;
  private final JobRunner runner;
  private final ReportCheck check;
  private final Clock clock;
  private final CronSchedule schedule;
  private final MeterRegistry registry;
  private final Timer duration;
  private MessageConsumer<JsonObject> manual;
  private long timer = -1;
  private boolean stopped;

  public BatchOrchestrator(PulsoConfig.Batch config, ZoneId zone, BatchRuns runs, JobRunner runner,
                           ReportCheck check, Clock clock, MeterRegistry registry) {
    this.config = config;
    this.runs = runs;
    this.runner = runner;
    this.check = check;
    this.clock = clock.withZone(zone);
    this.schedule = CronSchedule.parse(config.schedule());
    this.registry = registry;
    this.duration = Timer.builder("pulso.batch.duration").description("Runs of the report job, first start to end")
        .register(registry);
  }

  /** The leader of {@code config}: its runner ({@code batch.runner}) and its check, on the cluster's services. */
  public static BatchOrchestrator of(Vertx vertx, PulsoConfig config, Pool pool, AwsClients aws, MeterRegistry registry) {
    JobRunner runner = "glue".equals(config.batch().runner())
        ? new GlueJobRunner(aws, config.batch().glueJobName(), config.businessZone())
        : new LocalSparkRunner(vertx, aws, config);
    MetricKeys keys = new MetricKeys(config.businessZone());
    String table = config.aws().dynamoDbTable();
    ReportCheck check = new ReportCheck(vertx, pool, new ReportStore(vertx, aws, config.aws().s3Bucket()),
        new MetricsReader(aws, table, keys),
        new BaselineWriter(vertx, aws, table, keys, config.aggregate().minuteRetention(), registry), keys, registry);
    return new BatchOrchestrator(config.batch(), config.businessZone(), new BatchRuns(pool), runner, check,
        Clock.systemUTC(), registry);
  }

  @Override
  public Future<?> start() {
    // The runs active now are an earlier leader's: listed before this leader takes any of its own.
    return runs.active().compose(left -> {
      manual = vertx.eventBus().consumer(RUN_ADDRESS, this::runRequested);
      // Settling and catching up go on after start: a slow Glue call must not hold the member's start.
      settleLeftRuns(left).compose(v -> catchUp())
          .onFailure(error -> LOG.error("Batch: settling earlier runs or catching up failed", error))
          .onComplete(done -> scheduleNext());
      return manual.completion();
    });
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    vertx.cancelTimer(timer);
    runner.close();
    return manual.unregister();
  }

  /**
   * Why a manual run of {@code from..to} is refused when the business day is {@code today}, if it is:
   * {@code from} after {@code to}, more than {@link #MAX_RUN_DAYS} days, or a day not closed yet.
   * One home for the admin route's checks and this leader's: what reaches {@link #RUN_ADDRESS} is
   * checked again, whoever sent it.
   */
  public static Optional<String> refusal(LocalDate from, LocalDate to, LocalDate today) {
    if (from.isAfter(to)) {
      return Optional.of("from (" + from + ") is after to (" + to + ")");
    }
    long days = ChronoUnit.DAYS.between(from, to) + 1;
    if (days > MAX_RUN_DAYS) {
      return Optional.of("from " + from + " to " + to + " spans " + days + " days; at most " + MAX_RUN_DAYS);
    }
    if (!to.isBefore(today)) {
      return Optional.of("only closed days can be reported: the last is " + today.minusDays(1));
    }
    return Optional.empty();
  }

  /** Queues and runs {@code from..to}; the reply is the queued run (or a failure: the range is busy, ...). */
  private void runRequested(Message<JsonObject> message) {
    LocalDate from;
    LocalDate to;
    try {
      from = LocalDate.parse(message.body().getString("from"));
      to = LocalDate.parse(message.body().getString("to"));
    } catch (RuntimeException e) {
      message.fail(400, "from and to must be dates (YYYY-MM-DD)");
      return;
    }
    Optional<String> refused = refusal(from, to, LocalDate.now(clock));
    if (refused.isPresent()) {
      LOG.warn("Batch: a run request refused: {}", refused.get());
      message.fail(400, refused.get());
      return;
    }
    runs.queue(from, to, runner.name())
        .onSuccess(run -> {
          message.reply(run.toJson());
          execute(run);
        })
        .onFailure(error -> message.fail(error instanceof BatchRuns.RangeBusyException ? 409 : 500, error.getMessage()));
  }

  private void scheduleNext() {
    if (stopped) {
      return;
    }
    ZonedDateTime now = ZonedDateTime.now(clock);
    ZonedDateTime next = schedule.next(now);
    long delay = Math.max(1, Duration.between(now, next).toMillis());
    LOG.info("Batch: next scheduled run at {} ({} in {} s)", next, schedule, delay / 1000);
    timer = vertx.setTimer(delay, id -> {
      LocalDate yesterday = LocalDate.now(clock).minusDays(1);
      queueAndRun(yesterday, yesterday).onComplete(done -> scheduleNext());
    });
  }

  /** The last {@code catchUpDays} closed days (yesterday's included) that no run reported, one run each, in order. */
  private Future<Void> catchUp() {
    LocalDate yesterday = LocalDate.now(clock).minusDays(1);
    Future<Void> chain = Future.succeededFuture();
    for (LocalDate day = yesterday.minusDays(config.catchUpDays() - 1L); !day.isAfter(yesterday); day = day.plusDays(1)) {
      LocalDate missed = day;
      chain = chain.compose(v -> runs.reported(missed)).compose(reported -> {
        if (reported) {
          return Future.succeededFuture();
        }
        LOG.info("Batch: {} has no report; catching it up", missed);
        return queueAndRun(missed, missed);
      });
    }
    return chain;
  }

  /** Queues a run and completes when it ended; a range already running is left to that run. */
  private Future<Void> queueAndRun(LocalDate from, LocalDate to) {
    return runs.queue(from, to, runner.name())
        .compose(this::execute)
        .recover(error -> {
          if (error instanceof BatchRuns.RangeBusyException) {
            LOG.info("Batch: {}", error.getMessage());
          } else {
            LOG.error("Batch: the run of {}..{} could not be made", from, to, error);
          }
          return Future.succeededFuture();
        });
  }

  /**
   * Runs an earlier leader left active: a Glue attempt goes on without us and is followed again; a
   * local one died with its member and counts as a failed attempt.
   */
  private Future<Void> settleLeftRuns(List<BatchRun> left) {
    List<Future<Void>> settled = new ArrayList<>();
    for (BatchRun run : left) {
      LOG.info("Batch: run {} of {}..{} was left {} by an earlier leader", run.id(), run.from(), run.to(), run.state());
      if (run.externalRunId() != null && runner.name().equals(run.runner()) && "glue".equals(run.runner())) {
        settled.add(follow(run, run.attempts(), run.externalRunId(), Instant.now(clock).plus(config.timeout())));
      } else {
        settled.add(failedAttempt(run, Math.max(1, run.attempts()), "the member running the attempt left"));
      }
    }
    return Future.join(settled).mapEmpty();
  }

  /** Runs a queued run to its end: its attempts, then its check. */
  private Future<Void> execute(BatchRun run) {
    return attempt(run, 1);
  }

  private Future<Void> attempt(BatchRun run, int attempt) {
    JobRequest request = new JobRequest(run.id(), attempt, run.from(), run.to());
    LOG.info("Batch: run {} of {}..{}, attempt {} of {} on {}", run.id(), run.from(), run.to(), attempt,
        1 + config.retries(), runner.name());
    Instant deadline = Instant.now(clock).plus(config.timeout());
    return runner.start(request)
        .compose(externalId -> runs.attempting(run.id(), attempt, externalId).map(externalId))
        .compose(externalId -> follow(run, attempt, externalId, deadline),
            error -> failedAttempt(run, attempt, "the job could not be started: " + error.getMessage()));
  }

  private Future<Void> follow(BatchRun run, int attempt, String externalId, Instant deadline) {
    return poll(externalId, deadline, config.firstPoll()).compose(state -> {
      if (state == null) {
        String error = "attempt " + attempt + " overran its timeout of " + config.timeout().toSeconds() + " s";
        LOG.warn("Batch: run {} {}; stopping it", run.id(), error);
        return runner.stop(externalId).transform(stopped -> attempt <= config.retries()
            ? failedAttempt(run, attempt, error)
            : end(run, "timed_out", error));
      }
      if (state.phase() == JobState.Phase.SUCCEEDED) {
        // The job names its reports by the run id its runner gave the attempt (Glue's job run id).
        return check.afterSuccess(run.from(), run.to(), externalId)
            .compose(checked -> end(run, "succeeded", null),
                error -> failedAttempt(run, attempt, "the job's reports do not hold up: " + error.getMessage()));
      }
      return failedAttempt(run, attempt, state.error());
    });
  }

  /** The attempt's state once it ended; null when {@code deadline} passed first. */
  private Future<JobState> poll(String externalId, Instant deadline, Duration wait) {
    if (Instant.now(clock).isAfter(deadline)) {
      return Future.succeededFuture(null);
    }
    return runner.state(externalId)
        // A look that failed (throttling, a network error) is not the job's failure: look again.
        .recover(error -> {
          LOG.warn("Batch: cannot see attempt {} now: {}", externalId, error.getMessage());
          return Future.succeededFuture(JobState.RUNNING);
        })
        .compose(state -> {
          if (state.ended()) {
            return Future.succeededFuture(state);
          }
          Promise<Void> waited = Promise.promise();
          long left = Math.max(1, Duration.between(Instant.now(clock), deadline).toMillis());
          vertx.setTimer(Math.min(wait.toMillis(), left), id -> waited.complete());
          Duration longer = wait.multipliedBy(2);
          return waited.future().compose(v -> poll(externalId, deadline,
              longer.compareTo(config.maxPoll()) > 0 ? config.maxPoll() : longer));
        });
  }

  private Future<Void> failedAttempt(BatchRun run, int attempt, String error) {
    LOG.warn("Batch: run {} attempt {} failed: {}", run.id(), attempt, error);
    if (attempt > config.retries()) {
      return end(run, "failed", error);
    }
    return runs.attemptFailed(run.id(), error).compose(v -> attempt(run, attempt + 1));
  }

  private Future<Void> end(BatchRun run, String state, String error) {
    Counter.builder("pulso.batch.runs").tag("state", state).description("Runs of the report job by how they ended")
        .register(registry).increment();
    return runs.ended(run.id(), state, error).compose(v -> runs.find(run.id())).map(ended -> {
      ended.filter(r -> r.startedAt() != null && r.finishedAt() != null).ifPresent(r ->
          duration.record(Duration.between(r.startedAt(), r.finishedAt())));
      if ("succeeded".equals(state)) {
        LOG.info("Batch: run {} of {}..{} succeeded", run.id(), run.from(), run.to());
      } else {
        LOG.error("Batch: run {} of {}..{} {}: {}", run.id(), run.from(), run.to(), state, error);
      }
      return null;
    });
  }
}
