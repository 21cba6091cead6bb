package com.pulso.capture;

import com.pulso.sales.Lsn;
import java.time.Instant;
import java.util.List;

/**
 * What {@link ChangeAssembler} makes of the pgoutput messages of one transaction: its row changes
 * and truncations in order, then its commit. Neutral: nothing here knows about sales.
 */
public sealed interface TransactionEvent permits RowChange, TransactionEvent.Truncated, TransactionEvent.Committed {

  long xid();

  /** LSN of the transaction's commit record (Begin's final LSN): the commit order of the source. */
  Lsn commitLsn();

  Instant commitTime();

  /** Tables emptied by TRUNCATE; {@code index} counts among the transaction's changes as a row change does. */
  record Truncated(long xid, Lsn commitLsn, Instant commitTime, long index, List<String> qualifiedTables,
                   boolean cascade, boolean restartIdentity) implements TransactionEvent {

    public Truncated {
      qualifiedTables = List.copyOf(qualifiedTables);
    }
  }

  /**
   * The transaction is complete: once every change before it is safely shipped, the slot may be
   * advanced to {@code endLsn}. {@code changeCount} counts its row changes and truncations.
   */
  record Committed(long xid, Lsn commitLsn, Lsn endLsn, Instant commitTime, long changeCount)
      implements TransactionEvent {}
}
