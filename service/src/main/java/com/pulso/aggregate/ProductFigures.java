package com.pulso.aggregate;

import java.math.BigDecimal;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/** One product's share of a client-day item's figures: transactions and amount (scale 2). */
public record ProductFigures(long transactions, BigDecimal amount) {

  public ProductFigures {
    Objects.requireNonNull(amount, "amount");
    if (amount.scale() != 2) {
      throw new IllegalArgumentException("amount must have scale 2: " + amount);
    }
  }

  public ProductFigures plus(ProductFigures other) {
    return new ProductFigures(transactions + other.transactions, amount.add(other.amount));
  }

  public boolean isZero() {
    return transactions == 0 && amount.signum() == 0;
  }

  /** Two per-product breakdowns added up, by product code. */
  static Map<String, ProductFigures> sum(Map<String, ProductFigures> a, Map<String, ProductFigures> b) {
    Map<String, ProductFigures> sum = new TreeMap<>(a);
    b.forEach((product, figures) -> sum.merge(product, figures, ProductFigures::plus));
    return sum;
  }
}
