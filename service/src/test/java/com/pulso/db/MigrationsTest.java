package com.pulso.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.pulso.config.PulsoConfig;
import com.pulso.testing.TestServices;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MigrationsTest {

  private static final Map<String, List<String>> PULSO_TABLES = Map.of(
      "providers", List.of("id", "name", "created_at"),
      "products", List.of("code", "provider_id", "name"),
      "api_keys", List.of("id", "provider_id", "role", "key_hash", "key_prefix", "created_at", "revoked_at"),
      "batch_runs", List.of("id", "date_from", "date_to", "state", "runner", "attempts", "external_run_id",
          "started_at", "finished_at", "error", "created_at"),
      "capture_state", List.of("slot_name", "confirmed_lsn", "bootstrapped_at", "updated_at"),
      "dead_letters", List.of("id", "source_lsn", "reason", "payload", "created_at", "source_position", "resolved_at"));

  @Test
  void freshDatabaseGetsPulsoAndSourceTablesWithTheirColumns() throws SQLException {
    PulsoConfig config = FreshDatabase.create(TestServices.config(), true);

    Migrations.migrate(config);

    PulsoConfig.Source s = config.source();
    try (Connection conn = FreshDatabase.connect(config)) {
      for (var table : PULSO_TABLES.entrySet()) {
        assertThat(columns(conn, "pulso", table.getKey())).as("pulso." + table.getKey())
            .containsExactlyElementsOf(table.getValue());
      }
      assertThat(columns(conn, "public", s.clientsTable())).containsExactly(
          s.clientIdColumn(), s.clientFirstNameColumn(), s.clientLastNameColumn());
      assertThat(columns(conn, "public", s.salesTable())).containsExactly(s.saleIdColumn(), s.saleClientColumn(),
          s.saleProductColumn(), s.saleTimeColumn(), s.saleAmountColumn());
      assertThat(dataType(conn, s.salesTable(), s.saleTimeColumn())).isEqualTo("timestamp with time zone");
      assertThat(dataType(conn, s.salesTable(), s.saleAmountColumn())).isEqualTo("numeric(14,2)");
      assertThat(dataType(conn, "capture_state", "confirmed_lsn")).isEqualTo("pg_lsn");
      assertThat(dataType(conn, "dead_letters", "payload")).isEqualTo("jsonb");
    }
  }

  @Test
  void salesTableSendsWholeOldRowsAndIsIndexedByTime() throws SQLException {
    PulsoConfig config = FreshDatabase.create(TestServices.config(), true);

    Migrations.migrate(config);

    PulsoConfig.Source s = config.source();
    try (Connection conn = FreshDatabase.connect(config)) {
      assertThat(single(conn, "SELECT relreplident::text FROM pg_class WHERE oid = to_regclass(?)", s.salesTable()))
          .isEqualTo("f");
      // An index whose first key column is the sale time.
      assertThat(single(conn, """
          SELECT count(*)::text FROM pg_index i
          JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
          WHERE i.indrelid = to_regclass(?) AND a.attname = ?""", s.salesTable(), s.saleTimeColumn()))
          .isEqualTo("1");
    }
  }

  @Test
  void migratingAgainChangesNothing() throws SQLException {
    PulsoConfig config = FreshDatabase.create(TestServices.config(), true);
    Migrations.migrate(config);
    List<String> before = appliedMigrations(config);

    Migrations.migrate(config);

    assertThat(appliedMigrations(config)).isEqualTo(before).isNotEmpty();
  }

  @Test
  void withoutDevServicesTheSourceSchemaIsLeftAlone() throws SQLException {
    PulsoConfig config = FreshDatabase.create(TestServices.config(), false);

    Migrations.migrate(config);

    try (Connection conn = FreshDatabase.connect(config)) {
      assertThat(single(conn, "SELECT to_regclass(?)::text", config.source().salesTable())).isNull();
      assertThat(single(conn, "SELECT to_regclass(?)::text", config.source().clientsTable())).isNull();
      assertThat(single(conn, "SELECT to_regclass(?)::text", Migrations.SOURCE_HISTORY_TABLE)).isNull();
      assertThat(single(conn, "SELECT to_regclass('pulso.providers')::text")).isEqualTo("pulso.providers");
    }
  }

  @Test
  void sourceTablesFollowTheConfiguredNames() throws SQLException {
    PulsoConfig config = FreshDatabase.create(TestServices.config(), true, RENAMED_SOURCE);

    Migrations.migrate(config);

    try (Connection conn = FreshDatabase.connect(config)) {
      assertThat(columns(conn, "public", "customers")).containsExactly("customer_no", "first_name", "Last_Name");
      assertThat(columns(conn, "public", "sales")).containsExactly("sale_no", "customer_no", "sku", "sold_at", "total");
      assertThat(single(conn, "SELECT relreplident::text FROM pg_class WHERE oid = to_regclass('sales')")).isEqualTo("f");
    }
  }

  @Test
  void apiKeysHoldOnlyHashesAndAProviderExactlyWhenTheRoleIsProvider() throws SQLException {
    PulsoConfig config = FreshDatabase.create(TestServices.config(), false);
    Migrations.migrate(config);
    String hash = "a".repeat(64);

    try (Connection conn = FreshDatabase.connect(config); Statement st = conn.createStatement()) {
      st.execute("INSERT INTO pulso.providers (id, name) VALUES (7, 'Lácteos')");
      st.execute("INSERT INTO pulso.api_keys (provider_id, role, key_hash, key_prefix) VALUES (7, 'provider', '"
          + hash + "', 'pk_aaaa')");
      st.execute("INSERT INTO pulso.api_keys (provider_id, role, key_hash, key_prefix) VALUES (NULL, 'admin', '"
          + "b".repeat(64) + "', 'ak_bbbb')");
      assertThatThrownBy(() -> st.execute("INSERT INTO pulso.api_keys (provider_id, role, key_hash, key_prefix)"
          + " VALUES (NULL, 'provider', '" + "c".repeat(64) + "', 'pk_cccc')")).hasMessageContaining("check constraint");
      assertThatThrownBy(() -> st.execute("INSERT INTO pulso.api_keys (provider_id, role, key_hash, key_prefix)"
          + " VALUES (7, 'provider', 'pk_live_plaintextkey', 'pk_live')")).hasMessageContaining("check constraint");
      assertThatThrownBy(() -> st.execute("INSERT INTO pulso.api_keys (provider_id, role, key_hash, key_prefix)"
          + " VALUES (7, 'provider', '" + hash + "', 'pk_aaaa')")).hasMessageContaining("duplicate key");
    }
  }

  /** Source names unlike the defaults, one of them needing quotes (mixed case). */
  private static final PulsoConfig.Source RENAMED_SOURCE = new PulsoConfig.Source("customers", "customer_no",
      "first_name", "Last_Name", "sales", "sale_no", "customer_no", "sku", "sold_at", "total");

  /** Every applied migration of both histories: rank, version, checksum, success. */
  private static List<String> appliedMigrations(PulsoConfig config) throws SQLException {
    List<String> rows = new ArrayList<>();
    try (Connection conn = FreshDatabase.connect(config)) {
      for (String history : List.of("pulso.flyway_schema_history", "public." + Migrations.SOURCE_HISTORY_TABLE)) {
        try (ResultSet rs = conn.createStatement().executeQuery("SELECT installed_rank, version, checksum, success FROM "
            + history + " ORDER BY installed_rank")) {
          while (rs.next()) {
            rows.add(history + " " + rs.getInt(1) + " " + rs.getString(2) + " " + rs.getString(3) + " " + rs.getBoolean(4));
          }
        }
      }
    }
    return rows;
  }

  private static List<String> columns(Connection conn, String schema, String table) throws SQLException {
    List<String> names = new ArrayList<>();
    try (PreparedStatement ps = conn.prepareStatement("SELECT column_name FROM information_schema.columns"
        + " WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position")) {
      ps.setString(1, schema);
      ps.setString(2, table);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          names.add(rs.getString(1));
        }
      }
    }
    return names;
  }

  private static String dataType(Connection conn, String table, String column) throws SQLException {
    return single(conn, """
        SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
        JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname IN ('pulso', 'public') AND c.relname = ? AND a.attname = ?""", table, column);
  }

  private static String single(Connection conn, String sql, String... params) throws SQLException {
    try (PreparedStatement ps = conn.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        ps.setString(i + 1, params[i]);
      }
      try (ResultSet rs = ps.executeQuery()) {
        assertThat(rs.next()).as(sql).isTrue();
        return rs.getString(1);
      }
    }
  }
}
