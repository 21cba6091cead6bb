package com.pulso.api;

import com.pulso.config.PulsoConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.ServerWebSocketHandshake;
import io.vertx.core.internal.http.WebSocketInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code /v1/providers/{providerId}/stream?ticket=}: a WebSocket that carries, on every change of the
 * provider's figures ({@code pulso.metrics.<providerId>}, through {@link FiguresCache#watch}), what changed and today's totals, and a
 * heartbeat every {@link #HEARTBEAT}. Authenticated by a ticket of {@code POST /v1/stream-tickets}.
 * A subscriber that does not read fast enough (its write queue full) is closed, so it cannot hold
 * back the member; a closed connection releases its timer, and the last one of a provider its watch.
 *
 * <p>A socket lives as long as the key whose ticket opened it: the keys of open sockets are looked up
 * again every {@link ApiKeys#REMEMBERED} (the revocation bound of every request), and a revoked key's
 * sockets are closed with {@link #KEY_REVOKED}. Whatever its key, a socket is closed after
 * {@code api.stream.maxLifetimeSeconds} with {@link #LIFETIME_OVER} (the client opens it again with
 * a new ticket). Sockets per key and per member are capped ({@code api.stream.maxPerKey},
 * {@code maxPerMember}).
 */
final class FiguresStream {

  static final Duration HEARTBEAT = Duration.ofSeconds(15);
  /** WebSocket close code: "try again later" (the subscriber fell behind). */
  private static final short TOO_SLOW = 1013;
  /** How long a dropped subscriber may take to close before its connection is cut. */
  private static final Duration CLOSE_GRACE = Duration.ofSeconds(2);
  /** WebSocket close code (application range): the key that opened the socket was revoked. */
  static final short KEY_REVOKED = 4001;
  /** WebSocket close code (application range): the socket reached its lifetime; open it again with a new ticket. */
  static final short LIFETIME_OVER = 4000;
  private static final Pattern PATH = Pattern.compile("/v1/providers/([1-9][0-9]{0,8})/stream");
  private static final String HEARTBEAT_MESSAGE = new JsonObject().put("type", "heartbeat").encode();

  private final Vertx vertx;
  private final StreamTickets tickets;
  private final ApiKeys keys;
  private final AddressLimiter addresses;
  private final FiguresCache figures;
  private final ZoneId zone;
  private final PulsoConfig.Stream limits;
  private final Map<Integer, Set<Subscriber>> subscribers = new HashMap<>();
  /** Open sockets (and those accepted, about to open) per key, for the cap and the revocation sweep. */
  private final Map<Long, Integer> perKey = new HashMap<>();
  /** Handshakes accepted whose socket is not open yet. */
  private int opening;
  private final Map<Integer, Runnable> unwatch = new HashMap<>();
  // Read by the meters' scrapes, on other threads than the event loop that changes the maps.
  private final AtomicInteger open = new AtomicInteger();
  private final AtomicInteger watched = new AtomicInteger();
  private final Counter dropped;
  private final Counter revokedClosed;
  private final Counter refused;
  private final long sweep;

  FiguresStream(Vertx vertx, StreamTickets tickets, ApiKeys keys, AddressLimiter addresses, FiguresCache figures,
                ZoneId zone, PulsoConfig.Stream limits, MeterRegistry registry) {
    this.vertx = vertx;
    this.addresses = addresses;
    this.tickets = tickets;
    this.keys = keys;
    this.figures = figures;
    this.zone = zone;
    this.limits = limits;
    Gauge.builder("pulso.api.stream.subscribers", open, AtomicInteger::get)
        .description("WebSocket subscribers connected to this member").register(registry);
    Gauge.builder("pulso.api.stream.providers", watched, AtomicInteger::get)
        .description("Providers whose changes this member fans out to WebSockets").register(registry);
    dropped = Counter.builder("pulso.api.stream.dropped")
        .description("WebSocket subscribers closed for not reading their messages").register(registry);
    revokedClosed = Counter.builder("pulso.api.stream.revoked")
        .description("WebSocket subscribers closed because their key was revoked").register(registry);
    refused = Counter.builder("pulso.api.stream.refused")
        .description("WebSocket handshakes refused at a cap of sockets per key or per member").register(registry);
    sweep = vertx.setPeriodic(ApiKeys.REMEMBERED.toMillis(), id -> closeRevoked());
  }

  /** Stops the revocation sweep (the server's sockets close with it). */
  void close() {
    vertx.cancelTimer(sweep);
  }

  /**
   * Every WebSocket upgrade of the server comes here (not through the router: the router's socket
   * wrapper would hide the connection that {@link Subscriber#cut} needs). Only the stream path with a
   * ticket of its provider, made by a key still valid, is accepted; the answer to any other is a
   * bare status (a browser's WebSocket sees no more than that): 404 another path, 401 no ticket, a
   * spent, expired or unknown one, or one whose key was revoked since, 403 a ticket of another
   * provider, 429 the key's sockets on this member at {@code maxPerKey} or the client's address past
   * its count of handshakes ({@link AddressLimiter}), 503 the member's at
   * {@code maxPerMember} or tickets or keys that cannot be read.
   */
  void handshake(ServerWebSocketHandshake handshake) {
    if (!addresses.count(addresses.address(handshake.headers(), handshake.remoteAddress()))) {
      handshake.reject(429);
      return;
    }
    Integer providerId = providerOf(handshake.path());
    if (providerId == null) {
      handshake.reject(404);
      return;
    }
    List<String> ticket = new QueryStringDecoder(handshake.uri()).parameters().getOrDefault("ticket", List.of());
    if (ticket.size() != 1 || ticket.get(0).isBlank()) {
      handshake.reject(401);
      return;
    }
    tickets.spend(ticket.get(0)).onComplete(spent -> {
      if (spent.failed()) {
        handshake.reject(503);
      } else if (spent.result().isEmpty()) {
        handshake.reject(401);
      } else if (spent.result().get().providerId() != providerId) {
        handshake.reject(403);
      } else {
        long keyId = spent.result().get().keyId();
        keys.active(List.of(keyId)).onComplete(active -> {
          if (active.failed()) {
            handshake.reject(503);
          } else if (active.result().isEmpty()) {
            handshake.reject(401);
          } else {
            admit(handshake, providerId, keyId);
          }
        });
      }
    });
  }

  /** Accepts the socket unless the key's or the member's sockets are at their cap. */
  private void admit(ServerWebSocketHandshake handshake, int providerId, long keyId) {
    boolean memberFull = open.get() + opening >= limits.maxPerMember();
    if (memberFull || perKey.getOrDefault(keyId, 0) >= limits.maxPerKey()) {
      refused.increment();
      handshake.reject(memberFull ? 503 : 429);
      return;
    }
    // Counted from now: handshakes racing this one see the place taken.
    opening++;
    perKey.merge(keyId, 1, Integer::sum);
    handshake.accept().onComplete(socket -> {
      opening--;
      if (socket.succeeded()) {
        stream(new Subscriber(socket.result(), providerId, keyId));
      } else {
        perKey.computeIfPresent(keyId, (key, count) -> count > 1 ? count - 1 : null);
      }
    });
  }

  /**
   * The server's handler of accepted WebSockets: nothing to do, {@link #admit} took the socket from
   * its handshake, which knows the key that opened it.
   */
  void open(ServerWebSocket socket) {
    // Taken by admit.
  }

  /** A plain GET of the stream's path: it is a WebSocket. */
  void notUpgraded(RoutingContext ctx) {
    ctx.fail(Problem.badRequest("a WebSocket: connect with 'Upgrade: websocket' and ?ticket= from"
        + " POST /v1/stream-tickets"));
  }

  private static Integer providerOf(String path) {
    Matcher matcher = PATH.matcher(path);
    return matcher.matches() ? Integer.valueOf(matcher.group(1)) : null;
  }

  /** One open WebSocket of a provider's hub; dropped once it fell behind, gone once it left for good. */
  private static final class Subscriber {
    final ServerWebSocket socket;
    final int providerId;
    final long keyId;
    long heartbeat;
    long lifetime;
    boolean dropped;
    boolean gone;

    Subscriber(ServerWebSocket socket, int providerId, long keyId) {
      this.socket = socket;
      this.providerId = providerId;
      this.keyId = keyId;
    }

    /**
     * Closes the TCP connection without the close handshake. Vert.x has no public call for it (its
     * close waits for the close frame to be written, behind the backlog), and then does not call
     * the close handler: through its internal WebSocket interface, the channel itself.
     */
    void cut() {
      if (socket instanceof WebSocketInternal internal) {
        internal.channelHandlerContext().channel().close();
      }
    }
  }

  /**
   * One watch of the provider's changes per member ({@link FiguresCache#watch}, which drops the
   * cached days first, so today's totals are fresh): each change is read once and the same message
   * goes to every socket.
   */
  private void stream(Subscriber subscriber) {
    Set<Subscriber> hub = subscribers.computeIfAbsent(subscriber.providerId, id -> {
      unwatch.put(id, figures.watch(id, change -> broadcast(id, change)));
      watched.incrementAndGet();
      return new LinkedHashSet<>();
    });
    hub.add(subscriber);
    open.incrementAndGet();
    subscriber.heartbeat = vertx.setPeriodic(HEARTBEAT.toMillis(), id -> send(subscriber, HEARTBEAT_MESSAGE));
    subscriber.lifetime = vertx.setTimer(limits.maxLifetime().toMillis(), id -> close(subscriber, LIFETIME_OVER,
        "the stream's lifetime is over: open it again with a new ticket"));
    subscriber.socket.closeHandler(closed -> leave(subscriber));
    send(subscriber, new JsonObject().put("type", "hello").put("providerId", subscriber.providerId).encode());
  }

  /** Releases what a subscriber holds (once): its heartbeat, its place, and the last one its provider's watch. */
  private void leave(Subscriber subscriber) {
    if (subscriber.gone) {
      return;
    }
    subscriber.gone = true;
    vertx.cancelTimer(subscriber.heartbeat);
    vertx.cancelTimer(subscriber.lifetime);
    open.decrementAndGet();
    perKey.computeIfPresent(subscriber.keyId, (key, count) -> count > 1 ? count - 1 : null);
    Set<Subscriber> hub = subscribers.get(subscriber.providerId);
    if (hub != null && hub.remove(subscriber) && hub.isEmpty()) {
      subscribers.remove(subscriber.providerId);
      unwatch.remove(subscriber.providerId).run();
      watched.decrementAndGet();
    }
  }

  /**
   * Closes the sockets of keys revoked since they opened: one look at the keys of every open socket
   * of this member. Keys that cannot be read now are looked at again next time.
   */
  private void closeRevoked() {
    if (perKey.isEmpty()) {
      return;
    }
    keys.active(List.copyOf(perKey.keySet())).onSuccess(active -> {
      for (Set<Subscriber> hub : List.copyOf(subscribers.values())) {
        for (Subscriber subscriber : List.copyOf(hub)) {
          if (!active.contains(subscriber.keyId) && !subscriber.gone) {
            revokedClosed.increment();
            close(subscriber, KEY_REVOKED, "the API key of this stream was revoked");
          }
        }
      }
    });
  }

  /**
   * Closes a subscriber's socket with {@code code}. It leaves at once: a client that does not answer
   * the close frame keeps nothing of the stream, and its connection is cut after {@link #CLOSE_GRACE}.
   */
  private void close(Subscriber subscriber, short code, String reason) {
    if (subscriber.gone) {
      return;
    }
    subscriber.socket.close(code, reason);
    leave(subscriber);
    vertx.setTimer(CLOSE_GRACE.toMillis(), id -> {
      if (!subscriber.socket.isClosed()) {
        subscriber.cut();
      }
    });
  }

  private void broadcast(int providerId, JsonObject change) {
    LocalDate today = LocalDate.now(zone);
    figures.dayTotal(providerId, today).onComplete(total -> {
      JsonObject out = new JsonObject().put("type", "change").put("change", change);
      if (total.succeeded()) {
        out.put("today", new JsonObject().put("date", today.toString())
            .put("transactions", total.result().transactions())
            .put("totalAmount", total.result().amount().toPlainString()));
      }
      String message = out.encode();
      for (Subscriber subscriber : List.copyOf(subscribers.getOrDefault(providerId, Set.of()))) {
        send(subscriber, message);
      }
    });
  }

  /**
   * Writes to a subscriber. One whose write queue is full is dropped: sent a close frame, and as a
   * reader that stopped reads no close frame either (it waits behind the backlog), its connection
   * is cut after {@link #CLOSE_GRACE} and what it held released.
   */
  private void send(Subscriber subscriber, String message) {
    if (subscriber.dropped || subscriber.gone) {
      return;
    }
    if (subscriber.socket.writeQueueFull()) {
      subscriber.dropped = true;
      dropped.increment();
      subscriber.socket.close(TOO_SLOW, "too slow: messages were not read");
      vertx.setTimer(CLOSE_GRACE.toMillis(), id -> {
        if (!subscriber.gone) {
          subscriber.cut();
          leave(subscriber);
        }
      });
      return;
    }
    subscriber.socket.writeTextMessage(message);
  }
}
