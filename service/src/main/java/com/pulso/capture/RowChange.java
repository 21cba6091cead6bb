package com.pulso.capture;

import com.pulso.sales.Lsn;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One inserted, updated or deleted row of a source table, with its place in the source's commit
 * order ({@code commitLsn}, then {@code index} among the changes of its transaction, from 0).
 *
 * <p>{@code oldRow} is null for an insert, and for an update of a table whose replica identity is
 * not FULL unless its key changed. {@code newRow} is null for a delete.
 */
public record RowChange(long xid, Lsn commitLsn, Instant commitTime, long index, String namespace, String table,
                        Kind kind, Row oldRow, Row newRow) implements TransactionEvent {

  public enum Kind { INSERT, UPDATE, DELETE }

  public RowChange {
    Objects.requireNonNull(commitLsn, "commitLsn");
    Objects.requireNonNull(commitTime, "commitTime");
    Objects.requireNonNull(kind, "kind");
    if ((kind == Kind.INSERT && (oldRow != null || newRow == null)) || (kind == Kind.UPDATE && newRow == null)
        || (kind == Kind.DELETE && (oldRow == null || newRow != null))) {
      throw new IllegalArgumentException(kind + " with old row " + oldRow + " and new row " + newRow);
    }
  }

  /**
   * Column values as text (PostgreSQL's output format) by column name, in table order; a value is
   * null for SQL NULL. A column PostgreSQL did not send is absent: one not in the replica identity key
   * of an old row that holds only the key, or an unchanged TOASTed value, listed in {@code unchangedToast}.
   */
  public record Row(Map<String, String> values, Set<String> unchangedToast) {

    public Row {
      values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
      unchangedToast = Collections.unmodifiableSet(new LinkedHashSet<>(unchangedToast));
    }

    /** Whether PostgreSQL sent the column's value (null included). */
    public boolean has(String column) {
      return values.containsKey(column);
    }

    /** The value as text, or null for SQL NULL or a value not sent (see {@link #has}). */
    public String get(String column) {
      return values.get(column);
    }

    public boolean isUnchangedToast(String column) {
      return unchangedToast.contains(column);
    }
  }
}
