package com.pulso.api;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;

/**
 * The provider dashboard, served by Pulso itself: {@code /dashboard} is {@code api/dashboard.html},
 * and its script and style are the files of {@code api/dashboard/} as they are (no front-end build).
 * The page talks to the provider API and its WebSocket with the key a provider types in.
 */
final class Dashboard {

  /**
   * The page's own script, style and connections (its WebSocket included: CSP 3's {@code 'self'}
   * matches ws: and wss: to the page's host) and nothing else: no inline script, no other origin, no
   * form submission, no framing.
   */
  static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self';"
      + " connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  private Dashboard() {}

  static void mount(Router router) {
    Buffer page = ApiDocs.resource("api/dashboard.html");
    router.get("/dashboard").handler(ctx -> guarded(ctx)
        .putHeader("content-type", "text/html; charset=utf-8")
        .putHeader("content-security-policy", CONTENT_SECURITY_POLICY)
        .end(page));
    // Read through Vert.x's file system (asynchronous); never cached unchecked, so a new version shows at once.
    router.get("/dashboard/*")
        .handler(ctx -> {
          guarded(ctx);
          ctx.next();
        })
        .handler(StaticHandler.create("api/dashboard").setCachingEnabled(false));
  }

  /** Headers of every dashboard answer: revalidated on every load, served as the type it says, no referrer. */
  private static HttpServerResponse guarded(RoutingContext ctx) {
    return ctx.response()
        .putHeader("cache-control", "no-cache")
        .putHeader("x-content-type-options", "nosniff")
        .putHeader("referrer-policy", "no-referrer");
  }
}
