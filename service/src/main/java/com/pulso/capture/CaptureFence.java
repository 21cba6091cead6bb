package com.pulso.capture;

import com.pulso.config.PulsoConfig;
import com.pulso.db.Postgres;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnection;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PostgreSQL session advisory lock that only one capture in the world can hold per slot: the
 * cluster singleton elects one leader per cluster, but during a network partition each side elects
 * its own, and only the one holding this lock may read the slot. The lock lives with a dedicated
 * connection: if the holder dies or loses the database, PostgreSQL releases it.
 *
 * <p>A holder that hangs (a frozen process, a stop-the-world pause) or is cut off from the database
 * keeps its session, and with it the lock, until TCP gives up on it — for as long as the kernel of a
 * frozen process answers for it. So a fence does not wait for its holder's cooperation: the holder
 * proves it is alive by using its fence connection at least every {@link #renewEvery(Duration)}
 * ({@link #renew()}), and a candidate finding the lock held by a session that has run nothing for
 * longer than the lease ends that session ({@code pg_terminate_backend}, allowed to the same role)
 * and takes the lock. A holder that comes back finds its fence gone ({@link #renew()} fails), and
 * whatever it still does is harmless: a change shipped again counts once downstream, and the slot
 * only ever moves forward to what Kinesis acknowledged.
 */
public final class CaptureFence {

  private static final Logger LOG = LoggerFactory.getLogger(CaptureFence.class);
  /** How long a terminated holder's lock may take to be released. */
  private static final Duration RELEASE_WAIT = Duration.ofSeconds(5);
  /** The lock of a slot: pg_try_advisory_lock(bigint) files the key as classid (high half) and objid (low half). */
  private static final String HOLDER = "SELECT a.pid, extract(epoch FROM now() - a.query_start)::float8"
      + " FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
      + " WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1"
      + " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
      + " AND l.classid::bigint = (hashtext($1)::bigint >> 32) & 4294967295"
      + " AND l.objid::bigint = hashtext($1)::bigint & 4294967295 AND a.pid <> pg_backend_pid()";

  private final PgConnection connection;
  private final Duration lease;
  /** Until when (System.nanoTime) no candidate can have ended this fence's session: a lease less a renewal. */
  private volatile long heldUntilNanos;

  private CaptureFence(PgConnection connection, Duration lease, long usedAtNanos) {
    this.connection = connection;
    this.lease = lease;
    this.heldUntilNanos = usedAtNanos + lease.minus(renewEvery(lease)).toNanos();
  }

  /**
   * Takes the fence of {@code slotName}, or fails at once if a live capture holds it. A holder whose
   * session has run nothing for longer than {@code lease} is taken to be hung or cut off: its session
   * is ended and the fence taken.
   */
  public static Future<CaptureFence> acquire(Vertx vertx, PulsoConfig.Database db, String slotName, Duration lease) {
    String key = "pulso.capture." + slotName;
    long started = System.nanoTime();
    return PgConnection.connect(vertx, Postgres.connectOptions(db)).compose(connection -> tryLock(connection, key)
        .compose(locked -> locked ? Future.succeededFuture(true) : endSilentHolder(vertx, connection, key, lease))
        .compose(locked -> locked
            ? Future.succeededFuture(new CaptureFence(connection, lease, started))
            : connection.close().transform(closed -> Future.<CaptureFence>failedFuture(new IllegalStateException(
                "another capture holds slot " + slotName + " (advisory lock taken): not capturing here")))));
  }

  /** How often a holder must use its fence for its lease to hold, with room for a slow round trip. */
  public static Duration renewEvery(Duration lease) {
    return lease.dividedBy(5);
  }

  /** Proves the holder alive (its session runs a query) and that the fence still stands (its connection is open). */
  public Future<Void> renew() {
    long sent = System.nanoTime();
    return connection.query("SELECT 1").execute().map(rows -> {
      heldUntilNanos = sent + lease.minus(renewEvery(lease)).toNanos();
      return null;
    });
  }

  /**
   * Whether no candidate can have taken the fence yet, by this member's own clock: false once the
   * last use that succeeded is nearly a lease old — a member resuming from a freeze knows it without a
   * round trip, and ships nothing more before it has renewed.
   */
  public boolean holds() {
    return System.nanoTime() - heldUntilNanos < 0;
  }

  public Future<Void> release() {
    return connection.close();
  }

  private static Future<Boolean> tryLock(PgConnection connection, String key) {
    return connection.preparedQuery("SELECT pg_try_advisory_lock(hashtext($1))").execute(Tuple.of(key))
        .map(rows -> rows.iterator().next().getBoolean(0));
  }

  /** When the lock's holder has been silent longer than the lease: ends its session, then takes the lock. */
  private static Future<Boolean> endSilentHolder(Vertx vertx, PgConnection connection, String key, Duration lease) {
    return connection.preparedQuery(HOLDER).execute(Tuple.of(key)).compose(rows -> {
      if (rows.size() == 0) {
        // Released between the two looks.
        return tryLock(connection, key);
      }
      Row holder = rows.iterator().next();
      int pid = holder.getInteger(0);
      Double silent = holder.getDouble(1);
      if (silent == null || silent * 1000 <= lease.toMillis()) {
        return Future.succeededFuture(false);
      }
      LOG.warn("The capture fence is held by session {}, silent for {} s (over the {} s lease): its member is hung"
          + " or cut off; ending that session to take the fence", pid, Math.round(silent), lease.toSeconds());
      return connection.preparedQuery("SELECT pg_terminate_backend($1)").execute(Tuple.of(pid))
          .compose(ended -> lockOnceReleased(vertx, connection, key, System.nanoTime() + RELEASE_WAIT.toNanos()));
    });
  }

  /** A terminated backend releases its locks as it exits, a moment later. */
  private static Future<Boolean> lockOnceReleased(Vertx vertx, PgConnection connection, String key, long deadline) {
    return tryLock(connection, key).compose(locked -> {
      if (locked || System.nanoTime() > deadline) {
        return Future.succeededFuture(locked);
      }
      Promise<Void> waited = Promise.promise();
      vertx.setTimer(100, id -> waited.complete());
      return waited.future().compose(v -> lockOnceReleased(vertx, connection, key, deadline));
    });
  }
}
