package com.pulso.api;

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
 */
final class FiguresStream {

  static final Duration HEARTBEAT = Duration.ofSeconds(15);
  /** WebSocket close code: "try again later" (the subscriber fell behind). */
  private static final short TOO_SLOW = 1013;
  /** How long a dropped subscriber may take to close before its connection is cut. */
  private static final Duration CLOSE_GRACE = Duration.ofSeconds(2);
  private static final Pattern PATH = Pattern.compile("/v1/providers/([1-9][0-9]{0,8})/stream");
  private static final String HEARTBEAT_MESSAGE = new JsonObject().put("type", "heartbeat").encode();

  private final Vertx vertx;
  private final StreamTickets tickets;
  private final FiguresCache figures;
  private final ZoneId zone;
  private final Map<Integer, Set<Subscriber>> subscribers = new HashMap<>();
  private final Map<Integer, Runnable> unwatch = new HashMap<>();
  // Read by the meters' scrapes, on other threads than the event loop that changes the maps.
  private final AtomicInteger open = new AtomicInteger();
  private final AtomicInteger watched = new AtomicInteger();
  private final Counter dropped;

  FiguresStream(Vertx vertx, StreamTickets tickets, FiguresCache figures, ZoneId zone, MeterRegistry registry) {
    this.vertx = vertx;
    this.tickets = tickets;
    this.figures = figures;
    this.zone = zone;
    Gauge.builder("pulso.api.stream.subscribers", open, AtomicInteger::get)
        .description("WebSocket subscribers connected to this member").register(registry);
    Gauge.builder("pulso.api.stream.providers", watched, AtomicInteger::get)
        .description("Providers whose changes this member fans out to WebSockets").register(registry);
    dropped = Counter.builder("pulso.api.stream.dropped")
        .description("WebSocket subscribers closed for not reading their messages").register(registry);
  }

  /**
   * Every WebSocket upgrade of the server comes here first (not through the router: the router's
   * socket wrapper would hide the connection that {@link Subscriber#cut} needs). Only the stream
   * path with a ticket of its provider is accepted; the answer to any other is a bare status (a
   * browser's WebSocket sees no more than that): 404 another path, 401 no ticket or a spent,
   * expired or unknown one, 403 a ticket of another provider, 503 when tickets cannot be read.
   */
  void handshake(ServerWebSocketHandshake handshake) {
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
      } else if (spent.result() == null) {
        handshake.reject(401);
      } else if (spent.result().intValue() != providerId) {
        handshake.reject(403);
      } else {
        handshake.accept();
      }
    });
  }

  /** An accepted WebSocket (its path checked by {@link #handshake}). */
  void open(ServerWebSocket socket) {
    stream(new Subscriber(socket, providerOf(socket.path())));
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
    long heartbeat;
    boolean dropped;
    boolean gone;

    Subscriber(ServerWebSocket socket, int providerId) {
      this.socket = socket;
      this.providerId = providerId;
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
    open.decrementAndGet();
    Set<Subscriber> hub = subscribers.get(subscriber.providerId);
    if (hub != null && hub.remove(subscriber) && hub.isEmpty()) {
      subscribers.remove(subscriber.providerId);
      unwatch.remove(subscriber.providerId).run();
      watched.decrementAndGet();
    }
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
