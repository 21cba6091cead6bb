package com.pulso.glue;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.List;

/**
 * One provider's report of one business day: a row per client with counted sales (none when the
 * provider sold nothing that day: the report then says so, where a missing report would say nothing).
 */
public record DailyReport(int providerId, LocalDate day, List<Row> rows) {

  /** One provider × client × day. Names may be null (a client missing from the clients table, or unnamed). */
  public record Row(long clientId, String firstName, String lastName, long transactions, BigDecimal totalAmount) {}

  public DailyReport {
    rows = List.copyOf(rows);
  }

  public long transactions() {
    return rows.stream().mapToLong(Row::transactions).sum();
  }

  public BigDecimal totalAmount() {
    return rows.stream().map(Row::totalAmount).reduce(BigDecimal.ZERO.setScale(2), BigDecimal::add);
  }
}
