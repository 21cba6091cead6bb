package com.pulso.stream;

import static com.pulso.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.pulso.aggregate.DailyTotal;
import com.pulso.aggregate.MetricsReader;
import com.pulso.aggregate.MinuteBucket;
import com.pulso.sales.Sale;
import com.pulso.sales.SaleChange;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The ground truth of a list of sale changes, computed without the code under test: the sales table
 * they leave behind, and its figures per provider × client × day, provider × day and provider ×
 * product × minute in the business zone, as a query over that table would give them.
 */
final class ChangeFigures {

  record Figures(long transactions, BigDecimal amount) {
    static final Figures ZERO = new Figures(0, new BigDecimal("0.00"));

    Figures plus(Figures other) {
      return new Figures(transactions + other.transactions, amount.add(other.amount));
    }
  }

  private final ZoneId zone;
  private final Map<Long, Sale> table = new HashMap<>();
  /** Every provider and day a change touched, before or after: the figures there must be checked too. */
  private final Map<Integer, Set<LocalDate>> touched = new TreeMap<>();

  ChangeFigures(Collection<? extends SaleChange> changes, ZoneId zone) {
    this.zone = zone;
    for (SaleChange change : changes) {
      if (change instanceof SaleChange.Inserted inserted) {
        touch(inserted.sale());
        table.put(inserted.sale().id(), inserted.sale());
      } else if (change instanceof SaleChange.Corrected corrected) {
        touch(corrected.before());
        touch(corrected.after());
        table.put(corrected.after().id(), corrected.after());
      } else {
        Sale voided = ((SaleChange.Voided) change).sale();
        touch(voided);
        table.remove(voided.id());
      }
    }
  }

  /** Provider → the business days any change touched. */
  Map<Integer, Set<LocalDate>> touched() {
    return touched;
  }

  int liveSales() {
    return table.size();
  }

  Map<Long, Figures> clientDay(int providerId, LocalDate day) {
    Map<Long, Figures> figures = new TreeMap<>();
    table.values().stream().filter(s -> s.providerId() == providerId && day(s).equals(day))
        .forEach(s -> figures.merge(s.clientId(), of(s), Figures::plus));
    return figures;
  }

  Figures dayTotal(int providerId, LocalDate day) {
    return table.values().stream().filter(s -> s.providerId() == providerId && day(s).equals(day))
        .map(ChangeFigures::of).reduce(Figures.ZERO, Figures::plus);
  }

  Map<String, Figures> productMinutes(int providerId, LocalDate day) {
    Map<String, Figures> figures = new TreeMap<>();
    table.values().stream().filter(s -> s.providerId() == providerId && day(s).equals(day))
        .forEach(s -> figures.merge(LocalDateTime.ofInstant(s.time(), zone).truncatedTo(ChronoUnit.MINUTES) + " "
            + s.productCode(), of(s), Figures::plus));
    return figures;
  }

  /** Every figure the reader gives for a touched provider and day equals the truth, to the cent. */
  void assertMatch(MetricsReader reader) throws Exception {
    assertThat(liveSales()).isPositive();
    for (Map.Entry<Integer, Set<LocalDate>> provider : touched.entrySet()) {
      for (LocalDate day : provider.getValue()) {
        int id = provider.getKey();
        String where = "provider " + id + " on " + day;
        Map<Long, Figures> clients = new TreeMap<>();
        await(reader.clientDay(id, day)).forEach(t -> clients.put(t.clientId(), new Figures(t.transactions(), t.amount())));
        assertThat(clients).as("clients of " + where).isEqualTo(clientDay(id, day));
        DailyTotal total = await(reader.dayTotal(id, day));
        assertThat(new Figures(total.transactions(), total.amount())).as("total of " + where).isEqualTo(dayTotal(id, day));
        assertThat(byMinute(await(reader.productMinutes(id, day)))).as("minutes of " + where)
            .isEqualTo(productMinutes(id, day));
      }
    }
  }

  private static Map<String, Figures> byMinute(List<MinuteBucket> buckets) {
    Map<String, Figures> figures = new TreeMap<>();
    buckets.forEach(b -> figures.put(b.minute() + " " + b.productCode(), new Figures(b.transactions(), b.amount())));
    return figures;
  }

  private void touch(Sale sale) {
    touched.computeIfAbsent(sale.providerId(), p -> new TreeSet<>()).add(day(sale));
  }

  private LocalDate day(Sale sale) {
    return LocalDate.ofInstant(sale.time(), zone);
  }

  private static Figures of(Sale sale) {
    return new Figures(1, sale.amount());
  }
}
