package com.pulso.api;

import com.pulso.aggregate.DailyClientTotal;
import com.pulso.aggregate.MetricsReader;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code GET /v1/providers/{providerId}/clients/{clientId}/daily-sales?from=&to=}: one client's
 * transactions and total amount with the provider, every day of the range (≤ 92 days; zero on a
 * day it bought nothing). 404 for a client the company does not have.
 */
final class ClientDailySalesRoute implements Handler<RoutingContext> {

  private static final Set<String> PARAMETERS = Set.of("from", "to");

  private final Pool pool;
  private final MetricsReader reader;
  private final ClientNames names;

  ClientDailySalesRoute(Pool pool, MetricsReader reader, ClientNames names) {
    this.pool = pool;
    this.reader = reader;
    this.names = names;
  }

  @Override
  public void handle(RoutingContext ctx) {
    Parameters.only(ctx, PARAMETERS);
    int providerId = Parameters.pathId(ctx, "providerId");
    long clientId = Parameters.id(ctx.pathParam("clientId"), "clientId", Long.MAX_VALUE);
    Parameters.Range range = Parameters.range(ctx, DailySalesRoute.MAX_RANGE_DAYS);
    List<LocalDate> dates = range.days();
    ProviderRoutes.requireProvider(pool, providerId)
        .compose(known -> names.of(List.of(clientId)))
        .compose(found -> {
          ClientNames.Name name = found.get(clientId);
          if (name == null) {
            return Future.failedFuture(Problem.notFound("client " + clientId + " does not exist"));
          }
          List<Future<DailyClientTotal>> reads = new ArrayList<>();
          dates.forEach(day -> reads.add(reader.clientDay(providerId, day, clientId)));
          return Future.all(reads).map(all -> {
            JsonArray days = new JsonArray();
            for (Future<DailyClientTotal> read : reads) {
              DailyClientTotal total = read.result();
              days.add(new JsonObject()
                  .put("date", total.day().toString())
                  .put("source", "realtime")
                  .put("transactions", total.transactions())
                  .put("totalAmount", total.amount().toPlainString()));
            }
            return name.into(new JsonObject().put("providerId", providerId).put("clientId", clientId))
                .put("from", range.from().toString())
                .put("to", range.to().toString())
                .put("days", days);
          });
        })
        .onSuccess(ctx::json)
        .onFailure(ctx::fail);
  }
}
