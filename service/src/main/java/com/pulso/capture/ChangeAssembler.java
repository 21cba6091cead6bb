package com.pulso.capture;

import com.pulso.capture.PgOutputMessage.Begin;
import com.pulso.capture.PgOutputMessage.Binary;
import com.pulso.capture.PgOutputMessage.Column;
import com.pulso.capture.PgOutputMessage.Commit;
import com.pulso.capture.PgOutputMessage.Delete;
import com.pulso.capture.PgOutputMessage.Insert;
import com.pulso.capture.PgOutputMessage.Null;
import com.pulso.capture.PgOutputMessage.Origin;
import com.pulso.capture.PgOutputMessage.Relation;
import com.pulso.capture.PgOutputMessage.Text;
import com.pulso.capture.PgOutputMessage.Truncate;
import com.pulso.capture.PgOutputMessage.TupleData;
import com.pulso.capture.PgOutputMessage.Type;
import com.pulso.capture.PgOutputMessage.UnchangedToast;
import com.pulso.capture.PgOutputMessage.Update;
import com.pulso.capture.PgOutputMessage.Value;
import com.pulso.capture.RowChange.Kind;
import com.pulso.capture.RowChange.Row;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Turns the decoded pgoutput messages of one decoding session, in the order PostgreSQL sent them,
 * into neutral {@link TransactionEvent}s, one change at a time so that a transaction of any size is
 * handled in bounded memory. Use one assembler per peek call: each call is a decoding session that
 * re-sends its relations (kept in the assembler's {@link RelationCache}), and a call that failed half
 * way leaves a transaction open. Not thread-safe.
 *
 * <p>Every change of a transaction takes the next index (from 0), truncations included, so that a
 * transaction decoded again yields the same {@link com.pulso.sales.SourcePosition}s.
 */
public final class ChangeAssembler {

  private final RelationCache relations = new RelationCache();
  private Begin transaction;
  private long nextIndex;

  public RelationCache relations() {
    return relations;
  }

  /** The event this message completes, if any: Begin, Relation, Type and Origin only update state. */
  public Optional<TransactionEvent> accept(PgOutputMessage message) {
    if (message instanceof Begin begin) {
      if (transaction != null) {
        throw new IllegalStateException("pgoutput Begin of xid " + begin.xid() + " inside xid " + transaction.xid()
            + ", which never committed: messages were skipped");
      }
      transaction = begin;
      nextIndex = 0;
      return Optional.empty();
    }
    if (message instanceof Relation relation) {
      relations.put(relation);
      return Optional.empty();
    }
    if (message instanceof Type || message instanceof Origin) {
      return Optional.empty();
    }
    Begin tx = current(message);
    if (message instanceof Insert insert) {
      Relation relation = relations.get(insert.relationId());
      return Optional.of(change(tx, relation, Kind.INSERT, null, row(relation, insert.newTuple(), false)));
    }
    if (message instanceof Update update) {
      Relation relation = relations.get(update.relationId());
      Row oldRow = update.oldTuple() == null ? null : row(relation, update.oldTuple(), keyOnly(relation));
      return Optional.of(change(tx, relation, Kind.UPDATE, oldRow, row(relation, update.newTuple(), false)));
    }
    if (message instanceof Delete delete) {
      Relation relation = relations.get(delete.relationId());
      return Optional.of(change(tx, relation, Kind.DELETE, row(relation, delete.oldTuple(), keyOnly(relation)), null));
    }
    if (message instanceof Truncate truncate) {
      List<String> tables = new ArrayList<>();
      for (int id : truncate.relationIds()) {
        Relation relation = relations.get(id);
        tables.add(relation.namespace() + "." + relation.name());
      }
      return Optional.of(new TransactionEvent.Truncated(tx.xid(), tx.finalLsn(), tx.commitTime(), nextIndex++, tables,
          truncate.cascade(), truncate.restartIdentity()));
    }
    if (message instanceof Commit commit) {
      if (!commit.commitLsn().equals(tx.finalLsn())) {
        throw new IllegalStateException("pgoutput Commit at " + commit.commitLsn() + " ends xid " + tx.xid()
            + " whose Begin announced its commit at " + tx.finalLsn());
      }
      transaction = null;
      return Optional.of(new TransactionEvent.Committed(tx.xid(), commit.commitLsn(), commit.endLsn(),
          commit.commitTime(), nextIndex));
    }
    throw new IllegalStateException("unhandled pgoutput message " + message);
  }

  private Begin current(PgOutputMessage message) {
    if (transaction == null) {
      throw new IllegalStateException("pgoutput " + message.getClass().getSimpleName()
          + " outside a transaction (no Begin before it): messages were skipped");
    }
    return transaction;
  }

  private RowChange change(Begin tx, Relation relation, Kind kind, Row oldRow, Row newRow) {
    return new RowChange(tx.xid(), tx.finalLsn(), tx.commitTime(), nextIndex++, relation.namespace(), relation.name(),
        kind, oldRow, newRow);
  }

  /** An old tuple holds only the key unless the whole row is the identity (FULL). */
  private static boolean keyOnly(Relation relation) {
    return relation.replicaIdentity() != Relation.IDENTITY_FULL;
  }

  private static Row row(Relation relation, TupleData tuple, boolean keyOnly) {
    List<Column> columns = relation.columns();
    List<Value> values = tuple.values();
    if (values.size() != columns.size()) {
      throw new IllegalStateException("pgoutput tuple of " + relation.namespace() + "." + relation.name() + " has "
          + values.size() + " values, but its Relation message described " + columns.size() + " columns");
    }
    Map<String, String> byName = new LinkedHashMap<>();
    Set<String> unchangedToast = new HashSet<>();
    for (int i = 0; i < columns.size(); i++) {
      Column column = columns.get(i);
      Value value = values.get(i);
      if (keyOnly && !column.isKey()) {
        continue; // sent as NULL, but unknown rather than NULL
      }
      if (value instanceof Text text) {
        byName.put(column.name(), text.text());
      } else if (value instanceof Null) {
        byName.put(column.name(), null);
      } else if (value instanceof UnchangedToast) {
        unchangedToast.add(column.name());
      } else if (value instanceof Binary) {
        throw new IllegalStateException("pgoutput sent column " + column.name() + " of " + relation.name()
            + " in binary format: read the slot without the 'binary' option, values are read as text");
      }
    }
    return new Row(byName, unchangedToast);
  }
}
