package com.pulso.api;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

/**
 * The API's gate: every {@code /v1} request carries a key in {@value ApiKeys#HEADER}; the
 * principal it speaks for is put in the context for the routes after this one. A provider key
 * reaches only {@code /v1/providers/<its id>/...}; {@code /v1/admin/...} needs an admin key.
 */
final class Authentication {

  static final String PRINCIPAL = "pulso.principal";

  private final ApiKeys keys;

  Authentication(ApiKeys keys) {
    this.keys = keys;
  }

  /** 401 without a known key, else on to the next handler with the principal in the context. */
  Handler<RoutingContext> authenticate() {
    return ctx -> {
      String presented = ctx.request().getHeader(ApiKeys.HEADER);
      if (presented == null || presented.isBlank()) {
        ctx.fail(new Problem(401, "no API key: send it in the " + ApiKeys.HEADER + " header"));
        return;
      }
      keys.verify(presented.trim()).onComplete(verified -> {
        if (verified.failed()) {
          ctx.fail(verified.cause());
        } else if (verified.result().isEmpty()) {
          ctx.fail(new Problem(401, "unknown or revoked API key"));
        } else {
          ctx.put(PRINCIPAL, verified.result().get());
          ctx.next();
        }
      });
    };
  }

  /** 403 unless the key reads the provider of the path ({@code providerId}, a number: else 400). */
  static Handler<RoutingContext> providerOfPath() {
    return ctx -> {
      int providerId = Parameters.pathId(ctx, "providerId");
      if (!principal(ctx).mayRead(providerId)) {
        throw new Problem(403, "this API key reads provider " + principal(ctx).providerId() + " only");
      }
      ctx.next();
    };
  }

  /** 403 unless the key is an admin's. */
  static Handler<RoutingContext> admin() {
    return ctx -> {
      if (!principal(ctx).admin()) {
        throw new Problem(403, "an admin API key is needed");
      }
      ctx.next();
    };
  }

  static ApiKeys.Principal principal(RoutingContext ctx) {
    return ctx.get(PRINCIPAL);
  }
}
