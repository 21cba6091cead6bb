package com.pulso.capture;

import com.pulso.capture.RowChange.Row;
import com.pulso.config.PulsoConfig;
import com.pulso.sales.Sale;
import com.pulso.sales.SaleChange;
import com.pulso.sales.SourcePosition;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a row change of the source's sales table into a {@link SaleChange}: an insert is a new sale,
 * an update a correction, a delete a void. The provider is the one of the sale's product. A row that
 * cannot be counted becomes a {@link DeadLetter} with the reason: mapping never throws for bad data.
 *
 * <p>A row counts exactly when it maps, so a correction is judged side by side: the old row counted
 * only if it maps (an unmappable row was dead-lettered when it was written and never entered the
 * figures). Hence a correction from an unmappable row (e.g. an unknown product) to a mappable one is
 * the insert of the new row, from a mappable row to an unmappable one the void of the old row (and a
 * dead letter for the new one), and between two unmappable rows a dead letter. When a side is not
 * known at all (old row not sent, TOASTed value not sent) the change is dead-lettered whole:
 * guessing would miscount.
 */
public final class SaleChangeMapper {

  /** A timestamp or date as PostgreSQL prints it with DateStyle ISO (its default, and what both drivers set). */
  private static final Pattern ISO_TIME = Pattern.compile(
      "(\\d{4,})-(\\d{2})-(\\d{2})(?:[ T](\\d{2}):(\\d{2}):(\\d{2})(?:\\.(\\d{1,9}))?"
          + "(?:([+-])(\\d{2})(?::?(\\d{2}))?(?::?(\\d{2}))?)?)?");

  private final PulsoConfig.Source source;
  private final ZoneId businessZone;
  private final Map<String, Integer> providerByProduct;

  /**
   * @param businessZone where a {@code date} sale column's day starts and where a {@code timestamp}
   *     without time zone is read
   * @param providerByProduct product code → provider id, as in {@code pulso.products}
   */
  public SaleChangeMapper(PulsoConfig.Source source, ZoneId businessZone, Map<String, Integer> providerByProduct) {
    this.source = Objects.requireNonNull(source, "source");
    this.businessZone = Objects.requireNonNull(businessZone, "businessZone");
    this.providerByProduct = Map.copyOf(providerByProduct);
  }

  /** Whether the change is of the configured sales table (in any schema: the publication names it). */
  public boolean isSalesTable(RowChange change) {
    return change.table().equals(source.salesTable());
  }

  public SaleMapping map(RowChange change) {
    if (!isSalesTable(change)) {
      throw new IllegalArgumentException("not a change of the sales table " + source.salesTable() + ": "
          + change.namespace() + "." + change.table());
    }
    SourcePosition position = new SourcePosition(change.commitLsn(), change.index());
    Instant commitTime = change.commitTime();
    switch (change.kind()) {
      case INSERT -> {
        Side inserted = side(change.newRow(), null);
        return inserted.sale != null
            ? new SaleMapping.Mapped(new SaleChange.Inserted(position, commitTime, inserted.sale))
            : reject(position, inserted, "inserted row", change.newRow());
      }
      case DELETE -> {
        Side voided = side(change.oldRow(), null);
        return voided.sale != null
            ? new SaleMapping.Mapped(new SaleChange.Voided(position, commitTime, voided.sale))
            : reject(position, voided, "voided row", change.oldRow());
      }
      case UPDATE -> {
        return correction(change, position);
      }
      default -> throw new IllegalStateException("unknown change kind " + change.kind());
    }
  }

  private SaleMapping correction(RowChange change, SourcePosition position) {
    Instant commitTime = change.commitTime();
    Side before = change.oldRow() == null
        ? Side.unknown("old row not sent: the sales table must have REPLICA IDENTITY FULL")
        : side(change.oldRow(), null);
    // With REPLICA IDENTITY FULL the old row holds every value, TOASTed ones included.
    Side after = side(change.newRow(), change.oldRow());
    if (before.unknown) {
      return reject(position, before, "row before the correction", change.newRow());
    }
    if (after.unknown) {
      return reject(position, after, "corrected row", change.newRow());
    }
    if (before.sale != null && after.sale != null) {
      return new SaleMapping.Mapped(new SaleChange.Corrected(position, commitTime, before.sale, after.sale));
    }
    if (after.sale != null) {
      // The old row never counted (it was dead-lettered when written): the correction makes a new sale.
      return new SaleMapping.Mapped(new SaleChange.Inserted(position, commitTime, after.sale));
    }
    SaleMapping.Rejected rejected = reject(position, after, "corrected row", change.newRow());
    if (before.sale != null) {
      // The old row counted and the new one cannot: the sale leaves the figures.
      return new SaleMapping.VoidedAndRejected(new SaleChange.Voided(position, commitTime, before.sale),
          rejected.deadLetter());
    }
    return rejected;
  }

  private static SaleMapping.Rejected reject(SourcePosition position, Side side, String which, Row row) {
    return new SaleMapping.Rejected(new DeadLetter(position, side.reason + " (" + which + ")", row.values()));
  }

  /** One row as a sale, or why it is not one. {@code oldRow} supplies unchanged TOASTed values. */
  private Side side(Row row, Row oldRow) {
    try {
      String idText = value(row, oldRow, source.saleIdColumn());
      String clientText = value(row, oldRow, source.saleClientColumn());
      String product = value(row, oldRow, source.saleProductColumn());
      String timeText = value(row, oldRow, source.saleTimeColumn());
      String amountText = value(row, oldRow, source.saleAmountColumn());

      if (idText == null) {
        return Side.unmappable("null sale id");
      }
      long id;
      try {
        id = Long.parseLong(idText);
      } catch (NumberFormatException e) {
        return Side.unmappable("malformed sale id '" + idText + "'");
      }
      if (clientText == null) {
        return Side.unmappable("null client");
      }
      long clientId;
      try {
        clientId = Long.parseLong(clientText);
      } catch (NumberFormatException e) {
        return Side.unmappable("malformed client '" + clientText + "'");
      }
      if (product == null) {
        return Side.unmappable(DeadLetters.UNKNOWN_PRODUCT + " (null)");
      }
      Integer providerId = providerByProduct.get(product);
      if (providerId == null) {
        return Side.unmappable(DeadLetters.UNKNOWN_PRODUCT + " '" + product + "'");
      }
      if (timeText == null) {
        return Side.unmappable("null sale time");
      }
      Instant time = saleTime(timeText);
      if (time == null) {
        return Side.unmappable("malformed sale time '" + timeText + "'");
      }
      if (amountText == null) {
        return Side.unmappable("null amount");
      }
      BigDecimal amount;
      try {
        amount = new BigDecimal(amountText);
      } catch (NumberFormatException e) {
        return Side.unmappable("malformed amount '" + amountText + "'");
      }
      if (amount.signum() < 0) {
        return Side.unmappable("negative amount " + amountText);
      }
      if (amount.stripTrailingZeros().scale() > 2) {
        return Side.unmappable("malformed amount " + amountText + ": more than two decimals");
      }
      return Side.of(new Sale(id, clientId, product, providerId, time, amount.setScale(2, RoundingMode.UNNECESSARY)));
    } catch (ValueNotSent e) {
      return Side.unknown(e.getMessage());
    }
  }

  private static String value(Row row, Row oldRow, String column) {
    if (row.has(column)) {
      return row.get(column);
    }
    if (row.isUnchangedToast(column)) {
      if (oldRow != null && oldRow.has(column)) {
        return oldRow.get(column);
      }
      throw new ValueNotSent("unchanged-TOAST value of column " + column + " and no old value to take it from");
    }
    throw new ValueNotSent("column " + column + " not sent (is it in the sales table, with REPLICA IDENTITY FULL?)");
  }

  /**
   * A {@code timestamptz} as PostgreSQL prints it ({@code 2026-11-29 14:59:59.123456-05}); a
   * {@code timestamp} (read in the business zone); or a {@code date}: the start of that day in the
   * business zone. A date has no time of day, and none may be made up: a correction or void must
   * find the sale in the same minute its insert counted it in, and the bootstrap counts it there too.
   * Null if the text is none of these (e.g. {@code infinity}, a BC date).
   */
  private Instant saleTime(String text) {
    Matcher m = ISO_TIME.matcher(text);
    if (!m.matches()) {
      return null;
    }
    try {
      LocalDate date = LocalDate.of(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
          Integer.parseInt(m.group(3)));
      if (m.group(4) == null) {
        return date.atStartOfDay(businessZone).toInstant();
      }
      String fraction = m.group(7) == null ? "" : m.group(7);
      int nanos = fraction.isEmpty() ? 0 : Integer.parseInt((fraction + "00000000").substring(0, 9));
      LocalDateTime local = date.atTime(Integer.parseInt(m.group(4)), Integer.parseInt(m.group(5)),
          Integer.parseInt(m.group(6)), nanos);
      if (m.group(8) == null) {
        return local.atZone(businessZone).toInstant();
      }
      int sign = m.group(8).equals("-") ? -1 : 1;
      ZoneOffset offset = ZoneOffset.ofHoursMinutesSeconds(sign * Integer.parseInt(m.group(9)),
          sign * (m.group(10) == null ? 0 : Integer.parseInt(m.group(10))),
          sign * (m.group(11) == null ? 0 : Integer.parseInt(m.group(11))));
      return local.toInstant(offset);
    } catch (DateTimeException | NumberFormatException e) {
      return null;
    }
  }

  /**
   * One side of a change: a sale, a row that does not map (it never counted), or a row that is not
   * known ({@code unknown}: a value PostgreSQL did not send).
   */
  private record Side(Sale sale, String reason, boolean unknown) {

    static Side of(Sale sale) {
      return new Side(sale, null, false);
    }

    static Side unmappable(String reason) {
      return new Side(null, reason, false);
    }

    static Side unknown(String reason) {
      return new Side(null, reason, true);
    }
  }

  private static final class ValueNotSent extends RuntimeException {
    ValueNotSent(String message) {
      super(message, null, false, false);
    }
  }
}
