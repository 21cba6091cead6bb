package com.pulso.glue;

import com.pulso.glue.SourceQueries.DayWindow;
import com.pulso.glue.SourceQueries.SaleColumnTypes;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * The small reads the driver makes itself over one JDBC connection (read-only, a replica will do):
 * the schema's column types, the providers and the product mapping, a day's id bounds, client names.
 * The day's sales themselves are read by Spark ({@link SalesAggregation}).
 */
final class SourceDatabase implements AutoCloseable {

  /** Client ids per name query: one array parameter each. */
  private static final int NAMES_PER_QUERY = 10_000;
  private static final Set<String> INTEGER_TYPES = Set.of("smallint", "integer", "bigint");

  /** A client's first and last name (either may be null in the source). */
  record ClientName(String first, String last) {
    static final ClientName UNKNOWN = new ClientName(null, null);
  }

  /**
   * The sale ids of a day's window when the job read it, and when (the database's clock): the run's
   * high-water mark. {@code minSaleId}/{@code maxSaleId} are null when the window is empty.
   */
  record DayBounds(Long minSaleId, Long maxSaleId, Instant readAt) {
    boolean isEmpty() {
      return maxSaleId == null;
    }
  }

  private final Connection connection;
  private final SourceTables source;

  private SourceDatabase(Connection connection, SourceTables source) {
    this.connection = connection;
    this.source = source;
  }

  /** The JDBC connection properties of the job's arguments: user and password when given. */
  static Properties connectionProperties(JobArguments args) {
    Properties properties = new Properties();
    if (args.jdbcUser() != null) {
      properties.setProperty("user", args.jdbcUser());
    }
    if (args.jdbcPassword() != null) {
      properties.setProperty("password", args.jdbcPassword());
    }
    return properties;
  }

  static SourceDatabase connect(JobArguments args) throws SQLException {
    Connection connection;
    try {
      connection = DriverManager.getConnection(args.jdbcUrl(), connectionProperties(args));
    } catch (SQLException e) {
      throw new SQLException("cannot connect to the source database " + args.jdbcUrl() + " as "
          + args.jdbcUser() + ": " + e.getMessage(), e.getSQLState(), e);
    }
    connection.setReadOnly(true);
    return new SourceDatabase(connection, args.source());
  }

  /**
   * The types of the sale columns the job reads (a sale time of another type than timestamptz,
   * timestamp or date is refused by {@link SourceQueries}); the sale id must be an integer column:
   * Spark partitions the read on it.
   */
  SaleColumnTypes saleColumnTypes() throws SQLException {
    String idType = columnType(source.salesTable(), source.saleIdColumn());
    if (!INTEGER_TYPES.contains(idType)) {
      throw new IllegalStateException("the sale id column " + source.salesTable() + "." + source.saleIdColumn()
          + " is of type " + idType + ": the job partitions its read on it and needs smallint, integer or bigint");
    }
    return new SaleColumnTypes(idType, columnType(source.salesTable(), source.saleClientColumn()),
        columnType(source.salesTable(), source.saleTimeColumn()), columnType(source.salesTable(), source.saleAmountColumn()));
  }

  List<Integer> providers() throws SQLException {
    List<Integer> providers = new ArrayList<>();
    try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(SourceQueries.PROVIDERS)) {
      while (rs.next()) {
        providers.add(rs.getInt(1));
      }
    }
    return providers;
  }

  /** Product code → provider id. */
  Map<String, Integer> productProviders() throws SQLException {
    Map<String, Integer> products = new HashMap<>();
    try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(SourceQueries.PRODUCTS)) {
      while (rs.next()) {
        products.put(rs.getString(1), rs.getInt(2));
      }
    }
    return products;
  }

  DayBounds bounds(SourceQueries queries, DayWindow window) throws SQLException {
    try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(queries.dayBounds(window))) {
      rs.next();
      return new DayBounds(rs.getObject(1) == null ? null : rs.getLong(1), rs.getObject(2) == null ? null : rs.getLong(2),
          rs.getObject(3, java.time.OffsetDateTime.class).toInstant());
    }
  }

  /** The names of the clients that exist among {@code clientIds}; the others are absent. */
  Map<Long, ClientName> clientNames(SourceQueries queries, Collection<Long> clientIds) throws SQLException {
    Map<Long, ClientName> names = new HashMap<>();
    List<Long> ids = List.copyOf(clientIds);
    try (PreparedStatement st = connection.prepareStatement(queries.clientNames())) {
      for (int from = 0; from < ids.size(); from += NAMES_PER_QUERY) {
        Array array = connection.createArrayOf("bigint", ids.subList(from, Math.min(ids.size(), from + NAMES_PER_QUERY))
            .toArray());
        st.setArray(1, array);
        try (ResultSet rs = st.executeQuery()) {
          while (rs.next()) {
            names.put(rs.getLong(1), new ClientName(rs.getString(2), rs.getString(3)));
          }
        }
        array.free();
      }
    }
    return names;
  }

  private String columnType(String table, String column) throws SQLException {
    try (PreparedStatement st = connection.prepareStatement(SourceQueries.COLUMN_TYPE)) {
      st.setString(1, table);
      st.setString(2, column);
      try (ResultSet rs = st.executeQuery()) {
        if (!rs.next()) {
          throw new IllegalStateException("the source has no column " + table + "." + column
              + " (check the table and column arguments)");
        }
        return rs.getString(1);
      }
    } catch (SQLException e) {
      throw new SQLException("cannot read the type of " + table + "." + column + " (is the table there?): "
          + e.getMessage(), e.getSQLState(), e);
    }
  }

  @Override
  public void close() throws SQLException {
    connection.close();
  }
}
