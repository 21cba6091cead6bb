package com.pulso.db;

import com.pulso.config.ConfigLoader;
import com.pulso.config.PulsoConfig;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * TEMPORARY: an embedded PostgreSQL for the schema tests until com.pulso.testing.TestServices
 * (branch devservices) is merged. Delete it then.
 */
public final class TemporaryPostgres {

  private static EmbeddedPostgres postgres;

  private TemporaryPostgres() {}

  public static synchronized PulsoConfig config() {
    if (postgres == null) {
      try {
        postgres = EmbeddedPostgres.builder().setPort(25432)
            .setServerConfig("wal_level", "logical").setServerConfig("synchronous_commit", "on").start();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    Path home = Path.of(System.getProperty("pulso.home", "."));
    return ConfigLoader.load(home.resolve("conf"), Map.of(
        "PULSO_PROFILE", "local", "PULSO_DATABASE_PORT", "25432", "PULSO_DATABASE_NAME", "postgres",
        "PULSO_DATABASE_USER", "postgres"));
  }
}
