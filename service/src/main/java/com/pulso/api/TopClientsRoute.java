package com.pulso.api;

import io.vertx.core.Handler;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.math.BigDecimal;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * {@code GET /v1/providers/{providerId}/top-clients?from=&to=&limit=5}: the clients who spent most
 * with the provider over the range (≤ 92 days), by total amount, then transactions, then id
 * ({@code limit} ≤ 100).
 */
final class TopClientsRoute implements Handler<RoutingContext> {

  private static final Set<String> PARAMETERS = Set.of("from", "to", "limit");
  private static final int DEFAULT_LIMIT = 5;
  private static final int MAX_LIMIT = 100;

  private record Spent(long clientId, long transactions, BigDecimal amount) {
    Spent plus(Spent more) {
      return new Spent(clientId, transactions + more.transactions(), amount.add(more.amount()));
    }
  }

  private static final Comparator<Spent> MOST_FIRST = Comparator.comparing(Spent::amount).reversed()
      .thenComparing(Comparator.comparingLong(Spent::transactions).reversed())
      .thenComparingLong(Spent::clientId);

  private final KnownProviders providers;
  private final FiguresCache figures;
  private final ClientNames names;

  TopClientsRoute(KnownProviders providers, FiguresCache figures, ClientNames names) {
    this.providers = providers;
    this.figures = figures;
    this.names = names;
  }

  @Override
  public void handle(RoutingContext ctx) {
    Parameters.only(ctx, PARAMETERS);
    int providerId = Parameters.pathId(ctx, "providerId");
    Parameters.Range range = Parameters.range(ctx, DailySalesRoute.MAX_RANGE_DAYS);
    int limit = Parameters.limit(ctx, "limit", DEFAULT_LIMIT, MAX_LIMIT);
    providers.require(providerId)
        .compose(known -> {
          return figures.clientDays(providerId, range.days()).map(perDay -> {
            Map<Long, Spent> spent = new HashMap<>();
            perDay.forEach(days -> days.clients().forEach(day -> spent.merge(day.clientId(),
                new Spent(day.clientId(), day.transactions(), day.amount()), Spent::plus)));
            return spent.values().stream().sorted(MOST_FIRST).limit(limit).toList();
          });
        })
        .compose(top -> names.of(top.stream().map(Spent::clientId).toList()).map(known -> {
          JsonArray clients = new JsonArray();
          for (Spent client : top) {
            clients.add(known.getOrDefault(client.clientId(), ClientNames.Name.UNKNOWN)
                .into(new JsonObject().put("clientId", client.clientId()))
                .put("transactions", client.transactions())
                .put("totalAmount", client.amount().toPlainString()));
          }
          return new JsonObject()
              .put("providerId", providerId)
              .put("from", range.from().toString())
              .put("to", range.to().toString())
              .put("clients", clients);
        }))
        .onSuccess(ctx::json)
        .onFailure(ctx::fail);
  }
}
