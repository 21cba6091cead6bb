package com.pulso.testing;

import com.pulso.aggregate.MetricsReader;
import com.pulso.testing.SalesGroundTruth.ClientDay;
import com.pulso.testing.SalesGroundTruth.ClientProductDay;
import com.pulso.testing.SalesGroundTruth.Figures;
import com.pulso.testing.SalesGroundTruth.ProductMinute;
import io.vertx.core.Future;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.LocalDate;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The real-time provider × client (× product) × day and provider × product × minute figures as DynamoDB
 * holds them, shaped like {@link SalesGroundTruth}'s.
 */
public final class RealtimeFigures {

  private RealtimeFigures() {}

  public static Map<ClientDay, Figures> clientDays(MetricsReader reader, Collection<Integer> providers,
                                                   Collection<LocalDate> days) throws Exception {
    return read(providers, days, reader::clientDay,
        (provider, day, total) -> new ClientDay(provider, total.clientId(), day),
        total -> figures(total.transactions(), total.amount()));
  }

  public static Map<ClientProductDay, Figures> clientProductDays(MetricsReader reader, Collection<Integer> providers,
                                                                 Collection<LocalDate> days) throws Exception {
    return read(providers, days, reader::clientProductDay,
        (provider, day, total) -> new ClientProductDay(provider, total.clientId(), total.productCode(), day),
        total -> figures(total.transactions(), total.amount()));
  }

  public static Map<ProductMinute, Figures> productMinutes(MetricsReader reader, Collection<Integer> providers,
                                                           Collection<LocalDate> days) throws Exception {
    return read(providers, days, reader::productMinutes,
        (provider, day, bucket) -> new ProductMinute(provider, bucket.productCode(), bucket.minute()),
        bucket -> figures(bucket.transactions(), bucket.amount()));
  }

  /** What names a row read for a provider's day. */
  private interface RowKey<T, K> {
    K of(int provider, LocalDate day, T row);
  }

  /** Every row {@code read} gives for each provider's day, by its key. */
  private static <T, K> Map<K, Figures> read(Collection<Integer> providers, Collection<LocalDate> days,
                                            BiFunction<Integer, LocalDate, Future<List<T>>> read, RowKey<T, K> key,
                                            Function<T, Figures> figures) throws Exception {
    Map<K, Figures> byKey = new HashMap<>();
    for (int provider : providers) {
      for (LocalDate day : days) {
        for (T row : Await.await(read.apply(provider, day))) {
          byKey.put(key.of(provider, day, row), figures.apply(row));
        }
      }
    }
    return byKey;
  }

  private static Figures figures(long transactions, BigDecimal amount) {
    return new Figures(transactions, amount.setScale(2, RoundingMode.UNNECESSARY));
  }
}
