package com.pulso.api;

import com.pulso.aggregate.DailyClientProductTotal;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code GET /v1/providers/{providerId}/summary?from=&to=}: the provider's transactions, total
 * amount, average ticket and active clients over the range (≤ 92 days), and the same per product —
 * every product it has now, and any other its sales of the range were counted under.
 *
 * <p>The average ticket is the total amount over the transactions, rounded half-up to the cent
 * ("0.00" without transactions); active clients are the distinct clients with a sale left in the
 * range (a sale voided the same day leaves none).
 */
final class SummaryRoute implements Handler<RoutingContext> {

  private static final Set<String> PARAMETERS = Set.of("from", "to");

  private final KnownProviders providers;
  private final FiguresCache figures;

  SummaryRoute(KnownProviders providers, FiguresCache figures) {
    this.providers = providers;
    this.figures = figures;
  }

  /** The figures of a set of sales, as they add up. */
  private static final class Tally {
    private long transactions;
    private BigDecimal amount = BigDecimal.ZERO.setScale(2);
    private final Set<Long> clients = new HashSet<>();

    void add(DailyClientProductTotal total) {
      transactions += total.transactions();
      amount = amount.add(total.amount());
      clients.add(total.clientId());
    }

    JsonObject into(JsonObject json) {
      BigDecimal average = transactions == 0 ? BigDecimal.ZERO.setScale(2)
          : amount.divide(BigDecimal.valueOf(transactions), 2, RoundingMode.HALF_UP);
      return json.put("transactions", transactions)
          .put("totalAmount", amount.toPlainString())
          .put("averageTicket", average.toPlainString())
          .put("activeClients", clients.size());
    }
  }

  @Override
  public void handle(RoutingContext ctx) {
    Parameters.only(ctx, PARAMETERS);
    int providerId = Parameters.pathId(ctx, "providerId");
    Parameters.Range range = Parameters.range(ctx, DailySalesRoute.MAX_RANGE_DAYS);
    providers.products(providerId)
        .compose(codes -> figures.clientProductDays(providerId, range.days()).map(perDay -> {
          Tally all = new Tally();
          Map<String, Tally> perProduct = new TreeMap<>();
          codes.forEach(code -> perProduct.put(code, new Tally()));
          perDay.forEach(day -> day.forEach(total -> {
            all.add(total);
            perProduct.computeIfAbsent(total.productCode(), code -> new Tally()).add(total);
          }));
          JsonArray products = new JsonArray();
          perProduct.forEach((code, tally) -> products.add(tally.into(new JsonObject().put("productCode", code))));
          return all.into(new JsonObject()
                  .put("providerId", providerId)
                  .put("from", range.from().toString())
                  .put("to", range.to().toString()))
              .put("products", products);
        }))
        .onSuccess(ctx::json)
        .onFailure(ctx::fail);
  }
}
