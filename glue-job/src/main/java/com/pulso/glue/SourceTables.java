package com.pulso.glue;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Table and column names of the company's sales schema: the server's {@code source.*} keys, with the
 * same defaults ({@code conf/application.yaml}). Names are SQL identifiers, used quoted and exactly
 * as written.
 */
public record SourceTables(String clientsTable, String clientIdColumn, String clientFirstNameColumn,
                           String clientLastNameColumn, String salesTable, String saleIdColumn,
                           String saleClientColumn, String saleProductColumn, String saleTimeColumn,
                           String saleAmountColumn) {

  private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  public SourceTables {
    for (String name : new String[] {clientsTable, clientIdColumn, clientFirstNameColumn, clientLastNameColumn,
        salesTable, saleIdColumn, saleClientColumn, saleProductColumn, saleTimeColumn, saleAmountColumn}) {
      Objects.requireNonNull(name, "source table or column name");
    }
  }

  /** The company's schema as the server's defaults describe it: {@code clientes}, {@code ventas}. */
  public static SourceTables defaults() {
    return new SourceTables("clientes", "id", "nombre", "apellido", "ventas", "id", "cliente_id", "producto", "fecha",
        "monto");
  }

  /** Whether {@code name} is a SQL identifier the server's configuration would accept. */
  static boolean isIdentifier(String name) {
    return name != null && IDENTIFIER.matcher(name).matches();
  }

  /** A name quoted for SQL. */
  static String quote(String identifier) {
    return '"' + identifier.replace("\"", "\"\"") + '"';
  }
}
