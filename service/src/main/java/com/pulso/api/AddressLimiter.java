package com.pulso.api;

import io.vertx.core.MultiMap;
import io.vertx.core.net.SocketAddress;
import java.time.Clock;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What a client may cost before it is known whose it is: per client address and minute (fixed
 * windows), at most {@code limit} counted requests (a refused key, a WebSocket handshake, a public
 * readiness check). Past it the address is answered 429 before anything is looked up, until its
 * window ends.
 *
 * <p>The client's address is the TCP peer's, unless {@code forwardedForHops} proxies in front are
 * trusted to append to {@code X-Forwarded-For} (the AWS ALB: 1): then it is the entry the first of
 * them appended, the {@code hops}-th from the right. Entries to its left are the client's own words.
 */
final class AddressLimiter {

  private static final long MINUTE_MILLIS = 60_000;
  /** Past this many addresses, the windows of earlier minutes are dropped. */
  private static final int MAX_ADDRESSES = 100_000;

  private record Window(long start, AtomicInteger count) {}

  private final int limit;
  private final int forwardedForHops;
  private final Clock clock;
  private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();

  AddressLimiter(int limit, int forwardedForHops, Clock clock) {
    this.limit = limit;
    this.forwardedForHops = forwardedForHops;
    this.clock = clock;
  }

  /** The client's address of a request or a handshake. */
  String address(MultiMap headers, SocketAddress peer) {
    if (forwardedForHops > 0) {
      String forwarded = headers.get("X-Forwarded-For");
      if (forwarded != null) {
        String[] entries = forwarded.split(",");
        if (entries.length >= forwardedForHops) {
          return entries[entries.length - forwardedForHops].trim();
        }
      }
    }
    return peer == null ? "unknown" : peer.hostAddress();
  }

  /** Whether the address already used its count this minute (nothing counted). */
  boolean exhausted(String address) {
    Window window = windows.get(address);
    return window != null && window.start() == windowStart() && window.count().get() >= limit;
  }

  /** Counts one request of the address; false when it is over the limit (the caller answers 429). */
  boolean count(String address) {
    long start = windowStart();
    Window window = windows.compute(address, (key, current) -> current == null || current.start() != start
        ? new Window(start, new AtomicInteger()) : current);
    if (windows.size() > MAX_ADDRESSES) {
      windows.values().removeIf(old -> old.start() < start);
    }
    return window.count().incrementAndGet() <= limit;
  }

  /** Seconds until the address's window ends, for {@code Retry-After}. */
  long retryAfterSeconds() {
    long now = clock.millis();
    return Math.max(1, (windowStart() + MINUTE_MILLIS - now + 999) / 1000);
  }

  private long windowStart() {
    long now = clock.millis();
    return now - now % MINUTE_MILLIS;
  }
}
