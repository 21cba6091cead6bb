package com.pulso.capture;

import com.pulso.config.PulsoConfig;
import com.pulso.db.Postgres;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnection;
import io.vertx.sqlclient.Tuple;

/**
 * A PostgreSQL session advisory lock that only one capture in the world can hold per slot: the
 * cluster singleton elects one leader per cluster, but during a network partition each side elects
 * its own, and only the one holding this lock may read the slot. The lock lives with a dedicated
 * connection: if the holder dies or loses the database, PostgreSQL releases it.
 */
public final class CaptureFence {

  private final PgConnection connection;

  private CaptureFence(PgConnection connection) {
    this.connection = connection;
  }

  /** Takes the fence of {@code slotName}, or fails at once if another capture holds it. */
  public static Future<CaptureFence> acquire(Vertx vertx, PulsoConfig.Database db, String slotName) {
    return PgConnection.connect(vertx, Postgres.connectOptions(db)).compose(connection -> connection
        .preparedQuery("SELECT pg_try_advisory_lock(hashtext($1))")
        .execute(Tuple.of("pulso.capture." + slotName))
        .compose(rows -> rows.iterator().next().getBoolean(0)
            ? Future.succeededFuture(new CaptureFence(connection))
            : connection.close().transform(closed -> Future.<CaptureFence>failedFuture(new IllegalStateException(
                "another capture holds slot " + slotName + " (advisory lock taken): not capturing here")))));
  }

  /** Whether the fence still stands: its connection is open (PostgreSQL drops the lock with it). */
  public Future<Void> check() {
    return connection.query("SELECT 1").execute().mapEmpty();
  }

  public Future<Void> release() {
    return connection.close();
  }
}
