package com.pulso.devservices;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedDatabaseTest {

  private static final int PORT = 35434;

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

  private static void execute(EmbeddedDatabase database, String statement) throws SQLException {
    try (Connection connection = DriverManager.getConnection(database.jdbcUrl("postgres"));
         Statement sql = connection.createStatement()) {
      sql.execute(statement);
    }
  }
}
