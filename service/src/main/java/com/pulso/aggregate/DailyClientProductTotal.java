package com.pulso.aggregate;

import java.math.BigDecimal;
import java.time.LocalDate;

/** One provider's sales of one product to one client on one business day: transactions and amount (scale 2). */
public record DailyClientProductTotal(int providerId, LocalDate day, long clientId, String productCode,
                                      long transactions, BigDecimal amount) {}
