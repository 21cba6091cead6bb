package com.pulso.glue;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The company's source database for every test class of this JVM: embedded PostgreSQL with the
 * sales schema (the demo schema of {@code db/source}, but with nothing the real source may lack: no
 * NOT NULL on the sale time, an amount of any scale) and Pulso's provider and product tables. Each
 * test class writes the sales of its own days.
 */
final class TestSource {

  static final String USER = "postgres";
  private static TestSource instance;

  private final EmbeddedPostgres postgres;

  private TestSource(EmbeddedPostgres postgres) {
    this.postgres = postgres;
  }

  static synchronized TestSource get() {
    if (instance == null) {
      EmbeddedPostgres postgres;
      try {
        postgres = EmbeddedPostgres.builder().setServerConfig("listen_addresses", "127.0.0.1").start();
      } catch (IOException e) {
        throw new UncheckedIOException("embedded PostgreSQL did not start: " + e.getMessage(), e);
      }
      instance = new TestSource(postgres);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          postgres.close();
        } catch (IOException e) {
          System.err.println("embedded PostgreSQL did not stop: " + e);
        }
      }, "test-source-stop"));
      instance.execute("""
          CREATE SCHEMA pulso;
          CREATE TABLE pulso.providers (id integer PRIMARY KEY, name text NOT NULL);
          CREATE TABLE pulso.products (code text PRIMARY KEY, provider_id integer NOT NULL REFERENCES pulso.providers (id),
                                       name text NOT NULL);
          CREATE TABLE clientes (id bigint PRIMARY KEY, nombre text, apellido text);
          CREATE TABLE ventas (id bigserial PRIMARY KEY, cliente_id bigint, producto text, fecha timestamptz, monto numeric);
          CREATE INDEX ventas_fecha_idx ON ventas (fecha);
          -- Three providers with two products each, and one that sells nothing.
          INSERT INTO pulso.providers VALUES (1, 'Lácteos'), (2, 'Café'), (3, 'Aseo'), (4, 'Sin ventas');
          INSERT INTO pulso.products VALUES ('LAC-001', 1, 'Leche'), ('LAC-002', 1, 'Queso'), ('CAF-001', 2, 'Café molido'),
            ('CAF-002', 2, 'Café grano'), ('ASE-001', 3, 'Jabón'), ('ASE-002', 3, 'Detergente');
          -- Clients 1..600, some without a name; sales may name clients that are not here.
          INSERT INTO clientes SELECT g, CASE WHEN g % 50 = 0 THEN NULL ELSE 'Nombre ' || g END, 'Apellido ' || g
            FROM generate_series(1, 600) g;
          """);
    }
    return instance;
  }

  String jdbcUrl() {
    return postgres.getJdbcUrl(USER, "postgres");
  }

  Connection connect() throws SQLException {
    return postgres.getPostgresDatabase().getConnection();
  }

  void execute(String sql) {
    try (Connection c = connect(); Statement st = c.createStatement()) {
      st.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException("test SQL failed: " + e.getMessage(), e);
    }
  }
}
