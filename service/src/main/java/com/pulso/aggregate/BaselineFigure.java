package com.pulso.aggregate;

import com.pulso.aggregate.MetricItem.ClientDay;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Objects;

/**
 * The absolute figures of one metric item as the bootstrap counted them in the slot's snapshot: what
 * the item holds before any streamed change applies on top. With a product code, the figures of that
 * product within a client-day item ({@link MetricKeys#productTransactionsAttribute}); without (null),
 * the item's own. Amount exact, scale 2.
 */
public record BaselineFigure(MetricItem item, String productCode, long transactions, BigDecimal amount) {

  public BaselineFigure {
    Objects.requireNonNull(item, "item");
    Objects.requireNonNull(amount, "amount");
    if (productCode != null && !(item instanceof ClientDay)) {
      throw new IllegalArgumentException("only a client-day item has figures per product: " + item);
    }
    if (transactions <= 0) {
      throw new IllegalArgumentException("a baseline figure counts at least one sale: " + item + " has " + transactions);
    }
    // A sum of amounts of at most two decimals has at most two: anything else is a bug, never rounded away.
    amount = amount.setScale(2, RoundingMode.UNNECESSARY);
  }

  /** The item's own figures. */
  public BaselineFigure(MetricItem item, long transactions, BigDecimal amount) {
    this(item, null, transactions, amount);
  }
}
