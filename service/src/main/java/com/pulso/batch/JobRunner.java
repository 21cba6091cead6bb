package com.pulso.batch;

import io.vertx.core.Future;

/**
 * Where the nightly report job runs: AWS Glue ({@link GlueJobRunner}) or a child JVM on this member
 * ({@link LocalSparkRunner}). The orchestrator starts an attempt, follows it until it ends, and stops
 * it when it overruns its timeout.
 */
public interface JobRunner {

  /** The runner's name, as {@code pulso.batch_runs.runner} records it. */
  String name();

  /** Starts the job for {@code request}; completes with the runner's id of the attempt. */
  Future<String> start(JobRequest request);

  /** Where the attempt {@code externalId} stands now. */
  Future<JobState> state(String externalId);

  /** Stops a running attempt (on timeout); completes when the stop was asked for. */
  Future<Void> stop(String externalId);

  /** The leader is stopping: what runs on this member must not outlive it (a Glue run goes on). */
  default void close() {}

  /** An attempt's state: running, or ended with success or a failure message. */
  record JobState(Phase phase, String error) {

    public enum Phase { RUNNING, SUCCEEDED, FAILED }

    public static final JobState RUNNING = new JobState(Phase.RUNNING, null);
    public static final JobState SUCCEEDED = new JobState(Phase.SUCCEEDED, null);

    public static JobState failed(String error) {
      return new JobState(Phase.FAILED, error == null || error.isBlank() ? "failed without a message" : error);
    }

    public boolean ended() {
      return phase != Phase.RUNNING;
    }
  }
}
