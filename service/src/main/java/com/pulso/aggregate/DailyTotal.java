package com.pulso.aggregate;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.Collection;

/** One provider's sales on one business day, all clients: transactions and amount (scale 2). */
public record DailyTotal(int providerId, LocalDate day, long transactions, BigDecimal amount) {

  /** The day's total of its shares (the shards' day-total items, the bootstrap's included). */
  public static DailyTotal sum(int providerId, LocalDate day, Collection<DailyTotal> shares) {
    return new DailyTotal(providerId, day, shares.stream().mapToLong(DailyTotal::transactions).sum(),
        shares.stream().map(DailyTotal::amount).reduce(BigDecimal.ZERO.setScale(2), BigDecimal::add));
  }
}
