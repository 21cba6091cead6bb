package com.pulso.api;

import com.pulso.aggregate.DailyClientTotal;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.List;
import java.util.Set;

/**
 * {@code GET /v1/providers/{providerId}/clients/{clientId}/daily-sales?from=&to=}: one client's
 * transactions and total amount with the provider, every day of the range (≤ 92 days; zero on a
 * day it bought nothing), with its name.
 *
 * <p>A provider learns of a client only through its own figures: a client with none of its sales in
 * the range is a 404 worded exactly as for an id the company does not have, and its name is not
 * even looked up. Otherwise the route would hand any provider the name of any of the company's
 * clients, and its 200/404 would enumerate the company's client ids.
 */
final class ClientDailySalesRoute implements Handler<RoutingContext> {

  private static final Set<String> PARAMETERS = Set.of("from", "to");

  private final KnownProviders providers;
  private final FiguresCache figures;
  private final ClientNames names;

  ClientDailySalesRoute(KnownProviders providers, FiguresCache figures, ClientNames names) {
    this.providers = providers;
    this.figures = figures;
    this.names = names;
  }

  @Override
  public void handle(RoutingContext ctx) {
    Parameters.only(ctx, PARAMETERS);
    int providerId = Parameters.pathId(ctx, "providerId");
    long clientId = Parameters.id(ctx.pathParam("clientId"), "clientId", Long.MAX_VALUE);
    Parameters.Range range = Parameters.range(ctx, DailySalesRoute.MAX_RANGE_DAYS);
    List<LocalDate> dates = range.days();
    providers.require(providerId)
        // The provider's whole days, as cached for every route: one client of them here.
        .compose(known -> figures.clientDays(providerId, dates))
        .compose(perDay -> {
          if (perDay.stream().allMatch(day -> day.client(clientId).isEmpty())) {
            return Future.failedFuture(Problem.notFound("provider " + providerId + " has no sales to a client "
                + clientId + " from " + range.from() + " to " + range.to()));
          }
          JsonArray days = new JsonArray();
          for (int i = 0; i < dates.size(); i++) {
            DailyClientTotal total = perDay.get(i).client(clientId)
                .orElse(new DailyClientTotal(providerId, dates.get(i), clientId, 0, new BigDecimal("0.00")));
            days.add(new JsonObject()
                .put("date", total.day().toString())
                .put("source", perDay.get(i).source())
                .put("transactions", total.transactions())
                .put("totalAmount", total.amount().toPlainString()));
          }
          return names.of(List.of(clientId)).map(found -> found.getOrDefault(clientId, ClientNames.Name.UNKNOWN)
              .into(new JsonObject().put("providerId", providerId).put("clientId", clientId))
              .put("from", range.from().toString())
              .put("to", range.to().toString())
              .put("days", days));
        })
        .onSuccess(ctx::json)
        .onFailure(ctx::fail);
  }
}
