package com.pulso.testing;

import com.pulso.aggregate.DailyClientProductTotal;
import com.pulso.aggregate.DailyClientTotal;
import com.pulso.aggregate.MetricsReader;
import com.pulso.aggregate.MinuteBucket;
import com.pulso.testing.SalesGroundTruth.ClientDay;
import com.pulso.testing.SalesGroundTruth.ClientProductDay;
import com.pulso.testing.SalesGroundTruth.Figures;
import com.pulso.testing.SalesGroundTruth.ProductMinute;
import java.math.RoundingMode;
import java.time.LocalDate;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * The real-time provider × client (× product) × day and provider × product × minute figures as DynamoDB
 * holds them, shaped like {@link SalesGroundTruth}'s.
 */
public final class RealtimeFigures {

  private RealtimeFigures() {}

  public static Map<ClientDay, Figures> clientDays(MetricsReader reader, Collection<Integer> providers,
                                                   Collection<LocalDate> days) throws Exception {
    Map<ClientDay, Figures> figures = new HashMap<>();
    for (int provider : providers) {
      for (LocalDate day : days) {
        for (DailyClientTotal total : Await.await(reader.clientDay(provider, day))) {
          figures.put(new ClientDay(provider, total.clientId(), day),
              new Figures(total.transactions(), total.amount().setScale(2, RoundingMode.UNNECESSARY)));
        }
      }
    }
    return figures;
  }

  public static Map<ClientProductDay, Figures> clientProductDays(MetricsReader reader, Collection<Integer> providers,
                                                                 Collection<LocalDate> days) throws Exception {
    Map<ClientProductDay, Figures> figures = new HashMap<>();
    for (int provider : providers) {
      for (LocalDate day : days) {
        for (DailyClientProductTotal total : Await.await(reader.clientProductDay(provider, day))) {
          figures.put(new ClientProductDay(provider, total.clientId(), total.productCode(), day),
              new Figures(total.transactions(), total.amount().setScale(2, RoundingMode.UNNECESSARY)));
        }
      }
    }
    return figures;
  }

  public static Map<ProductMinute, Figures> productMinutes(MetricsReader reader, Collection<Integer> providers,
                                                           Collection<LocalDate> days) throws Exception {
    Map<ProductMinute, Figures> figures = new HashMap<>();
    for (int provider : providers) {
      for (LocalDate day : days) {
        for (MinuteBucket bucket : Await.await(reader.productMinutes(provider, day))) {
          figures.put(new ProductMinute(provider, bucket.productCode(), bucket.minute()),
              new Figures(bucket.transactions(), bucket.amount().setScale(2, RoundingMode.UNNECESSARY)));
        }
      }
    }
    return figures;
  }
}
