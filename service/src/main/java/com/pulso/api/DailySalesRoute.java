package com.pulso.api;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Policy;
import com.pulso.aggregate.DailyClientTotal;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.lang.ref.WeakReference;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.List;
import java.util.Set;

/**
 * {@code GET /v1/providers/{providerId}/daily-sales}. With {@code date}: that business day per
 * client — transactions and total amount (a string with two decimals) — with the client's name, by
 * client id, a page at a time ({@code limit} ≤ 1,000, default 100; {@code cursor} is the
 * {@code nextCursor} of the page before); optional {@code clientId}: that client only. With
 * {@code from} and {@code to} (≤ 92 days): per day, the provider's transactions, total amount and
 * number of clients. A day with a nightly report is served from it ({@code source: "batch"},
 * {@code asOf} when it was written); any other from the real-time items ({@code source: "realtime"}).
 */
final class DailySalesRoute implements Handler<RoutingContext> {

  static final int MAX_RANGE_DAYS = 92;
  private static final Set<String> PARAMETERS = Set.of("date", "clientId", "limit", "cursor", "from", "to");
  private static final int DEFAULT_LIMIT = 100;
  private static final int MAX_LIMIT = 1_000;

  /** The request of one day's page. */
  private record Page(int providerId, LocalDate date, Long clientId, int limit, long after) {}

  /**
   * A page as answered, and the day's figures it was made of, held weakly: only to tell whether they
   * are still the cached answer. A page must not keep a day's figures alive once the figures' cache
   * let them go (a page of a day of 100,000 clients would hold them all).
   */
  private record Rendered(WeakReference<List<DailyClientTotal>> clients, Buffer body) {}

  /** The pages' bound, by the bytes of their bodies (10,000 pages of 1,000 clients were about a GB). */
  static final long PAGES_BYTES = 64L * 1024 * 1024;

  // Names in a page are as old as ClientNames remembers them at most.
  private final Cache<Page, Rendered> pages = Caffeine.newBuilder()
      .maximumWeight(PAGES_BYTES).weigher((Page page, Rendered rendered) -> 64 + rendered.body().length())
      .expireAfterWrite(ClientNames.REMEMBERED).build();
  private final KnownProviders providers;
  private final FiguresCache figures;
  private final ClientNames names;

  DailySalesRoute(KnownProviders providers, FiguresCache figures, ClientNames names) {
    this.providers = providers;
    this.figures = figures;
    this.names = names;
  }

  /** The rendered pages' eviction policy, for its test: bounded by weight, not by count. */
  Policy.Eviction<Page, Rendered> pagesEviction() {
    return pages.policy().eviction().orElseThrow();
  }

  @Override
  public void handle(RoutingContext ctx) {
    Parameters.only(ctx, PARAMETERS);
    boolean range = ctx.queryParams().contains("from") || ctx.queryParams().contains("to");
    if (range && ctx.queryParams().contains("date")) {
      throw Problem.badRequest("give either date, or from and to, not both");
    }
    (range ? days(ctx).map(JsonObject::toBuffer) : day(ctx))
        .onSuccess(body -> ctx.response().putHeader("content-type", "application/json").end(body))
        .onFailure(ctx::fail);
  }

  /**
   * One day's page, answered from {@link #pages} while the day's figures are the same cached answer
   * (the same {@code clients} instance): building and encoding a page of a hundred clients was most
   * of the endpoint's cost.
   */
  private Future<Buffer> day(RoutingContext ctx) {
    int providerId = Parameters.pathId(ctx, "providerId");
    LocalDate date = Parameters.date(ctx, "date");
    int limit = Parameters.limit(ctx, "limit", DEFAULT_LIMIT, MAX_LIMIT);
    String clientText = ctx.queryParams().get("clientId");
    Long clientId = clientText == null ? null : Parameters.id(clientText, "clientId", Long.MAX_VALUE);
    String cursorText = ctx.queryParams().get("cursor");
    long after = cursorText == null ? 0 : Parameters.id(cursorText, "cursor", Long.MAX_VALUE);
    Page key = new Page(providerId, date, clientId, limit, after);
    return providers.require(providerId)
        .compose(known -> figures.clientDay(providerId, date))
        .compose(day -> {
          Rendered rendered = pages.getIfPresent(key);
          if (rendered != null && rendered.clients().get() == day.clients()) {
            return Future.succeededFuture(rendered.body());
          }
          List<DailyClientTotal> matching = clientId == null ? day.after(after)
              : day.client(clientId).filter(total -> total.clientId() > after).stream().toList();
          List<DailyClientTotal> page = matching.subList(0, Math.min(limit, matching.size()));
          String nextCursor = matching.size() > page.size() ? Long.toString(page.get(page.size() - 1).clientId()) : null;
          return names.of(page.stream().map(DailyClientTotal::clientId).toList()).map(known -> {
            JsonArray clients = new JsonArray();
            for (DailyClientTotal total : page) {
              clients.add(known.getOrDefault(total.clientId(), ClientNames.Name.UNKNOWN)
                  .into(new JsonObject().put("clientId", total.clientId()))
                  .put("transactions", total.transactions())
                  .put("totalAmount", total.amount().toPlainString()));
            }
            return new JsonObject()
                .put("providerId", providerId)
                .put("date", date.toString())
                .put("source", day.source())
                .put("asOf", day.asOf().toString())
                .put("clients", clients)
                .put("nextCursor", nextCursor)
                .toBuffer();
          }).andThen(built -> {
            if (built.succeeded()) {
              pages.put(key, new Rendered(new WeakReference<>(day.clients()), built.result()));
            }
          });
        });
  }

  private Future<JsonObject> days(RoutingContext ctx) {
    for (String single : List.of("clientId", "limit", "cursor")) {
      if (ctx.queryParams().contains(single)) {
        throw Problem.badRequest(single + " goes with date, not with from and to");
      }
    }
    int providerId = Parameters.pathId(ctx, "providerId");
    Parameters.Range range = Parameters.range(ctx, MAX_RANGE_DAYS);
    List<LocalDate> dates = range.days();
    return providers.require(providerId).compose(known -> {
      return figures.clientDays(providerId, dates).map(perDay -> {
        JsonArray days = new JsonArray();
        for (int i = 0; i < dates.size(); i++) {
          List<DailyClientTotal> clients = perDay.get(i).clients();
          BigDecimal amount = clients.stream().map(DailyClientTotal::amount).reduce(new BigDecimal("0.00"), BigDecimal::add);
          days.add(new JsonObject()
              .put("date", dates.get(i).toString())
              .put("source", perDay.get(i).source())
              .put("transactions", clients.stream().mapToLong(DailyClientTotal::transactions).sum())
              .put("totalAmount", amount.toPlainString())
              .put("clients", clients.size()));
        }
        return new JsonObject()
            .put("providerId", providerId)
            .put("from", range.from().toString())
            .put("to", range.to().toString())
            .put("days", days);
      });
    });
  }
}
