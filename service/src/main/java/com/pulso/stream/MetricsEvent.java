package com.pulso.stream;

import com.pulso.aggregate.MetricItem.ClientDay;
import com.pulso.aggregate.MetricsChanged;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The one home of the event published on {@code pulso.metrics.<providerId>} once a batch's effects
 * are applied: which of the provider's figures changed, for caches to drop and dashboards to reload.
 * Days and minutes are local to the business zone.
 *
 * <pre>{@code
 * {"providerId":1,"days":["2026-11-29"],"clients":{"2026-11-29":[100001,100007]},"minutes":["2026-11-29T08:59"]}
 * }</pre>
 */
public final class MetricsEvent {

  public static final String ADDRESS_PREFIX = "pulso.metrics.";

  private MetricsEvent() {}

  /** The event bus address of one provider's events. */
  public static String address(int providerId) {
    return ADDRESS_PREFIX + providerId;
  }

  public static JsonObject toJson(MetricsChanged changed) {
    Map<LocalDate, Set<Long>> clients = new TreeMap<>();
    for (ClientDay clientDay : changed.clientDays()) {
      clients.computeIfAbsent(clientDay.day(), day -> new TreeSet<>()).add(clientDay.clientId());
    }
    JsonObject clientsJson = new JsonObject();
    clients.forEach((day, ids) -> clientsJson.put(day.toString(), new JsonArray(ids.stream().map(Object.class::cast).toList())));
    return new JsonObject()
        .put("providerId", changed.providerId())
        .put("days", new JsonArray(new TreeSet<>(changed.days()).stream().map(LocalDate::toString).map(Object.class::cast).toList()))
        .put("clients", clientsJson)
        .put("minutes", new JsonArray(new TreeSet<>(changed.minutes()).stream().map(LocalDateTime::toString)
            .map(Object.class::cast).toList()));
  }

  /** @throws IllegalArgumentException when the JSON is not such an event */
  public static MetricsChanged fromJson(JsonObject json) {
    try {
      int providerId = json.getInteger("providerId");
      Set<LocalDate> days = new HashSet<>();
      json.getJsonArray("days").forEach(day -> days.add(LocalDate.parse((String) day)));
      Set<ClientDay> clientDays = new HashSet<>();
      JsonObject clients = json.getJsonObject("clients");
      for (String day : clients.fieldNames()) {
        LocalDate date = LocalDate.parse(day);
        clients.getJsonArray(day).forEach(id -> clientDays.add(new ClientDay(providerId, date, ((Number) id).longValue())));
      }
      Set<LocalDateTime> minutes = new HashSet<>();
      json.getJsonArray("minutes").forEach(minute -> minutes.add(LocalDateTime.parse((String) minute)));
      return new MetricsChanged(providerId, days, clientDays, minutes);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("not a metrics event: " + json.encode() + " (" + e + ")", e);
    }
  }
}
