package com.pulso.observability;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.time.Duration;

/**
 * Measures how late a periodic timer fires on its event loop: a blocked or overloaded event loop
 * shows up as delay. Deploy one instance per event loop (Vert.x assigns them round-robin).
 */
public final class EventLoopDelayProbe extends VerticleBase {

  private static final long PERIOD_MS = 100;

  private final MeterRegistry registry;
  private long timerId;

  public EventLoopDelayProbe(MeterRegistry registry) {
    this.registry = registry;
  }

  @Override
  public Future<?> start() {
    Timer delay = Timer.builder("pulso.eventloop.delay")
        .description("How late a 100 ms timer fires on this event loop")
        .tag("thread", Thread.currentThread().getName())
        .publishPercentileHistogram()
        .maximumExpectedValue(Duration.ofSeconds(10))
        .register(registry);
    long[] expected = {System.nanoTime() + PERIOD_MS * 1_000_000};
    timerId = vertx.setPeriodic(PERIOD_MS, id -> {
      long now = System.nanoTime();
      delay.record(Duration.ofNanos(Math.max(0, now - expected[0])));
      expected[0] = now + PERIOD_MS * 1_000_000;
    });
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timerId);
    return Future.succeededFuture();
  }
}
