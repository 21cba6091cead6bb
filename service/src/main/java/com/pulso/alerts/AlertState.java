package com.pulso.alerts;

import com.pulso.config.PulsoConfig.AlertRule;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Where one rule stands, and how a new figure moves it: ok → pending (the condition holds) → firing
 * (it held {@code for}) → resolving (it stopped) → ok (it stayed gone {@code clear}); a firing alert is
 * escalated once {@code escalateAfter} old, then reminded every {@code renotify}. Pure: the evaluator
 * persists the result and notifies its events.
 *
 * @param value  the latest figure (null: none yet)
 * @param detail what goes with the figure (the worst member or shard, example clients)
 */
public record AlertState(String rule, Status status, Instant conditionSince, Instant firedAt, Instant escalatedAt,
                         Instant notifiedAt, Double value, double threshold, JsonObject detail, long version) {

  public enum Status { OK, PENDING, FIRING, RESOLVING }

  /** What an alert tells people. */
  public enum Event { FIRED, ESCALATED, REMINDED, RESOLVED }

  /** The state after a judgement, and the events it notifies. */
  public record Step(AlertState state, List<Event> events) {}

  public static AlertState initial(AlertRule rule) {
    return new AlertState(rule.name(), Status.OK, null, null, null, null, null, rule.threshold(), null, 0);
  }

  /** Whether {@code value} breaks the rule (no data never does). */
  public static boolean breaches(AlertRule rule, Double value) {
    return value != null && !value.isNaN() && (rule.above() ? value > rule.threshold() : value < rule.threshold());
  }

  /**
   * Judges the rule's new figure at {@code now}. No figure (null: the members that would have it are silent)
   * changes nothing: an alert must not resolve because what it watches went away. {@code NaN} says the rule
   * does not apply now (sales outside business hours): it does not breach.
   */
  public Step judge(AlertRule rule, Double figure, JsonObject figureDetail, Instant now, Duration escalateAfter,
                    Duration renotify) {
    if (figure == null) {
      return new Step(this, List.of());
    }
    boolean breach = breaches(rule, figure);
    List<Event> events = new ArrayList<>();
    AlertState next = switch (status) {
      case OK -> !breach ? this
          : rule.forDuration().isZero() ? fire(now, events) : with(Status.PENDING, now);
      case PENDING -> !breach ? with(Status.OK, null)
          : held(conditionSince, now, rule.forDuration()) ? fire(now, events) : this;
      case FIRING -> {
        if (!breach) {
          yield rule.clearDuration().isZero() ? resolve(events) : with(Status.RESOLVING, now);
        }
        if (escalatedAt == null && held(firedAt, now, escalateAfter)) {
          events.add(Event.ESCALATED);
          yield new AlertState(rule.name(), Status.FIRING, conditionSince, firedAt, now, now, value, threshold, detail,
              version);
        }
        if (escalatedAt != null && held(notifiedAt, now, renotify)) {
          events.add(Event.REMINDED);
          yield new AlertState(rule.name(), Status.FIRING, conditionSince, firedAt, escalatedAt, now, value, threshold,
              detail, version);
        }
        yield this;
      }
      case RESOLVING -> breach ? with(Status.FIRING, null)
          : held(conditionSince, now, rule.clearDuration()) ? resolve(events) : this;
    };
    // The figure while it matters (breaching, or on its way back); an ok rule keeps its last alert's.
    boolean keepFigure = next.status != Status.OK || !events.isEmpty();
    return new Step(keepFigure ? next.withFigure(figure, figureDetail, rule.threshold()) : next, List.copyOf(events));
  }

  private AlertState fire(Instant now, List<Event> events) {
    events.add(Event.FIRED);
    return new AlertState(rule, Status.FIRING, null, now, null, now, value, threshold, detail, version);
  }

  private AlertState resolve(List<Event> events) {
    events.add(Event.RESOLVED);
    return new AlertState(rule, Status.OK, null, firedAt, escalatedAt, notifiedAt, value, threshold, detail, version);
  }

  private AlertState with(Status changed, Instant since) {
    return new AlertState(rule, changed, since, firedAt, escalatedAt, notifiedAt, value, threshold, detail, version);
  }

  private AlertState withFigure(Double figure, JsonObject figureDetail, double ruleThreshold) {
    return new AlertState(rule, status, conditionSince, firedAt, escalatedAt, notifiedAt, figure, ruleThreshold,
        figureDetail, version);
  }

  private static boolean held(Instant since, Instant now, Duration duration) {
    return since != null && !now.isBefore(since.plus(duration));
  }
}
