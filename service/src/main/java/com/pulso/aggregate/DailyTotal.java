package com.pulso.aggregate;

import java.math.BigDecimal;
import java.time.LocalDate;

/** One provider's sales on one business day, all clients: transactions and amount (scale 2). */
public record DailyTotal(int providerId, LocalDate day, long transactions, BigDecimal amount) {}
