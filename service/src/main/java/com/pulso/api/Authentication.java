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
  private final AddressLimiter addresses;

  Authentication(ApiKeys keys, AddressLimiter addresses) {
    this.keys = keys;
    this.addresses = addresses;
  }

  /**
   * 401 without a known key, else on to the next handler with the principal in the context. Each
   * 401 counts against the client's address; an address past its count is answered 429 before its
   * key is looked at.
   */
  Handler<RoutingContext> authenticate() {
    return ctx -> {
      String address = addresses.address(ctx.request().headers(), ctx.request().remoteAddress());
      if (addresses.exhausted(address)) {
        ctx.fail(tooMany(address));
        return;
      }
      String presented = ctx.request().getHeader(ApiKeys.HEADER);
      if (presented == null || presented.isBlank()) {
        addresses.count(address);
        ctx.fail(new Problem(401, "no API key: send it in the " + ApiKeys.HEADER + " header"));
        return;
      }
      keys.verify(presented.trim()).onComplete(verified -> {
        if (verified.failed()) {
          ctx.fail(verified.cause());
        } else if (verified.result().isEmpty()) {
          addresses.count(address);
          ctx.fail(new Problem(401, "unknown or revoked API key"));
        } else {
          ctx.put(PRINCIPAL, verified.result().get());
          ctx.next();
        }
      });
    };
  }

  private Problem tooMany(String address) {
    return new Problem(429, "too many requests without a valid API key from " + address + " this minute; again in "
        + addresses.retryAfterSeconds() + " s", addresses.retryAfterSeconds());
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
