package com.pulso.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

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

  // Each clause names the mapper's dead-letter reason it mirrors. %1$s id, %2$s client, %3$s time, %4$s amount.
  /** "null sale id" */
  private static final String ID_PRESENT = "%1$s IS NOT NULL";
  /** "malformed sale id" */
  private static final String ID_IS_LONG = String.format(IS_LONG, "%1$s");
  /** "null client" */
  private static final String CLIENT_PRESENT = "%2$s IS NOT NULL";
  /** "malformed client" */
  private static final String CLIENT_IS_LONG = String.format(IS_LONG, "%2$s");
  // "unknown product": the inner join with the product mapping (a null product joins nothing).
  /** "null sale time"; "malformed sale time": infinity, -infinity and BC dates do not parse. */
  private static final String TIME_VALID = "%3$s IS NOT NULL\n  AND isfinite(%3$s)\n  AND extract(year FROM %3$s) >= 1";
  /** "null amount" */
  private static final String AMOUNT_PRESENT = "%4$s IS NOT NULL";
  /** "malformed amount" (NaN, Infinity); "negative amount"; "more than two decimals" */
  private static final String AMOUNT_VALID = "CASE WHEN " + String.format(IS_DECIMAL, "%4$s")
      + " THEN %4$s::text::numeric >= 0 AND %4$s::text::numeric = round(%4$s::text::numeric, 2) ELSE false END";
  /**
   * {@link #AMOUNT_VALID} for a {@code numeric} column: its text form is plain digits unless it is
   * NaN or infinite, and the comparisons need no round trip through text.
   */
  private static final String NUMERIC_AMOUNT_VALID = "CASE WHEN %4$s::text NOT IN ('NaN', 'Infinity', '-Infinity')"
      + " THEN %4$s >= 0 AND %4$s = round(%4$s, 2) ELSE false END";

  /**
   * The rows the mapper counts: a format string of {@code %1$s} sale id, {@code %2$s} client,
   * {@code %3$s} sale time, {@code %4$s} amount (qualified, quoted column references). Each guard is
   * a CASE, so a cast never meets a value its test rejected (WHERE clauses have no order). A row that
   * passes has a sale id and a client that fit a {@code bigint} ({@code ::text::bigint}) and an amount
   * that fits {@code ::text::numeric} with at most two decimals.
   */
  public static final String PREDICATE = String.join("\n  AND ", ID_PRESENT, ID_IS_LONG, CLIENT_PRESENT,
      CLIENT_IS_LONG, TIME_VALID, AMOUNT_PRESENT, AMOUNT_VALID);

  /** Integer types: every value of them is one {@code Long.parseLong} takes. */
  private static final Set<String> INTEGER_TYPES = Set.of("smallint", "integer", "bigint");
  /** {@code numeric} without a type modifier, as {@code format_type(oid, NULL)} names it. */
  private static final String NUMERIC = "numeric";

  private CountedSales() {}

  /** {@link #PREDICATE} over these column references. */
  public static String predicate(String saleId, String client, String saleTime, String amount) {
    return String.format(PREDICATE, saleId, client, saleTime, amount);
  }

  /** A column reference and its type as {@code format_type(atttypid, NULL)} names it ({@code bigint}, {@code numeric}, ...). */
  public record TypedColumn(String reference, String type) {}

  /**
   * {@link #PREDICATE} for columns of known types: the same rows, at a fraction of the cost where the
   * type settles a test already (an integer always parses as a long; a numeric is a decimal unless
   * NaN or infinite). Any other type takes the text tests.
   */
  public static String predicate(TypedColumn saleId, TypedColumn client, TypedColumn saleTime, TypedColumn amount) {
    List<String> clauses = new ArrayList<>(List.of(ID_PRESENT));
    if (!INTEGER_TYPES.contains(saleId.type())) {
      clauses.add(ID_IS_LONG);
    }
    clauses.add(CLIENT_PRESENT);
    if (!INTEGER_TYPES.contains(client.type())) {
      clauses.add(CLIENT_IS_LONG);
    }
    clauses.addAll(List.of(TIME_VALID, AMOUNT_PRESENT, NUMERIC.equals(amount.type()) ? NUMERIC_AMOUNT_VALID : AMOUNT_VALID));
    return String.format(String.join("\n  AND ", clauses), saleId.reference(), client.reference(), saleTime.reference(),
        amount.reference());
  }

  /** A counted row's client as a {@code bigint}, the value the mapper's {@code Long.parseLong} reads. */
  public static String clientId(TypedColumn client) {
    return INTEGER_TYPES.contains(client.type()) ? client.reference() + "::bigint" : client.reference() + "::text::bigint";
  }

  /** A counted row's amount as a {@code numeric}, the value the mapper's {@code new BigDecimal} reads. */
  public static String amount(TypedColumn amount) {
    return NUMERIC.equals(amount.type()) ? amount.reference() : amount.reference() + "::text::numeric";
  }
}
