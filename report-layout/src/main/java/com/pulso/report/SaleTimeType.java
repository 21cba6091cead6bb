package com.pulso.report;

/**
 * How the source stores a sale's time, which decides where a sale's business day (and minute) come
 * from: for the bootstrap's and the nightly job's SQL alike.
 */
public enum SaleTimeType {
  /** {@code timestamptz}: the instant, whose day and minute are read in the business zone. */
  TIMESTAMPTZ,
  /** {@code timestamp}: a local time in the business zone already (as the capture reads it). */
  TIMESTAMP,
  /** {@code date}: the day itself; its minute is its first (as the capture counts it). */
  DATE;

  /**
   * The type of a column as PostgreSQL's {@code format_type} names it.
   *
   * @throws IllegalStateException naming the column when it is of none of these types
   */
  public static SaleTimeType of(String formatType, String table, String column) {
    return switch (formatType) {
      case "timestamp with time zone" -> TIMESTAMPTZ;
      case "timestamp without time zone" -> TIMESTAMP;
      case "date" -> DATE;
      default -> throw new IllegalStateException("the sale time column " + table + "." + column + " is of type "
          + formatType + ": sales are read from timestamptz, timestamp or date");
    };
  }
}
