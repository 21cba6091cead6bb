package com.pulso.db;

import com.pulso.config.PulsoConfig;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.SslMode;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;

/** Connection settings for the reactive PostgreSQL client, in one place. */
public final class Postgres {

  private Postgres() {}

  public static PgConnectOptions connectOptions(PulsoConfig.Database db) {
    return new PgConnectOptions()
        .setHost(db.host())
        .setPort(db.port())
        .setDatabase(db.name())
        .setUser(db.user())
        .setPassword(db.password())
        .setSslMode(SslMode.of(db.sslMode()))
        .setReconnectAttempts(2)
        .setReconnectInterval(500);
  }

  /** The member's pool, shared by its verticles (the reactive client is safe to share). */
  public static Pool pool(Vertx vertx, PulsoConfig.Database db) {
    return PgBuilder.pool()
        .with(new PoolOptions().setMaxSize(db.poolSize()))
        .connectingTo(connectOptions(db))
        .using(vertx)
        .build();
  }
}
