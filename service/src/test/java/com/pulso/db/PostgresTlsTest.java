package com.pulso.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.pulso.config.PulsoConfig;
import com.pulso.devservices.EmbeddedDatabase;
import com.pulso.testing.TestPorts;
import io.vertx.core.Vertx;
import io.vertx.core.net.SelfSignedCertificate;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS to PostgreSQL as on RDS (sslMode verify-full, trusting only the configured root certificate),
 * for both clients: JDBC (migrations) and the reactive pool.
 */
class PostgresTlsTest {

  private static final int PORT = TestPorts.port(25439);

  @Test
  void verifyFullConnectsOverTlsWithBothClients(@TempDir Path dir) throws Exception {
    SelfSignedCertificate certificate = SelfSignedCertificate.create("localhost");
    Path cert = dir.resolve("server.crt");
    Path key = dir.resolve("server.key");
    Files.copy(Path.of(certificate.certificatePath()), cert);
    Files.copy(Path.of(certificate.privateKeyPath()), key);
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));

    try (EmbeddedDatabase database = EmbeddedDatabase.start(PORT, dir.resolve("pg"))) {
      PulsoConfig.Database plain = new PulsoConfig.Database("localhost", PORT, "postgres", "postgres", "", 2,
          "disable", null);
      try (Connection c = Postgres.connect(plain)) {
        c.createStatement().execute("ALTER SYSTEM SET ssl_cert_file = '" + cert + "'");
        c.createStatement().execute("ALTER SYSTEM SET ssl_key_file = '" + key + "'");
        c.createStatement().execute("ALTER SYSTEM SET ssl = on");
        c.createStatement().execute("SELECT pg_reload_conf()");
      }
      PulsoConfig.Database verified = new PulsoConfig.Database("localhost", PORT, "postgres", "postgres", "", 2,
          "verify-full", cert);

      try (Connection c = Postgres.connect(verified);
           ResultSet rs = c.createStatement().executeQuery("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getBoolean(1)).as("JDBC over TLS").isTrue();
      }

      Path stranger = dir.resolve("other-ca.crt");
      Files.copy(Path.of(SelfSignedCertificate.create("localhost").certificatePath()), stranger);
      PulsoConfig.Database untrusted = new PulsoConfig.Database("localhost", PORT, "postgres", "postgres", "", 2,
          "verify-full", stranger);
      assertThatThrownBy(() -> Postgres.connect(untrusted)).as("a server the root certificate did not sign")
          .isInstanceOf(java.sql.SQLException.class);

      Vertx vertx = Vertx.vertx();
      try {
        Pool pool = Postgres.pool(vertx, verified);
        Row row = pool.query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").execute()
            .await(30, TimeUnit.SECONDS).iterator().next();
        assertThat(row.getBoolean(0)).as("reactive client over TLS").isTrue();
      } finally {
        vertx.close().await(30, TimeUnit.SECONDS);
      }
    }
  }
}
