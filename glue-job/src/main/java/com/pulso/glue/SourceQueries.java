package com.pulso.glue;

import static com.pulso.glue.SourceTables.quote;

import com.pulso.report.CountedSales;
import com.pulso.report.CountedSales.TypedColumn;
import com.pulso.report.SaleTimeType;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Objects;

/**
 * The job's SQL in one place. Source names come from the arguments (validated identifiers) and are
 * quoted; values written into a statement are dates and instants the job made itself. Which sales
 * count is {@link CountedSales}, the rule the real-time pipeline counts by.
 */
final class SourceQueries {

  /** A business day: from its start in the zone (inclusive) to the next day's start (exclusive). */
  record DayWindow(LocalDate day, ZoneId zone) {
    Instant start() {
      return day.atStartOfDay(zone).toInstant();
    }

    Instant end() {
      return day.plusDays(1).atStartOfDay(zone).toInstant();
    }
  }

  /** The type of a column as {@code format_type} names it (1: table, 2: column, names as configured). */
  static final String COLUMN_TYPE = "SELECT format_type(a.atttypid, NULL) FROM pg_attribute a"
      + " WHERE a.attrelid = quote_ident(?)::regclass AND a.attname = ? AND NOT a.attisdropped";
  /** Pulso's providers (its own schema, {@code db/pulso} migrations): each gets a report every day. */
  static final String PROVIDERS = "SELECT id FROM pulso.providers ORDER BY id";
  /** The product → provider mapping: a sale belongs to the provider of its product. */
  static final String PRODUCTS = "SELECT code, provider_id FROM pulso.products";

  /** Column names of {@link #countedSales}, as Spark reads them. */
  static final String SALE_ID = "sale_id";
  static final String CLIENT_ID = "client_id";
  static final String PRODUCT = "product";
  static final String AMOUNT = "amount";

  /** The types of the sales table's columns the job reads, as {@code format_type} names them. */
  record SaleColumnTypes(String saleId, String client, String saleTime, String amount) {}

  private final SourceTables source;
  private final SaleColumnTypes types;
  private final SaleTimeType timeType;

  SourceQueries(SourceTables source, SaleColumnTypes types) {
    this.source = Objects.requireNonNull(source, "source");
    this.types = Objects.requireNonNull(types, "types");
    this.timeType = SaleTimeType.of(types.saleTime(), source.salesTable(), source.saleTimeColumn());
  }

  /** Lowest and highest sale id in the day's window, and the database's clock: the read's bounds. */
  String dayBounds(DayWindow window) {
    return "SELECT min(" + sale(source.saleIdColumn()) + "), max(" + sale(source.saleIdColumn()) + "), clock_timestamp()"
        + " FROM " + quote(source.salesTable()) + " v WHERE " + inWindow(window);
  }

  /**
   * The day's sales that count, up to {@code maxSaleId} (the bounds' high-water mark: a sale written
   * after the bounds were read is not in this run): sale id (as stored: Spark partitions the read on
   * it), client, product code (text), amount (exact, two decimals). The product join is Spark's.
   */
  String countedSales(DayWindow window, long maxSaleId) {
    TypedColumn id = new TypedColumn(sale(source.saleIdColumn()), types.saleId());
    TypedColumn client = new TypedColumn(sale(source.saleClientColumn()), types.client());
    TypedColumn amount = new TypedColumn(sale(source.saleAmountColumn()), types.amount());
    return "SELECT " + id.reference() + " AS " + SALE_ID
        + ", " + CountedSales.clientId(client) + " AS " + CLIENT_ID
        + ", " + sale(source.saleProductColumn()) + "::text AS " + PRODUCT
        + ", (" + CountedSales.amount(amount) + ")::numeric(18, 2) AS " + AMOUNT
        + "\nFROM " + quote(source.salesTable()) + " v"
        + "\nWHERE " + inWindow(window) + " AND " + id.reference() + " <= " + maxSaleId
        + "\n  AND " + CountedSales.predicate(id, client, new TypedColumn(sale(source.saleTimeColumn()), types.saleTime()),
            amount);
  }

  /** First and last name of the clients whose ids are the array parameter (1). */
  String clientNames() {
    String id = quote(source.clientIdColumn());
    return "SELECT " + id + "::bigint, " + quote(source.clientFirstNameColumn()) + "::text, "
        + quote(source.clientLastNameColumn()) + "::text FROM " + quote(source.clientsTable()) + " WHERE " + id
        + " = ANY(?)";
  }

  private String inWindow(DayWindow window) {
    String time = sale(source.saleTimeColumn());
    return switch (timeType) {
      case TIMESTAMPTZ -> time + " >= '" + window.start() + "'::timestamptz AND " + time + " < '" + window.end()
          + "'::timestamptz";
      case TIMESTAMP -> time + " >= '" + window.day().atStartOfDay() + "'::timestamp AND " + time + " < '"
          + window.day().plusDays(1).atStartOfDay() + "'::timestamp";
      case DATE -> time + " = '" + window.day() + "'::date";
    };
  }

  private static String sale(String column) {
    return "v." + quote(column);
  }
}
