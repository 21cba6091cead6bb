package com.pulso.db;

import com.pulso.config.PulsoConfig;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings the database schema up to date with Flyway: always Pulso's own schema {@code pulso}, and,
 * with dev services only, the company's sales tables (in production the source is theirs).
 * Blocking: run it before Vert.x starts or on a worker thread. Re-running it is a no-op.
 */
public final class Migrations {

  /** Pulso's own tables, and Flyway's history of them. */
  public static final String PULSO_SCHEMA = "pulso";
  /** History of the demo source schema, kept apart so the two sets of versions never mix. */
  public static final String SOURCE_HISTORY_TABLE = "pulso_source_schema_history";

  private static final Logger LOG = LoggerFactory.getLogger(Migrations.class);

  private Migrations() {}

  public static void migrate(PulsoConfig config) {
    PulsoConfig.Database db = config.database();
    if (config.devServices().enabled()) {
      // The source tables live where the company's do: the default schema of the connection.
      // baselineOnMigrate: public is not ours alone, so it may already hold other objects.
      report("source", Flyway.configure()
          .dataSource(Postgres.jdbcUrl(db), db.user(), db.password())
          .schemas("public")
          .createSchemas(false)
          .table(SOURCE_HISTORY_TABLE)
          .baselineOnMigrate(true)
          .baselineVersion("0")
          .locations("classpath:db/source")
          .placeholders(sourcePlaceholders(config.source()))
          .load()
          .migrate());
    }
    report(PULSO_SCHEMA, Flyway.configure()
        .dataSource(Postgres.jdbcUrl(db), db.user(), db.password())
        .schemas(PULSO_SCHEMA)
        .table("flyway_schema_history")
        .locations("classpath:db/pulso")
        .load()
        .migrate());
  }

  private static Map<String, String> sourcePlaceholders(PulsoConfig.Source source) {
    return Map.of(
        "clients_table", source.clientsTable(),
        "client_id_column", source.clientIdColumn(),
        "client_first_name_column", source.clientFirstNameColumn(),
        "client_last_name_column", source.clientLastNameColumn(),
        "sales_table", source.salesTable(),
        "sale_id_column", source.saleIdColumn(),
        "sale_client_column", source.saleClientColumn(),
        "sale_product_column", source.saleProductColumn(),
        "sale_time_column", source.saleTimeColumn(),
        "sale_amount_column", source.saleAmountColumn());
  }

  private static void report(String schema, MigrateResult result) {
    LOG.info("Schema {}: {} migration(s) applied, now at version {}", schema, result.migrationsExecuted,
        result.targetSchemaVersion == null ? "(unchanged)" : result.targetSchemaVersion);
  }
}
