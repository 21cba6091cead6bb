package com.pulso.api;

import com.pulso.batch.ReportManifest;
import com.pulso.batch.ReportStore;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * {@code GET /v1/providers/{providerId}/reports?from=&to=}: the nightly reports of the range's days
 * (≤ 92) that exist, each with its manifest's figures and a signed download link per file (Parquet,
 * JSON lines) valid {@link #LINK_VALIDITY}. A link names one object of the provider's own
 * directory: its signature covers the key, so it opens nothing else.
 */
final class ReportsRoute implements Handler<RoutingContext> {

  static final Duration LINK_VALIDITY = Duration.ofMinutes(5);
  private static final Set<String> PARAMETERS = Set.of("from", "to");

  private final KnownProviders providers;
  private final FiguresCache figures;
  private final ReportStore reports;
  private final Clock clock;

  ReportsRoute(KnownProviders providers, FiguresCache figures, ReportStore reports, Clock clock) {
    this.providers = providers;
    this.figures = figures;
    this.reports = reports;
    this.clock = clock;
  }

  @Override
  public void handle(RoutingContext ctx) {
    Parameters.only(ctx, PARAMETERS);
    int providerId = Parameters.pathId(ctx, "providerId");
    Parameters.Range range = Parameters.range(ctx, DailySalesRoute.MAX_RANGE_DAYS);
    providers.require(providerId)
        .compose(known -> {
          List<Future<Optional<ReportManifest>>> manifests = range.days().stream()
              .map(day -> figures.report(providerId, day)).toList();
          return Future.all(manifests).map(all -> {
            Instant now = clock.instant();
            JsonArray found = new JsonArray();
            manifests.forEach(manifest -> manifest.result().ifPresent(report -> found.add(describe(report, now))));
            return new JsonObject()
                .put("providerId", providerId)
                .put("from", range.from().toString())
                .put("to", range.to().toString())
                .put("reports", found);
          });
        })
        .onSuccess(ctx::json)
        .onFailure(ctx::fail);
  }

  private JsonObject describe(ReportManifest report, Instant now) {
    JsonArray files = new JsonArray();
    reports.links(report, LINK_VALIDITY, now).forEach(link -> files.add(new JsonObject()
        .put("format", link.file().format())
        .put("bytes", link.file().bytes())
        .put("sha256", link.file().sha256())
        .put("url", link.url().toString())
        .put("expiresAt", link.expiresAt().toString())));
    return new JsonObject()
        .put("date", report.day().toString())
        .put("runId", report.runId())
        .put("createdAt", report.createdAt().toString())
        .put("rows", report.rows())
        .put("transactions", report.transactions())
        .put("totalAmount", report.totalAmount().toPlainString())
        .put("files", files);
  }
}
