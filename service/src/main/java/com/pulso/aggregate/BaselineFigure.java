package com.pulso.aggregate;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Objects;

/**
 * The absolute figures of one metric item as the bootstrap counted them in the slot's snapshot: what
 * the item holds before any streamed change applies on top. Amount exact, scale 2.
 */
public record BaselineFigure(MetricItem item, long transactions, BigDecimal amount) {

  public BaselineFigure {
    Objects.requireNonNull(item, "item");
    Objects.requireNonNull(amount, "amount");
    if (transactions <= 0) {
      throw new IllegalArgumentException("a baseline figure counts at least one sale: " + item + " has " + transactions);
    }
    // A sum of amounts of at most two decimals has at most two: anything else is a bug, never rounded away.
    amount = amount.setScale(2, RoundingMode.UNNECESSARY);
  }
}
