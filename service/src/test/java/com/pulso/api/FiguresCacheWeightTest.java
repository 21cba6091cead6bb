package com.pulso.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.pulso.aggregate.DailyClientTotal;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The per-member caches are bounded by what their answers hold, not by how many there are. */
class FiguresCacheWeightTest {

  @Test
  void aDayOfManyClientsWeighsAsManyRowsAndTheBoundHoldsAFewThousandSuchDaysAtMost() {
    DailyClientTotal row = new DailyClientTotal(1, LocalDate.of(2026, 11, 28), 1, 1, new BigDecimal("1.00"));
    int small = FiguresCache.weight(new FiguresCache.Cached(Optional.empty(), 0));
    int thousandClients = FiguresCache.weight(new FiguresCache.Cached(Collections.nCopies(1_000, row), 0));

    assertThat(thousandClients).isGreaterThanOrEqualTo(1_000 * 100).isGreaterThan(100 * small);
    // 10,000 pages of 1,000 clients (the bound by count this replaces) would be about a GB; by weight
    // the member keeps at most this many of them.
    long pagesKept = FiguresCache.L1_BYTES / thousandClients;
    assertThat(pagesKept).isLessThan(10_000).isGreaterThan(500);
    assertThat(FiguresCache.weight(new FiguresCache.Cached(List.of(), 0))).isPositive();
  }

  @Test
  void renderedPagesAreBoundedByTheirBytes() {
    var eviction = new DailySalesRoute(null, null, null).pagesEviction();

    assertThat(eviction.isWeighted()).isTrue();
    assertThat(eviction.getMaximum()).isEqualTo(DailySalesRoute.PAGES_BYTES);
  }
}
