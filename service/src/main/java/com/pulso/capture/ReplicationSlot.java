package com.pulso.capture;

import com.pulso.config.PulsoConfig;
import com.pulso.db.Postgres;
import com.pulso.sales.Lsn;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Cursor;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Pulso's logical replication slot ({@code pgoutput}) and publication on the source database.
 * Changes are read by peeking — nothing is consumed — and the slot is advanced only to a position
 * whose changes Kinesis has acknowledged, so a crash between the two re-reads them (and the
 * positions they carry make the re-read harmless). Reads stream through a cursor: a transaction of
 * any size is handled in chunks of {@code capture.fetchSize} messages.
 */
public final class ReplicationSlot {

  /** One pgoutput message as the slot returns it: its LSN, its transaction id and the raw bytes. */
  public record PeekedMessage(Lsn lsn, long xid, byte[] data) {}

  /**
   * Whether the row {@code s} of {@code pg_replication_slots} is a slot PostgreSQL still decodes from:
   * an invalidated slot (WAL past {@code max_slot_wal_keep_size} removed, or rows it needed vacuumed
   * away) stays listed but every read of it fails. {@code invalidation_reason} is PostgreSQL 17's,
   * read through {@code to_jsonb} so that older servers, which lack the column, are asked too.
   */
  static final String USABLE = "s.wal_status IS DISTINCT FROM 'lost' AND to_jsonb(s) ->> 'invalidation_reason' IS NULL";

  private static final String DUPLICATE_OBJECT = "42710";
  private static final String INSUFFICIENT_PRIVILEGE = "42501";
  private static final String UNDEFINED_FUNCTION = "42883";

  private final Pool pool;
  private final PulsoConfig.Capture capture;
  private final String salesTable;

  public ReplicationSlot(Pool pool, PulsoConfig.Capture capture, PulsoConfig.Source source) {
    this.pool = pool;
    this.capture = capture;
    this.salesTable = source.salesTable();
  }

  /**
   * Reads up to {@code capture.maxChangesPerPoll} changes (whole transactions) from the slot's
   * confirmed position, handing them to {@code chunks} in order, one chunk at a time: the next chunk
   * is read only when the previous one's future completes. Completes with the number of messages.
   */
  public Future<Long> peek(Function<List<PeekedMessage>, Future<Void>> chunks) {
    String sql = "SELECT lsn::text, xid::text::bigint, data FROM pg_logical_slot_peek_binary_changes($1, NULL, $2,"
        + " 'proto_version', '1', 'publication_names', $3)";
    return pool.withTransaction(connection -> connection.prepare(sql).compose(statement -> {
      Cursor cursor = statement.cursor(Tuple.of(capture.slotName(), capture.maxChangesPerPoll(),
          capture.publicationName()));
      return readChunks(cursor, chunks, 0).eventually(cursor::close);
    }));
  }

  /**
   * How far the server's WAL is flushed: a peek reads up to there, so a peek that returned less than
   * {@code capture.maxChangesPerPoll} left nothing before this position unread. Far cheaper than a
   * peek, which sets up logical decoding and rereads the WAL from the slot's restart point.
   */
  public Future<Lsn> walFlushPosition() {
    return pool.query("SELECT pg_current_wal_flush_lsn()::text").execute()
        .map(rows -> Lsn.parse(rows.iterator().next().getString(0)));
  }

  /** Releases the WAL of everything before {@code lsn}: call it only for acknowledged changes. */
  public Future<Void> advance(Lsn lsn) {
    return pool.preparedQuery("SELECT pg_replication_slot_advance($1, $2::pg_lsn)")
        .execute(Tuple.of(capture.slotName(), lsn.toString()))
        .mapEmpty();
  }

  /**
   * Has the server log its running transactions now ({@code pg_log_standby_snapshot()}, PostgreSQL
   * 16+) rather than at its next 15-second tick. The slot's restart point moves only at such a
   * record, and every peek decodes again from the restart point: after a burst of sales, without
   * this, each peek for up to 15 s would decode the whole burst again. Completes with false when the
   * server does not offer it to this user (older server, or EXECUTE not granted): the capture works
   * without it, only with costlier peeks after bursts.
   */
  public Future<Boolean> logRunningTransactions() {
    return pool.query("SELECT pg_log_standby_snapshot()").execute().map(true).recover(error ->
        error instanceof PgException pg && (INSUFFICIENT_PRIVILEGE.equals(pg.getSqlState())
            || UNDEFINED_FUNCTION.equals(pg.getSqlState()))
            ? Future.succeededFuture(false)
            : Future.failedFuture(error));
  }

  /** Bytes of WAL the slot keeps the server from recycling (a capture that falls behind grows it). */
  public Future<Long> retainedWalBytes() {
    return pool.preparedQuery("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint"
            + " FROM pg_replication_slots WHERE slot_name = $1")
        .execute(Tuple.of(capture.slotName()))
        .map(rows -> rows.size() == 0 ? 0L : rows.iterator().next().getLong(0));
  }

  /**
   * Why the slot can no longer be read, when it cannot: gone (dropped by someone, or absent from a
   * database that failed over to a standby without it) or invalidated by the server. Empty while it
   * can be read — a read that failed then failed for another reason (the database away, a grant).
   */
  public Future<Optional<String>> loss() {
    return pool.preparedQuery("SELECT " + USABLE + ", s.wal_status, to_jsonb(s) ->> 'invalidation_reason'"
            + " FROM pg_replication_slots s WHERE s.slot_name = $1 AND s.database = current_database()")
        .execute(Tuple.of(capture.slotName()))
        .map(rows -> {
          if (rows.size() == 0) {
            return Optional.of("slot " + capture.slotName() + " is gone (dropped, or the database failed over to a"
                + " server without it)");
          }
          Row slot = rows.iterator().next();
          return slot.getBoolean(0) ? Optional.empty() : Optional.of("slot " + capture.slotName()
              + " was invalidated by PostgreSQL (wal_status " + slot.getString(1) + ", invalidation_reason "
              + slot.getString(2) + ")");
        });
  }

  private Future<Long> readChunks(Cursor cursor, Function<List<PeekedMessage>, Future<Void>> chunks, long read) {
    return cursor.read(capture.fetchSize()).compose(rows -> {
      List<PeekedMessage> chunk = new ArrayList<>(rows.size());
      for (Row row : rows) {
        Buffer data = row.getBuffer(2);
        chunk.add(new PeekedMessage(Lsn.parse(row.getString(0)), row.getLong(1), data.getBytes()));
      }
      long total = read + chunk.size();
      Future<Void> handled = chunk.isEmpty() ? Future.succeededFuture() : chunks.apply(chunk);
      return handled.compose(v -> cursor.hasMore() ? readChunks(cursor, chunks, total) : Future.succeededFuture(total));
    });
  }

  /**
   * Creates the publication (sales table only) when missing. Idempotent. It must exist before the
   * slot: pgoutput looks it up as of each change it decodes. The slot itself is created only by
   * {@link Bootstrap}, together with the snapshot that counts the sales predating it.
   */
  public Future<Void> ensurePublication() {
    return pool.preparedQuery("SELECT 1 FROM pg_publication WHERE pubname = $1")
        .execute(Tuple.of(capture.publicationName()))
        .compose(rows -> rows.size() > 0
            ? Future.<Void>succeededFuture()
            // Identifiers come validated from the configuration (letters, digits, underscore).
            : pool.query("CREATE PUBLICATION " + Postgres.quoteIdentifier(capture.publicationName())
                    + " FOR TABLE " + Postgres.quoteIdentifier(salesTable))
                .execute().<Void>mapEmpty()
                .recover(error -> isDuplicate(error) ? Future.succeededFuture() : Future.failedFuture(error)));
  }

  private static boolean isDuplicate(Throwable error) {
    return error instanceof PgException pg && DUPLICATE_OBJECT.equals(pg.getSqlState());
  }
}
