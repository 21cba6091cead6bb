package com.pulso.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import com.pulso.alerts.AlertState.Event;
import com.pulso.alerts.AlertState.Status;
import com.pulso.config.PulsoConfig.AlertRule;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A rule's state machine: when it fires, escalates, reminds and resolves, and that nothing else notifies. */
class AlertStateTest {

  private static final Instant T0 = Instant.parse("2026-12-05T10:00:00Z");
  private static final Duration ESCALATE = Duration.ofMinutes(15);
  private static final Duration RENOTIFY = Duration.ofMinutes(60);
  private static final AlertRule LAG = new AlertRule("consumerLag", Signal.CONSUMER_LAG, true, 60,
      Duration.ZERO, Duration.ofSeconds(60), Duration.ofSeconds(30), "critical");

  /** Feeds one figure per 10 s from T0 (null: no data); answers the events at each tick that had some. */
  private static List<String> run(AlertRule rule, Double... figures) {
    AlertState state = AlertState.initial(rule);
    List<String> said = new ArrayList<>();
    for (int i = 0; i < figures.length; i++) {
      AlertState.Step step = state.judge(rule, figures[i], null, T0.plusSeconds(10L * i), ESCALATE, RENOTIFY);
      state = step.state();
      for (Event event : step.events()) {
        said.add(10 * i + "s " + event);
      }
    }
    return said;
  }

  @Test
  void firesOnceTheConditionHeldForItsDurationAndResolvesOnceGoneForTheClearDuration() {
    assertThat(run(LAG, 10.0, 61.0, 70.0, 80.0, 90.0, 95.0, 99.0, 99.0, 20.0, 20.0, 20.0, 20.0, 20.0))
        // Breaching from 10 s, held 60 s at 70 s; gone from 80 s, cleared 30 s later.
        .containsExactly("70s FIRED", "110s RESOLVED");
  }

  @Test
  void aBlipShorterThanTheDurationNeverFiresAndAReturnWhileResolvingKeepsOneIncident() {
    assertThat(run(LAG, 61.0, 61.0, 61.0, 10.0, 61.0, 61.0)).isEmpty();
    // Firing at 60 s; gone at 70 s, back at 80 s before the clear time: the same incident, not a new one.
    assertThat(run(LAG, 61.0, 61.0, 61.0, 61.0, 61.0, 61.0, 61.0, 10.0, 61.0, 61.0, 10.0, 10.0, 10.0, 10.0))
        .containsExactly("60s FIRED", "130s RESOLVED");
  }

  @Test
  void noDataNeitherFiresNorResolvesAndNotApplyingResolves() {
    assertThat(run(LAG, null, null, null, null, null, null, null, null)).isEmpty();
    // Firing at 60 s, then the members with the figure go silent: the alert stays until a figure clears it.
    assertThat(run(LAG, 61.0, 61.0, 61.0, 61.0, 61.0, 61.0, 61.0, null, null, null, null, null, 10.0, 10.0, 10.0, 10.0))
        .containsExactly("60s FIRED", "150s RESOLVED");
    assertThat(AlertState.breaches(LAG, Double.NaN)).isFalse();
  }

  @Test
  void aRuleWithoutDurationsFiresAndResolvesAtOnceAndBelowRulesCompareDownwards() {
    AlertRule deadLetters = new AlertRule("deadLetters", Signal.DEAD_LETTERS, true, 0, Duration.ofSeconds(60),
        Duration.ZERO, Duration.ZERO, "warning");
    assertThat(run(deadLetters, 0.0, 1.0, 1.0, 0.0)).containsExactly("10s FIRED", "30s RESOLVED");
    AlertRule noSales = new AlertRule("noSales", Signal.SALES_CAPTURED, false, 1, Duration.ofMinutes(15), Duration.ZERO,
        Duration.ZERO, "critical");
    assertThat(run(noSales, 5.0, 0.0, null, 3.0)).containsExactly("10s FIRED", "30s RESOLVED");
    // Outside business hours the rule does not apply (NaN): a firing one resolves.
    assertThat(run(noSales, 0.0, Double.NaN)).containsExactly("0s FIRED", "10s RESOLVED");
  }

  @Test
  void aLongIncidentIsEscalatedOnceThenRemindedAtTheRenotifyInterval() {
    AlertRule now = new AlertRule("consumerLag", Signal.CONSUMER_LAG, true, 60, Duration.ZERO, Duration.ZERO,
        Duration.ZERO, "critical");
    AlertState state = AlertState.initial(now);
    List<String> said = new ArrayList<>();
    for (int minute = 0; minute <= 140; minute++) {
      AlertState.Step step = state.judge(now, 100.0, null, T0.plus(Duration.ofMinutes(minute)), ESCALATE, RENOTIFY);
      state = step.state();
      step.events().forEach(event -> said.add(event.name()));
      if (!step.events().isEmpty()) {
        said.add("@" + minute);
      }
    }
    assertThat(said).containsExactly("FIRED", "@0", "ESCALATED", "@15", "REMINDED", "@75", "REMINDED", "@135");
    assertThat(state.status()).isEqualTo(Status.FIRING);
    assertThat(state.value()).isEqualTo(100.0);
  }
}
