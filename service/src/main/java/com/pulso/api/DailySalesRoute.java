package com.pulso.api;

import com.pulso.aggregate.DailyClientTotal;
import com.pulso.aggregate.MetricsReader;
import com.pulso.config.PulsoConfig;
import com.pulso.db.Postgres;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code GET /v1/providers/{providerId}/daily-sales?date=}: one business day of a provider, per
 * client — transactions and total amount (a string with two decimals) — with the client's name,
 * by client id, a page at a time ({@code limit} ≤ 1,000, default 100; {@code cursor} is the
 * {@code nextCursor} of the page before). Optional {@code clientId}: that client only.
 * Figures come from the real-time items ({@code source: "realtime"}) until the batch's reports
 * serve closed days.
 */
final class DailySalesRoute implements Handler<RoutingContext> {

  private static final Set<String> PARAMETERS = Set.of("date", "clientId", "limit", "cursor");
  private static final int DEFAULT_LIMIT = 100;
  private static final int MAX_LIMIT = 1_000;

  private final Pool pool;
  private final MetricsReader reader;
  private final String clientNames;

  DailySalesRoute(Pool pool, MetricsReader reader, PulsoConfig.Source source) {
    this.pool = pool;
    this.reader = reader;
    this.clientNames = "SELECT " + Postgres.quoteIdentifier(source.clientIdColumn()) + ", "
        + Postgres.quoteIdentifier(source.clientFirstNameColumn()) + ", "
        + Postgres.quoteIdentifier(source.clientLastNameColumn()) + " FROM " + Postgres.quoteIdentifier(source.clientsTable())
        + " WHERE " + Postgres.quoteIdentifier(source.clientIdColumn()) + " = ANY($1)";
  }

  @Override
  public void handle(RoutingContext ctx) {
    Parameters.only(ctx, PARAMETERS);
    int providerId = Parameters.pathId(ctx, "providerId");
    LocalDate date = Parameters.date(ctx, "date");
    int limit = Parameters.limit(ctx, "limit", DEFAULT_LIMIT, MAX_LIMIT);
    String clientText = ctx.queryParams().get("clientId");
    Long clientId = clientText == null ? null : Parameters.id(clientText, "clientId", Long.MAX_VALUE);
    String cursorText = ctx.queryParams().get("cursor");
    long after = cursorText == null ? 0 : Parameters.id(cursorText, "cursor", Long.MAX_VALUE);
    Instant asOf = Instant.now();

    ProviderRoutes.requireProvider(pool, providerId)
        .compose(known -> reader.clientDay(providerId, date))
        .compose(totals -> {
          List<DailyClientTotal> matching = totals.stream()
              .filter(total -> clientId == null || total.clientId() == clientId)
              .filter(total -> total.clientId() > after)
              .toList();
          List<DailyClientTotal> page = matching.subList(0, Math.min(limit, matching.size()));
          String nextCursor = matching.size() > page.size() ? Long.toString(page.get(page.size() - 1).clientId()) : null;
          return names(page).map(names -> {
            JsonArray clients = new JsonArray();
            for (DailyClientTotal total : page) {
              String[] name = names.getOrDefault(total.clientId(), new String[2]);
              clients.add(new JsonObject()
                  .put("clientId", total.clientId())
                  .put("firstName", name[0])
                  .put("lastName", name[1])
                  .put("transactions", total.transactions())
                  .put("totalAmount", total.amount().toPlainString()));
            }
            return new JsonObject()
                .put("providerId", providerId)
                .put("date", date.toString())
                .put("source", "realtime")
                .put("asOf", asOf.toString())
                .put("clients", clients)
                .put("nextCursor", nextCursor);
          });
        })
        .onSuccess(body -> ctx.json(body))
        .onFailure(ctx::fail);
  }

  private Future<Map<Long, String[]>> names(List<DailyClientTotal> page) {
    if (page.isEmpty()) {
      return Future.succeededFuture(Map.of());
    }
    Long[] ids = page.stream().map(DailyClientTotal::clientId).toArray(Long[]::new);
    return pool.preparedQuery(clientNames).execute(Tuple.tuple().addArrayOfLong(ids)).map(rows -> {
      Map<Long, String[]> names = new HashMap<>();
      for (Row row : rows) {
        names.put(row.getLong(0), new String[] {row.getString(1), row.getString(2)});
      }
      return names;
    });
  }
}
