package com.pulso.alerts;

import java.util.Arrays;
import java.util.Optional;

/**
 * What an alert rule can watch (docs/operations.md). Gauges are the cluster's worst member now;
 * counts, ratios and percentiles are over the rule's window, summed (or merged) over every member.
 */
public enum Signal {
  /** p99 of source commit → applied in DynamoDB, seconds (members' freshness histograms merged). */
  FRESHNESS_P99("freshness.p99", "s",
      "Figures reach DynamoDB late: check consumer.lag and the DynamoDB throttling alarm; /health on 8081 names the stalled part"),
  /** Commit of the newest change the capture shipped → now, seconds (capture's member). */
  CAPTURE_LAG("capture.lag", "s",
      "The capture ships old changes: check the capture member's log, the database's load and Kinesis throttling"),
  /** WAL PostgreSQL keeps for the capture's slot, bytes. */
  CAPTURE_WAL_RETAINED("capture.walRetained", "bytes",
      "The slot holds WAL back: is the capture running (capture.lag)? Past max_slot_wal_keep_size the slot is lost"),
  /** The capture's failed polls (slot gone, permissions revoked, database away). */
  CAPTURE_POLL_FAILURES("capture.pollFailures", "",
      "The capture cannot read the slot: the database, the slot (pg_replication_slots) and the user's grants"),
  /** Times the capture found its slot gone or invalidated and had the figures counted again from a new one. */
  CAPTURE_SLOT_LOST("capture.slotLost", "",
      "The slot was lost and the figures counted again (503 meanwhile): dropped by someone, a failover to a server"
          + " without it, or max_slot_wal_keep_size exceeded? (docs/failure-modes.md)"),
  /** The furthest behind of the shards' consumers (Kinesis MillisBehindLatest), seconds. */
  CONSUMER_LAG("consumer.lag", "s",
      "A shard's consumer is behind: DynamoDB errors or throttling in the members' logs; members alive (/health)"),
  /** New dead letters: source rows the capture could not count, and Kinesis records no consumer could read. */
  DEAD_LETTERS("deadLetters", "",
      "A sale was not counted: read pulso.dead_letters (or the dead-letters/ objects), map the product, rebuild"),
  /** Share of the API's answers that were 5xx. */
  API_ERROR_RATIO("api.errorRatio", "",
      "The API answers 5xx: the members' logs by request id; /health on 8081 for the dependency that fails"),
  /** p99 of the API's answers, seconds. */
  API_P99("api.p99", "s",
      "The API is slow: the cache hit ratio, DynamoDB latency (pulso.aws.calls) and the members' CPU"),
  /** Report job runs that ended failed or timed out and whose days no later run reported. */
  BATCH_FAILED_RUNS("batch.failedRuns", "",
      "The nightly report failed (its run, days and error above): fix the cause, then POST /v1/admin/batch-runs"
          + " for those days; the alert resolves once they are reported"),
  /** Minutes since the schedule's last time with no run created for it since (0 when on time). */
  BATCH_LATE_MINUTES("batch.lateMinutes", "min",
      "The nightly report did not start: is a member the batch leader (logs), is batch.enabled on"),
  /** Client-days whose real-time figures differed from the night's report. */
  BATCH_RECONCILIATION_DIFFERENCES("batch.reconciliationDifferences", "",
      "Real-time figures differed from the report (now set to it): read the examples, look for lost changes"),
  /** Sale changes the capture shipped; judged during business hours only. */
  SALES_CAPTURED("sales.captured", "",
      "No sale captured in business hours: is the shop selling? the publication, the slot, the capture member");

  private final String key;
  private final String unit;
  private final String runbook;

  Signal(String key, String unit, String runbook) {
    this.key = key;
    this.unit = unit;
    this.runbook = runbook;
  }

  /** What to do first (docs/operations.md has more). */
  public String runbook() {
    return runbook;
  }

  /** Its name in the configuration. */
  public String key() {
    return key;
  }

  /** How its figures read ("s", "bytes", "min" or none). */
  public String unit() {
    return unit;
  }

  public static Optional<Signal> byKey(String key) {
    return Arrays.stream(values()).filter(signal -> signal.key.equals(key)).findFirst();
  }
}
