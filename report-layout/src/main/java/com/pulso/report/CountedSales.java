package com.pulso.report;

/**
 * Which rows of the source's sales table count, as SQL: one home for the real-time bootstrap and the
 * nightly report job, so that both count exactly the sales the capture's mapper counts
 * ({@code SaleChangeMapper}); a batch that counted others would make reconciliation report
 * differences that are not there.
 *
 * <p>The rule has two parts: {@link #PREDICATE} over the sale's own columns, and an inner join of the
 * product column (as text) with Pulso's product mapping (an unknown or null product joins nothing),
 * which each caller makes in its own way.
 */
public final class CountedSales {

  /** A text value that {@code Long.parseLong} takes (sign, ASCII digits, within 64 bits). */
  private static final String IS_LONG = "CASE WHEN %1$s::text ~ '^[+-]?[0-9]+$'"
      + " THEN %1$s::text::numeric BETWEEN -9223372036854775808 AND 9223372036854775807 ELSE false END";
  /** A text value that {@code new BigDecimal(String)} takes (PostgreSQL's numeric takes it too). */
  private static final String IS_DECIMAL = "%1$s::text ~ '^[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]+)?$'";

  /**
   * The rows the mapper counts, each clause naming the dead-letter reason it mirrors: a format string
   * of {@code %1$s} sale id, {@code %2$s} client, {@code %3$s} sale time, {@code %4$s} amount (qualified,
   * quoted column references). Each guard is a CASE, so a cast never meets a value its test rejected
   * (WHERE clauses have no order). A row that passes has a sale id and a client that fit a
   * {@code bigint} ({@code ::text::bigint}) and an amount that fits {@code ::text::numeric} with at
   * most two decimals.
   */
  public static final String PREDICATE = String.join("\n  AND ",
      // "null sale id", "malformed sale id"
      "%1$s IS NOT NULL", String.format(IS_LONG, "%1$s"),
      // "null client", "malformed client"
      "%2$s IS NOT NULL", String.format(IS_LONG, "%2$s"),
      // "unknown product": the inner join with the product mapping (a null product joins nothing)
      // "null sale time"; "malformed sale time": infinity, -infinity and BC dates do not parse
      "%3$s IS NOT NULL", "isfinite(%3$s)", "extract(year FROM %3$s) >= 1",
      // "null amount"; "malformed amount" (NaN, Infinity); "negative amount"; "more than two decimals"
      "%4$s IS NOT NULL",
      "CASE WHEN " + String.format(IS_DECIMAL, "%4$s") + " THEN %4$s::text::numeric >= 0"
          + " AND %4$s::text::numeric = round(%4$s::text::numeric, 2) ELSE false END");

  private CountedSales() {}

  /** {@link #PREDICATE} over these column references. */
  public static String predicate(String saleId, String client, String saleTime, String amount) {
    return String.format(PREDICATE, saleId, client, saleTime, amount);
  }
}
