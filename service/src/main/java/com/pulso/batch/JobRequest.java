package com.pulso.batch;

import java.time.LocalDate;
import java.util.Objects;

/** One attempt of the report job: the business days it reports, and the run id its files carry. */
public record JobRequest(long batchRunId, int attempt, LocalDate from, LocalDate to) {

  public JobRequest {
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    if (to.isBefore(from)) {
      throw new IllegalArgumentException("to " + to + " is before from " + from);
    }
  }

  /** The run id the job writes into its file names and manifests: the batch run and the attempt. */
  public String runId() {
    return "run-" + batchRunId + "-" + attempt;
  }
}
