package com.pulso.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.pulso.aggregate.MetricKeys;
import com.pulso.aggregate.MetricsReader;
import com.pulso.aws.AwsClients;
import com.pulso.config.PulsoConfig;
import com.pulso.testing.SalesGroundTruth.ClientDay;
import com.pulso.testing.SalesGroundTruth.Figures;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The final check of a pipeline test: once the source is quiet, DynamoDB's figures become exactly the
 * SQL ground truth — every provider × client × day and every provider's day total, to the cent.
 */
public final class ExactFigures {

  private ExactFigures() {}

  /** Waits up to {@code bound} for the client-day figures to equal SQL's, then checks the day totals. */
  public static void awaitGroundTruth(PulsoConfig config, AwsClients clients, List<Integer> providers,
                                      List<LocalDate> days, Duration bound) throws Exception {
    Map<ClientDay, Figures> truth = SalesGroundTruth.clientDays(config);
    MetricsReader reader = new MetricsReader(clients, config.aws().dynamoDbTable(), new MetricKeys(config.businessZone()));
    AtomicReference<Map<ClientDay, Figures>> seen = new AtomicReference<>();
    Await.waitUntil(() -> {
      try {
        seen.set(RealtimeFigures.clientDays(reader, providers, days));
        return seen.get().equals(truth);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }, bound, () -> "DynamoDB figures equal SQL: " + difference(truth, seen.get()));

    for (int provider : providers) {
      for (LocalDate day : days) {
        Figures expected = truth.entrySet().stream()
            .filter(e -> e.getKey().providerId() == provider && e.getKey().day().equals(day))
            .map(Map.Entry::getValue)
            .reduce(new Figures(0, BigDecimal.ZERO.setScale(2)),
                (a, b) -> new Figures(a.transactions() + b.transactions(), a.amount().add(b.amount())));
        var total = Await.await(reader.dayTotal(provider, day));
        assertThat(total.transactions()).as("transactions of provider %d on %s", provider, day)
            .isEqualTo(expected.transactions());
        assertThat(total.amount()).as("amount of provider %d on %s", provider, day)
            .isEqualByComparingTo(expected.amount());
      }
    }
  }

  private static String difference(Map<ClientDay, Figures> truth, Map<ClientDay, Figures> seen) {
    if (seen == null) {
      return "nothing read yet";
    }
    long missingOrWrong = truth.entrySet().stream().filter(e -> !e.getValue().equals(seen.get(e.getKey()))).count();
    long extra = seen.keySet().stream().filter(k -> !truth.containsKey(k)).count();
    return missingOrWrong + " of " + truth.size() + " client-days missing or different, " + extra + " extra";
  }
}
