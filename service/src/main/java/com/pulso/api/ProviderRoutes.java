package com.pulso.api;

import com.pulso.batch.ReportStore;
import com.pulso.config.PulsoConfig;
import io.vertx.ext.web.Router;
import io.vertx.sqlclient.Pool;
import java.time.Clock;

/** The routes under {@code /v1/providers/{providerId}}: a provider's own figures. */
final class ProviderRoutes {

  private ProviderRoutes() {}

  static void mount(Router router, PulsoConfig config, Pool pool, KnownProviders providers, FiguresCache figures,
                    ReportStore reports) {
    ClientNames names = new ClientNames(pool, config.source());
    router.route("/v1/providers/:providerId/*").handler(Authentication.providerOfPath());
    router.get("/v1/providers/:providerId/daily-sales").handler(new DailySalesRoute(providers, figures, names));
    router.get("/v1/providers/:providerId/clients/:clientId/daily-sales")
        .handler(new ClientDailySalesRoute(providers, figures, names));
    router.get("/v1/providers/:providerId/summary").handler(new SummaryRoute(providers, figures));
    router.get("/v1/providers/:providerId/top-clients").handler(new TopClientsRoute(providers, figures, names));
    router.get("/v1/providers/:providerId/reports")
        .handler(new ReportsRoute(providers, figures, reports, Clock.systemUTC()));
    router.get("/v1/providers/:providerId/realtime")
        .handler(new RealtimeRoute(providers, figures, config.businessZone(), Clock.systemUTC()));
  }
}
