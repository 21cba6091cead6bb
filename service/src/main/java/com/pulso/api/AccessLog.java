package com.pulso.api;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One log line per HTTP answer (logger {@code pulso.access}): a request id, also answered in the
 * {@code X-Request-Id} header so a user's report leads to the line; the route's template, never the
 * path as sent (a path or query may carry a ticket); the provider the key speaks for (or {@code admin});
 * the status, duration and bytes answered. Never a header: no API key, ticket or password can reach it.
 * In the aws profile the fields are the JSON line's own fields ({@code AccessLineEncoder}).
 */
public final class AccessLog implements Handler<RoutingContext> {

  /** Where a request's id is kept in the routing context, for error answers. */
  static final String REQUEST_ID = "pulso.requestId";
  static final String HEADER = "x-request-id";
  private static final Logger LOG = LoggerFactory.getLogger("pulso.access");

  AccessLog() {
  }

  @Override
  public void handle(RoutingContext ctx) {
    long start = System.nanoTime();
    byte[] random = new byte[8];
    ThreadLocalRandom.current().nextBytes(random);
    String requestId = HexFormat.of().formatHex(random);
    ctx.put(REQUEST_ID, requestId);
    ctx.response().putHeader(HEADER, requestId);
    if (LOG.isInfoEnabled()) {
      ctx.addEndHandler(ended -> {
        ApiKeys.Principal principal = Authentication.principal(ctx);
        String provider = principal == null ? "-" : principal.admin() ? "admin" : Integer.toString(principal.providerId());
        String route = RequestMetrics.routeTemplate(ctx);
        String method = RequestMetrics.methodTag(ctx);
        int status = ctx.response().getStatusCode();
        long millis = (System.nanoTime() - start) / 1_000_000;
        log(requestId, method, route, provider, status, millis, ctx.response().bytesWritten());
      });
    }
    ctx.next();
  }

  /** Writes one answer's line (public for the benchmark of its cost). */
  public static void log(String requestId, String method, String route, String provider, int status, long millis,
                         long bytes) {
    LOG.atInfo()
        .addKeyValue("requestId", requestId)
        .addKeyValue("method", method)
        .addKeyValue("route", route)
        .addKeyValue("provider", provider)
        .addKeyValue("status", status)
        .addKeyValue("durationMillis", millis)
        .addKeyValue("bytes", bytes)
        .log("{} {} {} provider={} status={} {} ms {} bytes", requestId, method, route, provider, status, millis, bytes);
  }
}
