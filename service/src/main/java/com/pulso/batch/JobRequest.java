package com.pulso.batch;

import java.time.LocalDate;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.Map;
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

  /**
   * The run id the job writes into its file names and manifests (the batch run and the attempt),
   * unless its platform names the run itself (Glue: its job run id).
   */
  public String runId() {
    return "run-" + batchRunId + "-" + attempt;
  }

  /** The job's arguments every runner passes, in order: the days, the run id, the business zone. */
  public Map<String, String> arguments(ZoneId businessZone) {
    Map<String, String> arguments = new LinkedHashMap<>();
    arguments.put("--from", from.toString());
    arguments.put("--to", to.toString());
    arguments.put("--run-id", runId());
    arguments.put("--time-zone", businessZone.getId());
    return arguments;
  }
}
