package com.pulso.api;

import com.pulso.config.PulsoConfig;
import io.vertx.core.Future;
import io.vertx.ext.web.Router;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.Clock;

/** The routes under {@code /v1/providers/{providerId}}: a provider's own figures. */
final class ProviderRoutes {

  private ProviderRoutes() {}

  static void mount(Router router, PulsoConfig config, Pool pool, FiguresCache figures) {
    ClientNames names = new ClientNames(pool, config.source());
    router.route("/v1/providers/:providerId/*").handler(Authentication.providerOfPath());
    router.get("/v1/providers/:providerId/daily-sales").handler(new DailySalesRoute(pool, figures, names));
    router.get("/v1/providers/:providerId/clients/:clientId/daily-sales")
        .handler(new ClientDailySalesRoute(pool, figures, names));
    router.get("/v1/providers/:providerId/top-clients").handler(new TopClientsRoute(pool, figures, names));
    router.get("/v1/providers/:providerId/realtime")
        .handler(new RealtimeRoute(pool, figures, config.businessZone(), Clock.systemUTC()));
  }

  /** Fails with a 404 problem when {@code providerId} is not in {@code pulso.providers}. */
  static Future<Void> requireProvider(Pool pool, int providerId) {
    return pool.preparedQuery("SELECT 1 FROM pulso.providers WHERE id = $1").execute(Tuple.of(providerId))
        .compose(rows -> rows.size() == 1 ? Future.<Void>succeededFuture()
            : Future.failedFuture(Problem.notFound("provider " + providerId + " does not exist")));
  }
}
