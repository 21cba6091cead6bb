package com.pulso.aws;

/** An AWS resource Pulso needs (stream, table, bucket) could not be created or is not usable. */
public final class AwsResourceException extends RuntimeException {

  public AwsResourceException(String message, Throwable cause) {
    super(message, cause);
  }

  public AwsResourceException(String message) {
    super(message);
  }
}
