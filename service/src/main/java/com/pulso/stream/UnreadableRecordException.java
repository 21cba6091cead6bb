package com.pulso.stream;

/**
 * A Kinesis record {@link SaleChangeCodec} cannot read: not the JSON of record format v1, or a format
 * version it does not know. Never guessed at: the consumer dead-letters the record.
 */
public final class UnreadableRecordException extends RuntimeException {

  private final boolean unknownVersion;

  private UnreadableRecordException(String message, Throwable cause, boolean unknownVersion) {
    super(message, cause);
    this.unknownVersion = unknownVersion;
  }

  static UnreadableRecordException malformed(String message, Throwable cause) {
    return new UnreadableRecordException(message, cause, false);
  }

  static UnreadableRecordException malformed(String message) {
    return new UnreadableRecordException(message, null, false);
  }

  static UnreadableRecordException unknownVersion(Object version) {
    return new UnreadableRecordException("unknown record format version " + version + " (this member reads v"
        + SaleChangeCodec.VERSION + "): the record was written by a newer producer or is not a sale-change record", null, true);
  }

  /** True when the record is well-formed JSON but of a format version this codec does not know. */
  public boolean unknownVersion() {
    return unknownVersion;
  }
}
