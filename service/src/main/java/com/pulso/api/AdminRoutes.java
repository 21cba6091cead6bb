package com.pulso.api;

import com.pulso.alerts.AlertStore;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import io.vertx.ext.web.Router;

/**
 * The routes under {@code /v1/admin} (admin keys only): {@code POST /v1/admin/providers/{providerId}/api-keys}
 * creates a provider key and answers its plaintext, once; {@code DELETE /v1/admin/api-keys/{keyId}} revokes one;
 * {@code GET /v1/admin/alerts} lists the alerts not ok with their figures, and the recent notifications with
 * whether each was delivered (docs/operations.md).
 */
final class AdminRoutes {

  private AdminRoutes() {}

  static void mount(Router router, ApiKeys keys, AlertStore alerts, Duration keepResolved) {
    router.route("/v1/admin/*").handler(Authentication.admin());
    router.get("/v1/admin/alerts").handler(ctx -> alerts.list(keepResolved)
        .onSuccess(list -> ctx.response().putHeader("content-type", "application/json").end(list.encode()))
        .onFailure(ctx::fail));
    router.post("/v1/admin/providers/:providerId/api-keys").handler(ctx -> {
      int providerId = Parameters.pathId(ctx, "providerId");
      keys.create(providerId)
          .onSuccess(created -> ctx.response().setStatusCode(201)
              .putHeader("content-type", "application/json")
              .end(new JsonObject()
                  .put("id", created.id())
                  .put("providerId", created.providerId())
                  .put("key", created.key())
                  .put("prefix", created.prefix())
                  .put("createdAt", created.createdAt().toInstant().toString())
                  .encode()))
          .onFailure(error -> ctx.fail(error instanceof ApiKeys.UnknownProviderException
              ? Problem.notFound(error.getMessage()) : error));
    });
    router.delete("/v1/admin/api-keys/:keyId").handler(ctx -> {
      long keyId = Parameters.id(ctx.pathParam("keyId"), "keyId", Long.MAX_VALUE);
      keys.revoke(keyId)
          .onSuccess(revoked -> {
            if (revoked) {
              ctx.response().setStatusCode(204).end();
            } else {
              ctx.fail(Problem.notFound("no API key " + keyId + " to revoke (unknown, or revoked already)"));
            }
          })
          .onFailure(ctx::fail);
    });
  }
}
