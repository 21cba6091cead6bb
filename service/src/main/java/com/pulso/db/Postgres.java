package com.pulso.db;

import com.pulso.config.PulsoConfig;
import io.vertx.core.Vertx;
import io.vertx.core.net.ClientSSLOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.SslMode;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/**
 * How Pulso connects to PostgreSQL, in one place: the reactive client for the server's work and
 * JDBC for what runs before Vert.x or on workers (migrations, demo seeding). TLS follows
 * {@code database.sslMode}; the verifying modes trust only {@code database.sslRootCert}.
 */
public final class Postgres {

  private Postgres() {}

  public static PgConnectOptions connectOptions(PulsoConfig.Database db) {
    PgConnectOptions options = new PgConnectOptions()
        .setHost(db.host())
        .setPort(db.port())
        .setDatabase(db.name())
        .setUser(db.user())
        .setPassword(db.password())
        .setSslMode(SslMode.of(db.sslMode()))
        .setReconnectAttempts(2)
        .setReconnectInterval(500);
    switch (options.getSslMode()) {
      case REQUIRE -> options.setSslOptions(new ClientSSLOptions().setTrustAll(true));
      case VERIFY_CA, VERIFY_FULL -> options.setSslOptions(new ClientSSLOptions()
          .setTrustOptions(new PemTrustOptions().addCertPath(db.sslRootCert().toString()))
          .setHostnameVerificationAlgorithm(options.getSslMode() == SslMode.VERIFY_FULL ? "HTTPS" : ""));
      default -> { }
    }
    return options;
  }

  /** The member's pool, shared by its verticles (the reactive client is safe to share). */
  public static Pool pool(Vertx vertx, PulsoConfig.Database db) {
    return pool(vertx, db, db.poolSize());
  }

  /** A pool of its own of {@code size} connections (one use that must not take the others' connections). */
  public static Pool pool(Vertx vertx, PulsoConfig.Database db, int size) {
    return PgBuilder.pool()
        .with(new PoolOptions().setMaxSize(size))
        .connectingTo(connectOptions(db))
        .using(vertx)
        .build();
  }

  /** The same settings for the JDBC driver (Flyway, seeding). */
  public static String jdbcUrl(PulsoConfig.Database db) {
    String url = "jdbc:postgresql://" + db.host() + ":" + db.port() + "/" + db.name() + "?sslmode=" + db.sslMode();
    if (db.sslRootCert() != null) {
      url += "&sslrootcert=" + URLEncoder.encode(db.sslRootCert().toString(), StandardCharsets.UTF_8);
    }
    return url;
  }

  /**
   * An identifier quoted for SQL, used exactly as written (a configured table or column name, a
   * slot's publication); an embedded double quote is doubled, so any text is safe.
   */
  public static String quoteIdentifier(String identifier) {
    return '"' + identifier.replace("\"", "\"\"") + '"';
  }

  /** A blocking JDBC connection: never on an event loop. */
  public static Connection connect(PulsoConfig.Database db) throws SQLException {
    return DriverManager.getConnection(jdbcUrl(db), db.user(), db.password());
  }
}
