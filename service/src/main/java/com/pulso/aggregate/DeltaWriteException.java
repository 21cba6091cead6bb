package com.pulso.aggregate;

/** A batch's delta could not be applied to a metric item; the batch must be applied again (it is idempotent). */
public final class DeltaWriteException extends RuntimeException {

  public DeltaWriteException(String message, Throwable cause) {
    super(message, cause);
  }

  public DeltaWriteException(String message) {
    super(message);
  }
}
