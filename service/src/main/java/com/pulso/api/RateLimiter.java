package com.pulso.api;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Requests per API key and minute ({@code api.rateLimitPerMinute}), counted in fixed one-minute
 * windows on this member. Every answer says where the key stands ({@code RateLimit-Limit},
 * {@code RateLimit-Remaining}, {@code RateLimit-Reset} in seconds); one over the limit is a 429 with
 * {@code Retry-After}. Counted per member: behind a load balancer spreading a key over N members,
 * a key gets up to N times the limit.
 */
final class RateLimiter implements Handler<RoutingContext> {

  private static final long MINUTE_MILLIS = 60_000;

  /** A key's count in the window starting at {@code start} (epoch millis, a whole minute). */
  private record Window(long start, AtomicInteger count) {
    Window(long start) {
      this(start, new AtomicInteger());
    }
  }

  private final int limit;
  private final Clock clock;
  private final ConcurrentHashMap<Long, Window> windows = new ConcurrentHashMap<>();

  RateLimiter(int limit, Clock clock) {
    this.limit = limit;
    this.clock = clock;
  }

  @Override
  public void handle(RoutingContext ctx) {
    long now = clock.millis();
    long start = now - now % MINUTE_MILLIS;
    long keyId = Authentication.principal(ctx).keyId();
    Window window = windows.get(keyId);
    if (window == null || window.start() != start) {
      window = windows.compute(keyId, (key, current) -> current == null || current.start() != start
          ? new Window(start) : current);
    }
    int count = window.count().incrementAndGet();
    long reset = Math.max(1, (start + MINUTE_MILLIS - now + 999) / 1000);
    ctx.response()
        .putHeader("RateLimit-Limit", Integer.toString(limit))
        .putHeader("RateLimit-Remaining", Integer.toString(Math.max(0, limit - count)))
        .putHeader("RateLimit-Reset", Long.toString(reset));
    if (count > limit) {
      throw new Problem(429, "more than " + limit + " requests this minute with this API key; again in " + reset + " s",
          reset);
    }
    if (windows.size() > 100_000) {
      windows.values().removeIf(old -> old.start() < start);
    }
    ctx.next();
  }
}
