package com.pulso.report;

/**
 * What the server's own resource creation ({@code aws.manageResources}, the local profile and
 * tests) and the infrastructure code ({@code infra/}) must both say of the AWS resources, once: the
 * real-time table's key and TTL attributes, and how long the reports bucket keeps what. A change here
 * changes both; neither has a copy.
 */
public final class AwsLayout {

  /** The metrics table's partition key (a string). */
  public static final String TABLE_PARTITION_KEY = "pk";
  /** The metrics table's sort key (a string). */
  public static final String TABLE_SORT_KEY = "sk";
  /** The attribute DynamoDB's TTL reads (epoch seconds): per-minute items expire by it. */
  public static final String TABLE_EXPIRES_AT = "ttl";

  /** Where the server keeps what it read but could not count (Kinesis records it cannot decode), for replay. */
  public static final String DEAD_LETTERS_PREFIX = "dead-letters/";
  /** Where a local batch stages its output before it is uploaded (expires: see below). */
  public static final String STAGING_PREFIX = "staging/";
  /** Lifecycle rule {@value #REPORTS_RULE}: reports (under {@link ReportLayout#ROOT}) move to Infrequent Access, then Glacier. */
  public static final String REPORTS_RULE = "reports-tiering";
  public static final int REPORTS_TO_INFREQUENT_ACCESS_DAYS = 30;
  public static final int REPORTS_TO_GLACIER_DAYS = 365;
  /** Lifecycle rule {@value #STAGING_RULE}: staged files left behind expire. */
  public static final String STAGING_RULE = "staging-expiry";
  public static final int STAGING_EXPIRY_DAYS = 7;

  /**
   * The CloudWatch metrics the server publishes (namespace {@value #METRICS_NAMESPACE}) that infra/'s
   * dashboard and alarms read: an alarm on a name the server does not publish would never fire.
   */
  public static final String METRICS_NAMESPACE = "Pulso";
  /** 1 per member and minute while it runs (dimension {@value #ENVIRONMENT_DIMENSION}): its absence is Pulso down. */
  public static final String HEARTBEAT_METRIC = "Heartbeat";
  /** How far behind the source the capture is, seconds (0 when idle and caught up); published by the capture's member. */
  public static final String CAPTURE_LAG_METRIC = "CaptureLagSeconds";
  /** Source commit → applied in DynamoDB, seconds, as a distribution (CloudWatch takes its percentiles). */
  public static final String FRESHNESS_METRIC = "FreshnessSeconds";
  /** Changes applied to the figures. */
  public static final String CHANGES_APPLIED_METRIC = "ChangesApplied";
  /** Source rows or records Pulso could not count, kept aside. */
  public static final String DEAD_LETTERS_METRIC = "DeadLetters";
  /** API answers (dimension {@value #STATUS_CLASS_DIMENSION}: 2xx, 4xx, 5xx) and their latency in milliseconds. */
  public static final String API_ANSWERS_METRIC = "ApiAnswers";
  public static final String API_LATENCY_METRIC = "ApiLatencyMillis";
  public static final String ENVIRONMENT_DIMENSION = "Environment";
  public static final String STATUS_CLASS_DIMENSION = "StatusClass";

  private AwsLayout() {}
}
