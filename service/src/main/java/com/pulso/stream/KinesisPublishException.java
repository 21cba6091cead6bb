package com.pulso.stream;

/**
 * Kinesis did not take a record of sale changes: a permanent error, or a retryable one that outlasted
 * the publisher's bounded attempts. Every publish not yet acknowledged fails with it; the caller
 * publishes again from its first unacknowledged change.
 */
public final class KinesisPublishException extends RuntimeException {

  private final String errorCode;

  KinesisPublishException(String message, String errorCode, Throwable cause) {
    super(message, cause);
    this.errorCode = errorCode;
  }

  /** Kinesis's error code (e.g. {@code ProvisionedThroughputExceededException}), or the failure's class name. */
  public String errorCode() {
    return errorCode;
  }
}
