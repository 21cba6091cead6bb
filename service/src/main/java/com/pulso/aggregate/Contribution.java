package com.pulso.aggregate;

import com.pulso.sales.SourcePosition;
import java.math.BigDecimal;
import java.util.Map;
import java.util.Objects;

/**
 * What one sale change adds to one metric item: transactions and amount (scale 2), possibly both
 * zero (a correction that leaves the item where it was still records its position). A client-day
 * item's contribution also says what it adds per product ({@code products}, empty for other items);
 * a correction from one product to another subtracts from the one and adds to the other.
 */
public record Contribution(SourcePosition position, long transactions, BigDecimal amount,
                           Map<String, ProductFigures> products) {

  public Contribution {
    Objects.requireNonNull(position, "position");
    Objects.requireNonNull(amount, "amount");
    if (amount.scale() != 2) {
      throw new IllegalArgumentException("amount must have scale 2: " + amount);
    }
    products = Map.copyOf(products);
  }

  /** A contribution to an item without a per-product breakdown. */
  public Contribution(SourcePosition position, long transactions, BigDecimal amount) {
    this(position, transactions, amount, Map.of());
  }

  /** This and another part of the same change to the same item (a correction's before and after). */
  Contribution plus(Contribution other) {
    return new Contribution(position, transactions + other.transactions, amount.add(other.amount),
        ProductFigures.sum(products, other.products));
  }
}
