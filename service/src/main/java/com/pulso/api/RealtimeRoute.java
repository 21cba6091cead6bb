package com.pulso.api;

import com.pulso.aggregate.DailyTotal;
import com.pulso.aggregate.MinuteBucket;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code GET /v1/providers/{providerId}/realtime}: today's totals (business zone) and, per product of
 * the provider, a series of the last 60 minutes (the current one included, a point per minute,
 * zero where nothing sold) — what a live chart draws.
 */
final class RealtimeRoute implements Handler<RoutingContext> {

  static final int MINUTES = 60;

  private final KnownProviders providers;
  private final FiguresCache figures;
  private final ZoneId zone;
  private final Clock clock;

  RealtimeRoute(KnownProviders providers, FiguresCache figures, ZoneId zone, Clock clock) {
    this.providers = providers;
    this.figures = figures;
    this.zone = zone;
    this.clock = clock;
  }

  @Override
  public void handle(RoutingContext ctx) {
    Parameters.only(ctx, Set.of());
    int providerId = Parameters.pathId(ctx, "providerId");
    LocalDateTime now = LocalDateTime.now(clock.withZone(zone)).truncatedTo(ChronoUnit.MINUTES);
    LocalDateTime first = now.minusMinutes(MINUTES - 1);
    LocalDate today = now.toLocalDate();
    providers.products(providerId)
        .compose(codes -> {
          Future<DailyTotal> total = figures.dayTotal(providerId, today);
          Future<List<MinuteBucket>> minutes = figures.productMinutes(providerId, today);
          // Just after midnight the window reaches into yesterday.
          Future<List<MinuteBucket>> before = first.toLocalDate().equals(today) ? Future.succeededFuture(List.of())
              : figures.productMinutes(providerId, first.toLocalDate());
          return Future.all(total, minutes, before).map(all -> {
            Map<String, Map<LocalDateTime, MinuteBucket>> byProduct = new HashMap<>();
            for (List<MinuteBucket> buckets : List.of(before.result(), minutes.result())) {
              buckets.forEach(bucket -> byProduct.computeIfAbsent(bucket.productCode(), code -> new HashMap<>())
                  .put(bucket.minute(), bucket));
            }
            JsonArray series = new JsonArray();
            for (String code : codes) {
              Map<LocalDateTime, MinuteBucket> sold = byProduct.getOrDefault(code, Map.of());
              JsonArray points = new JsonArray();
              for (LocalDateTime minute = first; !minute.isAfter(now); minute = minute.plusMinutes(1)) {
                MinuteBucket bucket = sold.get(minute);
                points.add(new JsonObject()
                    .put("minute", minute.toString())
                    .put("transactions", bucket == null ? 0 : bucket.transactions())
                    .put("totalAmount", (bucket == null ? new BigDecimal("0.00") : bucket.amount()).toPlainString()));
              }
              series.add(new JsonObject().put("productCode", code).put("minutes", points));
            }
            return new JsonObject()
                .put("providerId", providerId)
                .put("date", today.toString())
                .put("asOf", clock.instant().toString())
                .put("today", new JsonObject()
                    .put("transactions", total.result().transactions())
                    .put("totalAmount", total.result().amount().toPlainString()))
                .put("products", series);
          });
        })
        .onSuccess(ctx::json)
        .onFailure(ctx::fail);
  }
}
