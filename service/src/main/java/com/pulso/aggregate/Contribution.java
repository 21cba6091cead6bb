package com.pulso.aggregate;

import com.pulso.sales.SourcePosition;
import java.math.BigDecimal;
import java.util.Objects;

/**
 * What one sale change adds to one metric item: transactions and amount (scale 2), possibly both
 * zero (a correction that leaves the item where it was still records its position).
 */
public record Contribution(SourcePosition position, long transactions, BigDecimal amount) {

  public Contribution {
    Objects.requireNonNull(position, "position");
    Objects.requireNonNull(amount, "amount");
    if (amount.scale() != 2) {
      throw new IllegalArgumentException("amount must have scale 2: " + amount);
    }
  }
}
