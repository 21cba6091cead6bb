package com.pulso.api;

import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/** Reading and checking request parameters: a bad one is a 400 that names it. */
final class Parameters {

  private static final int MAX_ID_DIGITS = 18;
  // Compiled once: String.matches compiles its pattern on every call, a measurable share of a cached answer.
  private static final Pattern ID = Pattern.compile("[0-9]{1," + MAX_ID_DIGITS + "}");
  private static final Pattern DATE = Pattern.compile("[0-9]{4}-[0-9]{2}-[0-9]{2}");

  private Parameters() {}

  /** Refuses any query parameter not in {@code allowed}, and any given twice. */
  static void only(RoutingContext ctx, Set<String> allowed) {
    for (String name : ctx.queryParams().names()) {
      if (!allowed.contains(name)) {
        throw Problem.badRequest("unknown query parameter '" + shorten(name) + "' (allowed: " + allowed.stream().sorted()
            .toList() + ")");
      }
      if (ctx.queryParams().getAll(name).size() > 1) {
        throw Problem.badRequest("query parameter '" + name + "' given more than once");
      }
    }
  }

  /** A positive id in the path. */
  static int pathId(RoutingContext ctx, String name) {
    return (int) id(ctx.pathParam(name), name, Integer.MAX_VALUE);
  }

  /** A positive id, at most {@code max}. */
  static long id(String text, String name, long max) {
    if (text == null || !ID.matcher(text).matches()) {
      throw Problem.badRequest(name + " must be a positive whole number, not '" + shorten(String.valueOf(text)) + "'");
    }
    long value = Long.parseLong(text);
    if (value < 1 || value > max) {
      throw Problem.badRequest(name + " must be between 1 and " + max + ", not " + value);
    }
    return value;
  }

  /** A date {@code YYYY-MM-DD}, required. */
  static LocalDate date(RoutingContext ctx, String name) {
    String text = ctx.queryParams().get(name);
    if (text == null) {
      throw Problem.badRequest("query parameter '" + name + "' (a date, YYYY-MM-DD) is required");
    }
    try {
      if (!DATE.matcher(text).matches()) {
        throw new DateTimeException("not YYYY-MM-DD");
      }
      // Read by hand: LocalDate.parse's formatter machinery showed in the profile of a cached answer.
      LocalDate date = LocalDate.of(Integer.parseInt(text, 0, 4, 10), Integer.parseInt(text, 5, 7, 10),
          Integer.parseInt(text, 8, 10, 10));
      DateWindow window = ctx.get(DateWindow.KEY);
      if (window != null) {
        window.check(name, date);
      }
      return date;
    } catch (DateTimeException e) {
      throw Problem.badRequest(name + " must be a date YYYY-MM-DD, not '" + shorten(text) + "'");
    }
  }

  /**
   * The days a request may name: from {@code historyDays} before today up to today (business zone).
   * A day outside has no figures, and asking for it would still cost reads of DynamoDB and S3.
   * Put into each {@code /v1} request's context by the API's router.
   */
  record DateWindow(ZoneId zone, Clock clock, int historyDays) {
    static final String KEY = "pulso.dateWindow";

    void check(String name, LocalDate date) {
      LocalDate today = LocalDate.now(clock.withZone(zone));
      if (date.isAfter(today)) {
        throw Problem.badRequest(name + " " + date + " is after today (" + today + ", business zone " + zone + ")");
      }
      LocalDate oldest = today.minusDays(historyDays);
      if (date.isBefore(oldest)) {
        throw Problem.badRequest(name + " " + date + " is before " + oldest + ", the oldest day kept (api.historyDays)");
      }
    }
  }

  /** A range of business days, both ends included. */
  record Range(LocalDate from, LocalDate to) {
    List<LocalDate> days() {
      return from.datesUntil(to.plusDays(1)).toList();
    }
  }

  /** {@code from} and {@code to}, both required, {@code from} not after {@code to}, at most {@code maxDays} days. */
  static Range range(RoutingContext ctx, int maxDays) {
    LocalDate from = date(ctx, "from");
    LocalDate to = date(ctx, "to");
    if (from.isAfter(to)) {
      throw Problem.badRequest("from (" + from + ") is after to (" + to + ")");
    }
    long days = ChronoUnit.DAYS.between(from, to) + 1;
    if (days > maxDays) {
      throw Problem.badRequest("from " + from + " to " + to + " spans " + days + " days; at most " + maxDays);
    }
    return new Range(from, to);
  }

  /** An optional whole number from 1 to {@code max}; {@code fallback} when absent. */
  static int limit(RoutingContext ctx, String name, int fallback, int max) {
    String text = ctx.queryParams().get(name);
    return text == null ? fallback : (int) id(text, name, max);
  }

  /** Echoed values are cut short: an answer never carries a huge or hostile input back whole. */
  private static String shorten(String text) {
    return text.length() <= 40 ? text : text.substring(0, 40) + "…";
  }
}
