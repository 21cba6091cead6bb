package com.pulso.api;

import io.vertx.core.Vertx;
import io.vertx.core.http.ServerWebSocket;
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

  private final Vertx vertx;
  private final StreamTickets tickets;
  private final FiguresCache figures;
  private final ZoneId zone;
  private final Map<Integer, Set<ServerWebSocket>> subscribers = new HashMap<>();
  private final Map<Integer, Runnable> unwatch = new HashMap<>();

  FiguresStream(Vertx vertx, StreamTickets tickets, FiguresCache figures, ZoneId zone) {
    this.vertx = vertx;
    this.tickets = tickets;
    this.figures = figures;
    this.zone = zone;
  }

  void handle(RoutingContext ctx) {
    int providerId = Parameters.pathId(ctx, "providerId");
    String ticket = ctx.queryParams().get("ticket");
    if (ticket == null || ticket.isBlank()) {
      throw new Problem(401, "no ticket: get one with POST /v1/stream-tickets and pass it as ?ticket=");
    }
    // Paused while the ticket is looked up: the upgrade must find the request unread.
    ctx.request().pause();
    tickets.spend(ticket).onComplete(spent -> {
      if (spent.failed()) {
        ctx.fail(spent.cause());
      } else if (spent.result() == null) {
        ctx.fail(new Problem(401, "unknown, expired or used ticket"));
      } else if (spent.result() != providerId) {
        ctx.fail(new Problem(403, "this ticket is for provider " + spent.result() + "'s stream"));
      } else {
        ctx.request().toWebSocket().onSuccess(socket -> stream(socket, providerId)).onFailure(ctx::fail);
      }
    });
  }

  /**
   * One watch of the provider's changes per member ({@link FiguresCache#watch}, which drops the
   * cached days first, so today's totals are fresh): each change is read once and the same message
   * goes to every socket.
   */
  private void stream(ServerWebSocket socket, int providerId) {
    Set<ServerWebSocket> sockets = subscribers.computeIfAbsent(providerId, id -> {
      unwatch.put(id, figures.watch(id, change -> broadcast(id, change)));
      return new LinkedHashSet<>();
    });
    sockets.add(socket);
    long heartbeat = vertx.setPeriodic(HEARTBEAT.toMillis(), id -> send(socket, new JsonObject().put("type", "heartbeat")));
    socket.closeHandler(closed -> {
      vertx.cancelTimer(heartbeat);
      sockets.remove(socket);
      if (sockets.isEmpty()) {
        subscribers.remove(providerId);
        unwatch.remove(providerId).run();
      }
    });
    send(socket, new JsonObject().put("type", "hello").put("providerId", providerId));
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
      for (ServerWebSocket socket : List.copyOf(subscribers.getOrDefault(providerId, Set.of()))) {
        send(socket, out);
      }
    });
  }

  private static void send(ServerWebSocket socket, JsonObject message) {
    if (socket.isClosed()) {
      return;
    }
    if (socket.writeQueueFull()) {
      socket.close(TOO_SLOW, "too slow: messages were not read");
      return;
    }
    socket.writeTextMessage(message.encode());
  }
}
