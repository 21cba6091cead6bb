package com.pulso.batch;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.LocalDate;
import java.util.List;

/**
 * The event a finished nightly run publishes on {@link #ADDRESS}, once per provider: the days whose
 * reports were (re)written, so every member's caches drop what they hold of them.
 */
public record ReportsReady(int providerId, List<LocalDate> days) {

  public static final String ADDRESS = "pulso.reports.ready";

  public ReportsReady {
    days = List.copyOf(days);
  }

  public JsonObject toJson() {
    JsonArray dates = new JsonArray();
    days.forEach(day -> dates.add(day.toString()));
    return new JsonObject().put("providerId", providerId).put("days", dates);
  }

  public static ReportsReady fromJson(JsonObject json) {
    return new ReportsReady(json.getInteger("providerId"),
        json.getJsonArray("days").stream().map(day -> LocalDate.parse((String) day)).toList());
  }
}
