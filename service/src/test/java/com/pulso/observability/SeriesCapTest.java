package com.pulso.observability;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import org.junit.jupiter.api.Test;

/** The member's registry keeps a bounded number of series per meter name, whatever tags come in. */
class SeriesCapTest {

  @Test
  void aMeterNameHoldsAtMostItsCapOfSeriesAndTheFirstOnesKeepCounting() {
    Metrics metrics = new Metrics();
    for (int i = 0; i < Metrics.MAX_SERIES_PER_NAME + 500; i++) {
      Counter.builder("pulso.test.tagged").tag("token", "X" + i).register(metrics.registry()).increment();
    }
    Counter.builder("pulso.test.tagged").tag("token", "X0").register(metrics.registry()).increment();

    assertThat(metrics.registry().find("pulso.test.tagged").counters()).hasSize(Metrics.MAX_SERIES_PER_NAME);
    assertThat(metrics.registry().get("pulso.test.tagged").tag("token", "X0").counter().count()).isEqualTo(2.0);
    // Another name has its own room.
    Counter.builder("pulso.test.other").tag("token", "X1").register(metrics.registry()).increment();
    assertThat(metrics.registry().find("pulso.test.other").counters()).hasSize(1);
  }
}
