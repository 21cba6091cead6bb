package com.pulso.aggregate;

import java.math.BigDecimal;
import java.time.LocalDateTime;

/** One provider's sales of one product within one minute (business zone): transactions and amount (scale 2). */
public record MinuteBucket(int providerId, LocalDateTime minute, String productCode, long transactions, BigDecimal amount) {}
