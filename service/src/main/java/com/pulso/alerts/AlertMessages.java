package com.pulso.alerts;

import com.pulso.alerts.AlertState.Event;
import com.pulso.alerts.AlertStore.Notification;
import com.pulso.config.PulsoConfig;
import com.pulso.config.PulsoConfig.AlertRule;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/** What a notification says: a subject for a pager's one line, and a body a person can act on. */
final class AlertMessages {

  /** SNS refuses a longer subject. */
  private static final int MAX_SUBJECT = 100;

  private AlertMessages() {}

  static Notification notification(PulsoConfig config, AlertRule rule, Event event, String topic, AlertState state,
                                   Instant now) {
    String kind = event.name().toLowerCase(Locale.ROOT);
    String figure = figure(rule.signal(), state.value());
    String condition = (rule.above() ? "above " : "below ") + figure(rule.signal(), rule.threshold());
    String subject = "[Pulso " + config.cluster().name() + " " + rule.severity().toUpperCase(Locale.ROOT) + "] "
        + rule.name() + " " + kind + ": " + rule.signal().key() + " " + figure + ", " + condition;
    if (subject.length() > MAX_SUBJECT) {
      subject = subject.substring(0, MAX_SUBJECT - 1) + "…";
    }
    StringBuilder message = new StringBuilder()
        .append("Pulso alert ").append(rule.name()).append(' ').append(kind.toUpperCase(Locale.ROOT))
        .append(" (").append(rule.severity()).append(")\n")
        .append("What: ").append(rule.signal().key()).append(' ').append(condition)
        .append(rule.window().isZero() ? "" : " over " + duration(rule.window()))
        .append(rule.forDuration().isZero() ? "" : " for " + duration(rule.forDuration())).append('\n')
        .append("Figure: ").append(figure).append('\n')
        .append("Where: cluster ").append(config.cluster().name())
        .append(state.detail() == null ? "" : ", " + state.detail().encode()).append('\n')
        .append("Since: ").append(state.firedAt() == null ? now : state.firedAt())
        .append(event == Event.RESOLVED ? ", resolved " + now : "").append('\n')
        .append("Runbook: ").append(rule.signal().runbook()).append(" (docs/operations.md, \"")
        .append(rule.name()).append("\")\n");
    return new Notification(0, rule.name(), kind, topic, rule.severity(), subject, message.toString(), 0);
  }

  private static String figure(Signal signal, Double value) {
    if (value == null || value.isNaN()) {
      return "n/a";
    }
    String number = value == Math.rint(value) && Math.abs(value) < 1e15 ? Long.toString(value.longValue())
        : String.format(Locale.ROOT, "%.3f", value);
    return signal.unit().isEmpty() ? number : number + " " + signal.unit();
  }

  private static String duration(Duration duration) {
    long seconds = duration.toSeconds();
    return seconds % 60 == 0 ? seconds / 60 + " min" : seconds + " s";
  }
}
