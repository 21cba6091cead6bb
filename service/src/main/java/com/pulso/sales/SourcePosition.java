package com.pulso.sales;

/**
 * Where a sale change stands in the source's commit order: the commit LSN of its transaction and
 * its index among that transaction's changes. It is the change's identity end to end — a
 * transaction decoded again after a crash yields the same positions — so DynamoDB items remember
 * the highest position applied (per Kinesis shard) and ignore anything at or below it.
 */
public record SourcePosition(Lsn commitLsn, long index) implements Comparable<SourcePosition> {

  public SourcePosition {
    if (index < 0) {
      throw new IllegalArgumentException("index must be >= 0: " + index);
    }
  }

  @Override
  public int compareTo(SourcePosition other) {
    int byLsn = commitLsn.compareTo(other.commitLsn);
    return byLsn != 0 ? byLsn : Long.compare(index, other.index);
  }

  /**
   * Fixed-width text that sorts like the position (16 hex digits, then 19 decimal digits): DynamoDB
   * compares strings byte-wise, and a condition such as {@code #p < :p} must follow this order.
   */
  public String sortable() {
    return String.format("%016X%019d", commitLsn.value(), index);
  }

  public static SourcePosition parseSortable(String text) {
    if (text.length() != 35) {
      throw new IllegalArgumentException("not a sortable position: '" + text + "'");
    }
    return new SourcePosition(new Lsn(Long.parseUnsignedLong(text.substring(0, 16), 16)),
        Long.parseLong(text.substring(16)));
  }

  @Override
  public String toString() {
    return commitLsn + "#" + index;
  }
}
