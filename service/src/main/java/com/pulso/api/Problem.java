package com.pulso.api;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * An error answer in RFC 9457's {@code application/problem+json}: the status, its reason phrase as
 * the title, and a detail a person can act on. Thrown (or failed with) by a handler; the router's
 * failure handler answers it ({@link #answer}).
 */
public final class Problem extends RuntimeException {

  public static final String CONTENT_TYPE = "application/problem+json";

  private final int status;

  public Problem(int status, String detail) {
    super(detail, null, false, false);
    this.status = status;
  }

  public static Problem badRequest(String detail) {
    return new Problem(400, detail);
  }

  public static Problem notFound(String detail) {
    return new Problem(404, detail);
  }

  public int status() {
    return status;
  }

  /** Answers the request with this problem. */
  public void answer(RoutingContext ctx) {
    JsonObject body = new JsonObject()
        .put("type", "about:blank")
        .put("title", HttpResponseStatus.valueOf(status).reasonPhrase())
        .put("status", status)
        .put("detail", getMessage())
        .put("instance", ctx.request().path());
    ctx.response().setStatusCode(status).putHeader("content-type", CONTENT_TYPE).end(body.encode());
  }
}
