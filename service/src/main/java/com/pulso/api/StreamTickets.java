package com.pulso.api;

import com.hazelcast.map.IMap;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Short-lived, single-use tickets for the WebSocket stream: a browser cannot set headers on a
 * WebSocket, and an API key must never travel in a URL. A ticket is made with a key (for one
 * provider), kept cluster-wide for {@link #LIFETIME} (the WebSocket may reach another member), and
 * spent by the first connection that shows it.
 */
final class StreamTickets {

  static final Duration LIFETIME = Duration.ofSeconds(60);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Vertx vertx;
  private final IMap<String, Integer> tickets;

  StreamTickets(Vertx vertx, IMap<String, Integer> tickets) {
    this.vertx = vertx;
    this.tickets = tickets;
  }

  /** A new ticket for {@code providerId}'s stream. */
  Future<String> issue(int providerId) {
    byte[] secret = new byte[24];
    RANDOM.nextBytes(secret);
    String ticket = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    return Future.fromCompletionStage(tickets.setAsync(ticket, providerId, LIFETIME.toMillis(), TimeUnit.MILLISECONDS),
        vertx.getOrCreateContext()).map(ticket);
  }

  /**
   * {@code POST /v1/stream-tickets[?providerId=]}: a ticket for the key's provider (an admin key
   * names one), answered once: {@code {ticket, providerId, expiresInSeconds, stream}}.
   */
  Handler<RoutingContext> issuing(KnownProviders providers) {
    return ctx -> {
      ApiKeys.Principal principal = Authentication.principal(ctx);
      Parameters.only(ctx, Set.of("providerId"));
      String asked = ctx.queryParams().get("providerId");
      if (asked == null && principal.admin()) {
        throw Problem.badRequest("an admin key names the provider: ?providerId=");
      }
      int providerId = asked != null ? (int) Parameters.id(asked, "providerId", Integer.MAX_VALUE) : principal.providerId();
      if (!principal.mayRead(providerId)) {
        throw new Problem(403, "this API key reads provider " + principal.providerId() + " only");
      }
      providers.require(providerId).compose(known -> issue(providerId))
          .onSuccess(ticket -> ctx.response().setStatusCode(201).putHeader("content-type", "application/json")
              .putHeader("cache-control", "no-store")
              .end(new JsonObject().put("ticket", ticket).put("providerId", providerId)
                  .put("expiresInSeconds", LIFETIME.toSeconds())
                  .put("stream", "/v1/providers/" + providerId + "/stream?ticket=" + ticket).encode()))
          .onFailure(ctx::fail);
    };
  }

  /** The provider a ticket was made for, spending it; null when unknown, expired or spent. */
  Future<Integer> spend(String ticket) {
    return Future.fromCompletionStage(tickets.removeAsync(ticket), vertx.getOrCreateContext());
  }
}
