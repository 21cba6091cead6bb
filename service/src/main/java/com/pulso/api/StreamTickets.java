package com.pulso.api;

import com.hazelcast.map.IMap;
import com.pulso.cluster.ClusterSecret;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Short-lived, single-use tickets for the WebSocket stream: a browser cannot set headers on a
 * WebSocket, and an API key must never travel in a URL. A ticket is made with a key (for one
 * provider), kept cluster-wide for {@link #LIFETIME} (the WebSocket may reach another member), and
 * spent by the first connection that shows it.
 *
 * <p>The shared map is not trusted with more than it must hold: a ticket is stored under its
 * SHA-256 (reading the map's keys gives no ticket to spend), and what it grants, the provider and
 * the key that asked for it, is sealed with the cluster's secret ({@link ClusterSecret}) for that
 * entry: an entry put there by anything but a member is refused. Whoever spends a ticket checks
 * the key again ({@link FiguresStream}).
 */
final class StreamTickets {

  static final Duration LIFETIME = Duration.ofSeconds(60);
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Logger LOG = LoggerFactory.getLogger(StreamTickets.class);

  /** What a ticket grants: the stream of {@code providerId}, for as long as key {@code keyId} is valid. */
  record Grant(int providerId, long keyId) {}

  private final Vertx vertx;
  private final IMap<String, String> tickets;
  private final ClusterSecret secret;

  StreamTickets(Vertx vertx, IMap<String, String> tickets, ClusterSecret secret) {
    this.vertx = vertx;
    this.tickets = tickets;
    this.secret = secret;
  }

  /** A new ticket for {@code providerId}'s stream, asked for by key {@code keyId}. */
  Future<String> issue(int providerId, long keyId) {
    byte[] bytes = new byte[24];
    RANDOM.nextBytes(bytes);
    String ticket = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    String entry = ApiKeys.hash(ticket);
    return Future.fromCompletionStage(tickets.setAsync(entry, secret.seal(entry, providerId + ":" + keyId),
        LIFETIME.toMillis(), TimeUnit.MILLISECONDS), vertx.getOrCreateContext()).map(ticket);
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
      providers.require(providerId).compose(known -> issue(providerId, principal.keyId()))
          .onSuccess(ticket -> ctx.response().setStatusCode(201).putHeader("content-type", "application/json")
              .end(new JsonObject().put("ticket", ticket).put("providerId", providerId)
                  .put("expiresInSeconds", LIFETIME.toSeconds())
                  .put("stream", "/v1/providers/" + providerId + "/stream?ticket=" + ticket).encode()))
          .onFailure(ctx::fail);
    };
  }

  /** What a ticket grants, spending it; empty when it is unknown, expired, spent, or was not sealed by a member. */
  Future<Optional<Grant>> spend(String ticket) {
    String entry = ApiKeys.hash(ticket);
    return Future.fromCompletionStage(tickets.removeAsync(entry), vertx.getOrCreateContext()).map(sealed -> {
      if (sealed == null) {
        return Optional.empty();
      }
      Optional<String> grant = secret.open(entry, sealed);
      if (grant.isEmpty()) {
        LOG.warn("A stream ticket in the cluster's map was not sealed by a member: refused (has a process without"
            + " cluster.secret reached Hazelcast?)");
        return Optional.empty();
      }
      String[] parts = grant.get().split(":");
      return Optional.of(new Grant(Integer.parseInt(parts[0]), Long.parseLong(parts[1])));
    });
  }
}
