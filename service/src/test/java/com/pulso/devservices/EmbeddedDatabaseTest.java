package com.pulso.devservices;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.pulso.db.Postgres;
import com.pulso.config.ConfigLoader;
import com.pulso.config.PulsoConfig;
import com.pulso.testing.TestPorts;
import com.pulso.testing.TestServices;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedDatabaseTest {

  private static final int PORT = TestPorts.port(35434);

  @TempDir
  Path dataDir;

  @Test
  void aTableCreatedBeforeCloseIsThereAfterARestart() throws SQLException {
    try (EmbeddedDatabase database = EmbeddedDatabase.start(PORT, dataDir)) {
      execute(database, "CREATE TABLE clientes (id bigint PRIMARY KEY, nombre text)");
      execute(database, "INSERT INTO clientes VALUES (1, 'Ana')");
    }

    try (EmbeddedDatabase database = EmbeddedDatabase.start(PORT, dataDir)) {
      try (Connection connection = DriverManager.getConnection(database.jdbcUrl("postgres"));
           Statement sql = connection.createStatement();
           ResultSet rs = sql.executeQuery("SELECT nombre FROM clientes WHERE id = 1")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString(1)).isEqualTo("Ana");
      }
    }
  }

  @Test
  void aDataDirectoryInUseByARunningDatabaseIsRefused() {
    try (EmbeddedDatabase database = EmbeddedDatabase.start(PORT, dataDir)) {
      assertThatThrownBy(() -> EmbeddedDatabase.start(PORT + 1, dataDir))
          .hasMessageContaining("in use by another running process");
      assertThat(LocalProcess.isRunning(database.postmasterPid())).isTrue();
    }
  }

  @Test
  void aConfiguredUserAndDatabaseOtherThanPostgresAreCreated() throws SQLException {
    PulsoConfig config = ConfigLoader.load(TestServices.home().resolve("conf"), Map.of(
        ConfigLoader.envName("database.port"), Integer.toString(PORT),
        ConfigLoader.envName("database.name"), "pulso",
        ConfigLoader.envName("database.user"), "pulso",
        ConfigLoader.envName("devServices.dataDir"), dataDir.toString()));

    try (EmbeddedDatabase database = EmbeddedDatabase.start(config);
         Connection connection = DriverManager.getConnection(Postgres.jdbcUrl(config.database()), "pulso", "");
         Statement sql = connection.createStatement();
         ResultSet rs = sql.executeQuery("SELECT current_user, current_database()")) {
      assertThat(database.dataDir()).isEqualTo(dataDir.resolve("postgres"));
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(1)).isEqualTo("pulso");
      assertThat(rs.getString(2)).isEqualTo("pulso");
    }
  }

  private static void execute(EmbeddedDatabase database, String statement) throws SQLException {
    try (Connection connection = DriverManager.getConnection(database.jdbcUrl("postgres"));
         Statement sql = connection.createStatement()) {
      sql.execute(statement);
    }
  }
}
