package com.pulso.capture;

import com.pulso.sales.Lsn;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One message of PostgreSQL's {@code pgoutput} logical replication protocol, version 1, as
 * {@link PgOutputDecoder} reads it: the wire format made into values, nothing interpreted yet.
 */
public sealed interface PgOutputMessage {

  /** Starts a transaction; {@code finalLsn} is the LSN of its commit record. */
  record Begin(Lsn finalLsn, Instant commitTime, long xid) implements PgOutputMessage {}

  /** Ends a transaction; {@code endLsn} is where the next transaction's records may start. */
  record Commit(int flags, Lsn commitLsn, Lsn endLsn, Instant commitTime) implements PgOutputMessage {}

  /** The transaction was replayed from another node (replication origin). */
  record Origin(Lsn originCommitLsn, String name) implements PgOutputMessage {}

  /**
   * Describes a table before the first change of it a decoding session sends. {@code namespace} is
   * empty for {@code pg_catalog}; {@code replicaIdentity} is {@code pg_class.relreplident}
   * ({@code 'd'}, {@code 'n'}, {@code 'f'} or {@code 'i'}).
   */
  record Relation(int relationId, String namespace, String name, int replicaIdentity, List<Column> columns)
      implements PgOutputMessage {

    public Relation {
      columns = List.copyOf(columns);
    }

    public static final int IDENTITY_DEFAULT = 'd';
    public static final int IDENTITY_NOTHING = 'n';
    public static final int IDENTITY_FULL = 'f';
    public static final int IDENTITY_INDEX = 'i';
  }

  /** A column of a {@link Relation}; {@code flags} bit 1 marks a column of the replica identity key. */
  record Column(int flags, String name, int typeOid, int typeModifier) {

    public boolean isKey() {
      return (flags & 1) != 0;
    }
  }

  /** Names a user-defined type a following {@link Relation} uses. */
  record Type(int typeOid, String namespace, String name) implements PgOutputMessage {}

  record Insert(int relationId, TupleData newTuple) implements PgOutputMessage {}

  /**
   * {@code oldTuple} is null unless the table's replica identity makes PostgreSQL log the old row:
   * FULL (sent as {@code 'O'}: every column) or a changed key (sent as {@code 'K'}: key columns only).
   */
  record Update(int relationId, TupleData oldTuple, TupleData newTuple) implements PgOutputMessage {}

  /** {@code oldTuple} holds every column with REPLICA IDENTITY FULL, else only the key columns (others null). */
  record Delete(int relationId, TupleData oldTuple) implements PgOutputMessage {}

  /** {@code options}: bit 1 CASCADE, bit 2 RESTART IDENTITY. */
  record Truncate(int options, List<Integer> relationIds) implements PgOutputMessage {

    public Truncate {
      relationIds = List.copyOf(relationIds);
    }

    public boolean cascade() {
      return (options & 1) != 0;
    }

    public boolean restartIdentity() {
      return (options & 2) != 0;
    }
  }

  /** The column values of one row, in the order of the relation's columns. */
  record TupleData(List<Value> values) {

    public TupleData {
      values = List.copyOf(values);
    }
  }

  /** One column value of a {@link TupleData}. */
  sealed interface Value {}

  /** SQL NULL. */
  record Null() implements Value {
    public static final Null INSTANCE = new Null();
  }

  /** A TOASTed value the update did not change: PostgreSQL did not send it. */
  record UnchangedToast() implements Value {
    public static final UnchangedToast INSTANCE = new UnchangedToast();
  }

  /** The value in the type's text output format. */
  record Text(String text) implements Value {
    public Text {
      Objects.requireNonNull(text, "text");
    }
  }

  /** The value in the type's binary format (only sent when the slot was read with {@code binary 'true'}). */
  record Binary(byte[] bytes) implements Value {

    public Binary {
      bytes = bytes.clone();
    }

    @Override
    public byte[] bytes() {
      return bytes.clone();
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof Binary b && Arrays.equals(bytes, b.bytes);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
      return "Binary[" + bytes.length + " bytes]";
    }
  }
}
