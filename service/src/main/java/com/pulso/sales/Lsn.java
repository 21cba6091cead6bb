package com.pulso.sales;

/**
 * A position in PostgreSQL's write-ahead log, as {@code pg_lsn} prints it ({@code 16/B374D848}).
 * Unsigned 64-bit; ordered like the log.
 */
public record Lsn(long value) implements Comparable<Lsn> {

  public static final Lsn ZERO = new Lsn(0);

  public static Lsn parse(String text) {
    int slash = text.indexOf('/');
    if (slash <= 0 || slash == text.length() - 1) {
      throw new IllegalArgumentException("not an LSN (expected e.g. 16/B374D848): '" + text + "'");
    }
    long high = Long.parseUnsignedLong(text.substring(0, slash), 16);
    long low = Long.parseUnsignedLong(text.substring(slash + 1), 16);
    if (high > 0xFFFF_FFFFL || low > 0xFFFF_FFFFL) {
      throw new IllegalArgumentException("not an LSN (each half is 32 bits): '" + text + "'");
    }
    return new Lsn(high << 32 | low);
  }

  @Override
  public int compareTo(Lsn other) {
    return Long.compareUnsigned(value, other.value);
  }

  @Override
  public String toString() {
    return Long.toHexString(value >>> 32).toUpperCase() + "/" + Long.toHexString(value & 0xFFFF_FFFFL).toUpperCase();
  }
}
