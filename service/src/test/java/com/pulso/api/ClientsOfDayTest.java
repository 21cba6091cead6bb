package com.pulso.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.pulso.aggregate.DailyClientTotal;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClientsOfDayTest {

  private static final LocalDate DAY = LocalDate.of(2026, 11, 29);
  private final ClientsOfDay day = new ClientsOfDay(ClientsOfDay.REALTIME, Instant.EPOCH,
      List.of(total(2), total(5), total(6), total(40)));

  @Test
  void theClientsAfterAnIdStartRightAfterIt() {
    assertThat(ids(day.after(0))).containsExactly(2L, 5L, 6L, 40L);
    assertThat(ids(day.after(2))).containsExactly(5L, 6L, 40L);
    assertThat(ids(day.after(3))).containsExactly(5L, 6L, 40L);
    assertThat(ids(day.after(39))).containsExactly(40L);
    assertThat(day.after(40)).isEmpty();
    assertThat(new ClientsOfDay(ClientsOfDay.BATCH, Instant.EPOCH, List.of()).after(0)).isEmpty();
  }

  @Test
  void oneClientIsFoundOnlyWhenItBought() {
    assertThat(day.client(2)).contains(total(2));
    assertThat(day.client(40)).contains(total(40));
    assertThat(day.client(1)).isEmpty();
    assertThat(day.client(7)).isEmpty();
    assertThat(day.client(41)).isEmpty();
  }

  private static List<Long> ids(List<DailyClientTotal> totals) {
    return totals.stream().map(DailyClientTotal::clientId).toList();
  }

  private static DailyClientTotal total(long clientId) {
    return new DailyClientTotal(1, DAY, clientId, 1, new BigDecimal("1.00"));
  }
}
