package com.pulso.capture;

import com.pulso.config.PulsoConfig;
import com.pulso.db.Postgres;
import com.pulso.report.CountedSales;
import com.pulso.report.SaleTimeType;
import io.vertx.sqlclient.Tuple;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.Objects;

/**
 * The bootstrap's SQL in one place: the base figures of the sales that predate the slot, aggregated
 * by PostgreSQL itself ({@code GROUP BY} provider × client × day, provider × product × minute,
 * provider × day), days and minutes in the business zone. Source names come from the configuration
 * (validated identifiers) and are quoted.
 *
 * <p>A row counts here exactly when {@link SaleChangeMapper} would map its insert, so that a base
 * figure and the changes streamed on top of it speak of the same sales (a void of a row that never
 * counted is dead-lettered, never subtracted). {@link CountedSales#predicate} is that rule, clause by
 * clause; the nightly report job counts by the same rule.
 */
final class BootstrapQueries {

  /** A statement and its parameters. */
  record Query(String sql, Tuple params) {}

  /** The type of a column, as {@code format_type} names it ($1 table, $2 column, names as configured). */
  static final String COLUMN_TYPE = "SELECT format_type(a.atttypid, NULL) FROM pg_attribute a"
      + " WHERE a.attrelid = quote_ident($1)::regclass AND a.attname = $2 AND NOT a.attisdropped";

  private final PulsoConfig.Source source;
  private final SaleTimeType timeType;
  private final ZoneId businessZone;

  BootstrapQueries(PulsoConfig.Source source, SaleTimeType timeType, ZoneId businessZone) {
    this.source = Objects.requireNonNull(source, "source");
    this.timeType = Objects.requireNonNull(timeType, "timeType");
    this.businessZone = Objects.requireNonNull(businessZone, "businessZone");
  }

  /** Provider, client, day, transactions, amount (text): the days from {@code firstDay} on. */
  Query clientDays(LocalDate firstDay) {
    return query("p.provider_id, " + column(source.saleClientColumn()) + "::text::bigint, " + day()
        + ", count(*), sum(" + amount() + ")::text", day() + " >= " + bound(), "1, 2, 3", firstDay);
  }

  /** Provider, client, product, day, transactions, amount (text): the days from {@code firstDay} on. */
  Query clientProductDays(LocalDate firstDay) {
    return query("p.provider_id, " + column(source.saleClientColumn()) + "::text::bigint, p.code, " + day()
        + ", count(*), sum(" + amount() + ")::text", day() + " >= " + bound(), "1, 2, 3, 4", firstDay);
  }

  /** Provider, product, minute, transactions, amount (text): the minutes from {@code firstMinute} on. */
  Query productMinutes(LocalDateTime firstMinute) {
    String minute = "date_trunc('minute', " + localTime() + ")";
    return query("p.provider_id, p.code, " + minute + ", count(*), sum(" + amount() + ")::text",
        minute + " >= " + bound(), "1, 2, 3", firstMinute);
  }

  /** Provider, day, transactions, amount (text): the days from {@code firstDay} on. */
  Query dayTotals(LocalDate firstDay) {
    return query("p.provider_id, " + day() + ", count(*), sum(" + amount() + ")::text", day() + " >= " + bound(),
        "1, 2", firstDay);
  }

  private Query query(String select, String horizon, String groupBy, Object bound) {
    String sql = "SELECT " + select
        + "\nFROM " + Postgres.quoteIdentifier(source.salesTable()) + " v JOIN pulso.products p ON p.code = "
        + column(source.saleProductColumn()) + "::text"
        + "\nWHERE " + CountedSales.predicate(column(source.saleIdColumn()), column(source.saleClientColumn()),
            column(source.saleTimeColumn()), column(source.saleAmountColumn()))
        + "\n  AND " + horizon
        + "\nGROUP BY " + groupBy;
    Tuple params = timeType == SaleTimeType.TIMESTAMPTZ ? Tuple.of(businessZone.getId(), bound) : Tuple.of(bound);
    return new Query(sql, params);
  }

  /** The sale's local time in the business zone (only the timestamptz form takes the zone, as $1). */
  private String localTime() {
    return switch (timeType) {
      case TIMESTAMPTZ -> "(" + column(source.saleTimeColumn()) + " AT TIME ZONE $1)";
      case TIMESTAMP -> column(source.saleTimeColumn());
      case DATE -> column(source.saleTimeColumn()) + "::timestamp";
    };
  }

  private String day() {
    return timeType == SaleTimeType.DATE ? column(source.saleTimeColumn()) : localTime() + "::date";
  }

  private String bound() {
    return timeType == SaleTimeType.TIMESTAMPTZ ? "$2" : "$1";
  }

  private String amount() {
    return column(source.saleAmountColumn()) + "::text::numeric";
  }

  private static String column(String name) {
    return "v." + Postgres.quoteIdentifier(name);
  }
}
