package com.pulso.testing;

import com.pulso.aggregate.DailyTotal;
import com.pulso.aggregate.MetricKeys;
import com.pulso.aggregate.MetricsReader;
import com.pulso.aws.AwsClients;
import com.pulso.config.PulsoConfig;
import com.pulso.testing.SalesGroundTruth.ClientDay;
import com.pulso.testing.SalesGroundTruth.ClientProductDay;
import com.pulso.testing.SalesGroundTruth.Figures;
import com.pulso.testing.SalesGroundTruth.ProductMinute;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The final check of a pipeline test: once the source is quiet, DynamoDB's figures become exactly the
 * SQL ground truth — every provider × client × day, every provider × client × product × day, every
 * provider × product × minute (what the real-time charts draw) and every provider's day total, to the cent.
 */
public final class ExactFigures {

  /** One provider's business day. */
  private record ProviderDay(int providerId, LocalDate day) {}

  /** What DynamoDB held at one reading. */
  private record Reading(Map<ClientDay, Figures> clientDays, Map<ClientProductDay, Figures> clientProductDays,
                         Map<ProductMinute, Figures> productMinutes, Map<ProviderDay, Figures> dayTotals) {}

  private ExactFigures() {}

  /** Waits up to {@code bound} for the client-day, client-product-day, product-minute figures and the day totals to equal SQL's. */
  public static void awaitGroundTruth(PulsoConfig config, AwsClients clients, List<Integer> providers,
                                      List<LocalDate> days, Duration bound) throws Exception {
    Map<ClientDay, Figures> truth = SalesGroundTruth.clientDays(config);
    Reading expected = new Reading(truth, SalesGroundTruth.clientProductDays(config),
        SalesGroundTruth.productMinutes(config), dayTotals(truth, providers, days));
    MetricsReader reader = new MetricsReader(clients, config.aws().dynamoDbTable(), new MetricKeys(config.businessZone()));
    AtomicReference<Reading> seen = new AtomicReference<>();
    Await.waitUntil(() -> {
      try {
        seen.set(read(reader, providers, days));
        return seen.get().equals(expected);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }, bound, () -> "DynamoDB figures equal SQL: " + difference(expected, seen.get()));
  }

  private static Reading read(MetricsReader reader, List<Integer> providers, List<LocalDate> days) throws Exception {
    Map<ProviderDay, Figures> totals = new HashMap<>();
    for (int provider : providers) {
      for (LocalDate day : days) {
        DailyTotal total = Await.await(reader.dayTotal(provider, day));
        totals.put(new ProviderDay(provider, day),
            new Figures(total.transactions(), total.amount().setScale(2, RoundingMode.UNNECESSARY)));
      }
    }
    return new Reading(RealtimeFigures.clientDays(reader, providers, days),
        RealtimeFigures.clientProductDays(reader, providers, days),
        RealtimeFigures.productMinutes(reader, providers, days), totals);
  }

  private static Map<ProviderDay, Figures> dayTotals(Map<ClientDay, Figures> truth, List<Integer> providers,
                                                    List<LocalDate> days) {
    Map<ProviderDay, Figures> totals = new HashMap<>();
    for (int provider : providers) {
      for (LocalDate day : days) {
        totals.put(new ProviderDay(provider, day), new Figures(0, BigDecimal.ZERO.setScale(2)));
      }
    }
    truth.forEach((key, figures) -> totals.merge(new ProviderDay(key.providerId(), key.day()), figures,
        (a, b) -> new Figures(a.transactions() + b.transactions(), a.amount().add(b.amount()))));
    return totals;
  }

  private static <K> String different(Map<K, Figures> expected, Map<K, Figures> seen) {
    List<String> wrong = expected.entrySet().stream().filter(e -> !e.getValue().equals(seen.get(e.getKey())))
        .map(e -> e.getKey() + " expected " + e.getValue() + ", read " + seen.get(e.getKey())).toList();
    List<String> extra = seen.entrySet().stream().filter(e -> !expected.containsKey(e.getKey()))
        .map(e -> e.getKey() + " read " + e.getValue()).toList();
    // A few of each, to tell a lost change from a late one.
    return wrong.size() + " of " + expected.size() + " missing or different " + wrong.stream().limit(3).toList() + ", "
        + extra.size() + " extra " + extra.stream().limit(3).toList();
  }

  private static String difference(Reading expected, Reading seen) {
    if (seen == null) {
      return "nothing read yet";
    }
    List<String> totals = new ArrayList<>();
    expected.dayTotals().forEach((key, figures) -> {
      if (!figures.equals(seen.dayTotals().get(key))) {
        totals.add(key + " expected " + figures + ", read " + seen.dayTotals().get(key));
      }
    });
    return "client-days: " + different(expected.clientDays(), seen.clientDays()) + "; client-product-days: "
        + different(expected.clientProductDays(), seen.clientProductDays()) + "; product-minutes: "
        + different(expected.productMinutes(), seen.productMinutes()) + "; day totals"
        + (totals.isEmpty() ? " equal" : " different: " + totals);
  }
}
