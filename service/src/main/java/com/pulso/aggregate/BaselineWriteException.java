package com.pulso.aggregate;

/** The bootstrap's base figures could not be written or cleared: naming the item or table; redo the bootstrap. */
public final class BaselineWriteException extends RuntimeException {

  public BaselineWriteException(String message) {
    super(message);
  }

  public BaselineWriteException(String message, Throwable cause) {
    super(message, cause);
  }
}
