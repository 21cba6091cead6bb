package com.pulso.sales;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Objects;

/**
 * A sale as the provider figures count it: one row of the source's sales table, with the provider
 * resolved from its product. Amounts are exact, scale 2.
 */
public record Sale(long id, long clientId, String productCode, int providerId, Instant time, BigDecimal amount) {

  public Sale {
    Objects.requireNonNull(productCode, "productCode");
    Objects.requireNonNull(time, "time");
    Objects.requireNonNull(amount, "amount");
    if (amount.scale() != 2) {
      throw new IllegalArgumentException("amount must have scale 2: " + amount);
    }
  }
}
