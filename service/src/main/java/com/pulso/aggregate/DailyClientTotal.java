package com.pulso.aggregate;

import java.math.BigDecimal;
import java.time.LocalDate;

/** One provider's sales to one client on one business day: transactions and amount (scale 2). */
public record DailyClientTotal(int providerId, LocalDate day, long clientId, long transactions, BigDecimal amount) {}
