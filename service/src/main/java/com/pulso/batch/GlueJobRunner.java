package com.pulso.batch;

import com.pulso.aws.AwsClients;
import io.vertx.core.Future;
import java.time.ZoneId;
import java.util.Map;
import software.amazon.awssdk.services.glue.model.JobRun;
import software.amazon.awssdk.services.glue.model.JobRunState;

/**
 * The report job on AWS Glue: {@code StartJobRun} of the registered job with the attempt's days,
 * run id and business zone (the source connection and output location are the job's own default
 * arguments, set when it was registered: README), {@code GetJobRun} to follow it,
 * {@code BatchStopJobRun} to stop it. Glue's states map to running (STARTING, RUNNING, WAITING,
 * STOPPING) or ended: SUCCEEDED, or a failure carrying Glue's state and error message.
 */
public final class GlueJobRunner implements JobRunner {

  private final AwsClients aws;
  private final String jobName;
  private final ZoneId zone;

  public GlueJobRunner(AwsClients aws, String jobName, ZoneId zone) {
    this.aws = aws;
    this.jobName = jobName;
    this.zone = zone;
  }

  @Override
  public String name() {
    return "glue";
  }

  @Override
  public Future<String> start(JobRequest request) {
    Map<String, String> arguments = request.arguments(zone);
    return aws.call(() -> aws.glue().startJobRun(start -> start.jobName(jobName).arguments(arguments)))
        .map(response -> response.jobRunId());
  }

  @Override
  public Future<JobState> state(String externalId) {
    return aws.call(() -> aws.glue().getJobRun(get -> get.jobName(jobName).runId(externalId)))
        .map(response -> state(response.jobRun()));
  }

  @Override
  public Future<Void> stop(String externalId) {
    return aws.call(() -> aws.glue().batchStopJobRun(stop -> stop.jobName(jobName).jobRunIds(externalId)))
        .mapEmpty();
  }

  static JobState state(JobRun run) {
    JobRunState state = run.jobRunState();
    if (state == JobRunState.SUCCEEDED) {
      return JobState.SUCCEEDED;
    }
    if (state == JobRunState.STARTING || state == JobRunState.RUNNING || state == JobRunState.WAITING
        || state == JobRunState.STOPPING) {
      return JobState.RUNNING;
    }
    String message = run.errorMessage();
    return JobState.failed("Glue job run " + run.id() + " " + run.jobRunStateAsString()
        + (message == null || message.isBlank() ? "" : ": " + message));
  }
}
