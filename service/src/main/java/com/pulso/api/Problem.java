package com.pulso.api;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.http.HttpServerRequest;
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
  /** Seconds for {@code Retry-After}; 0: none. */
  private final long retryAfter;

  public Problem(int status, String detail) {
    this(status, detail, 0);
  }

  public Problem(int status, String detail, long retryAfterSeconds) {
    super(detail, null, false, false);
    this.status = status;
    this.retryAfter = retryAfterSeconds;
  }

  public static Problem badRequest(String detail) {
    return new Problem(400, detail);
  }

  public static Problem notFound(String detail) {
    return new Problem(404, detail);
  }

  /** A dependency does not answer and nothing fresh enough is cached: worth trying again shortly. */
  public static Problem unavailable(String detail) {
    return new Problem(503, detail, 5);
  }

  public int status() {
    return status;
  }

  /** Answers the request with this problem. */
  public void answer(RoutingContext ctx) {
    if (retryAfter > 0) {
      ctx.response().putHeader("Retry-After", Long.toString(retryAfter));
    }
    ctx.response().setStatusCode(status).putHeader("content-type", CONTENT_TYPE)
        .end(body(ctx.request().path()).encode());
  }

  /**
   * For {@code HttpServer.invalidRequestHandler}: a request HTTP itself refuses before any route (a
   * request line or headers over the server's limits, a malformed request) is answered as
   * problem+json too — Vert.x's own answer is a bare status — and its connection closed, as HTTP
   * requires after a request that could not be read: lingering, so that a client still sending the
   * rest of its request reads the answer rather than a reset ({@link LingeringClose}).
   */
  static void answerUnreadable(HttpServerRequest request) {
    Throwable cause = request.decoderResult().cause();
    Problem problem = cause instanceof TooLongHttpLineException
        ? new Problem(414, "the request line is longer than the server reads")
        : cause instanceof TooLongHttpHeaderException
            ? new Problem(431, "the request's headers are larger than the server reads")
            : badRequest("the request is not valid HTTP");
    LingeringClose.install(request.connection());
    request.response().setStatusCode(problem.status).putHeader("content-type", CONTENT_TYPE)
        .putHeader("connection", "close").end(problem.body("").encode());
  }

  private JsonObject body(String instance) {
    return new JsonObject()
        .put("type", "about:blank")
        .put("title", HttpResponseStatus.valueOf(status).reasonPhrase())
        .put("status", status)
        .put("detail", getMessage())
        .put("instance", instance);
  }
}
