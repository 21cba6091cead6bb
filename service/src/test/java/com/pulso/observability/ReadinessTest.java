package com.pulso.observability;

import static com.pulso.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.healthchecks.CheckResult;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Readiness answers any number of callers from one round of dependency checks per second. */
class ReadinessTest {

  @Test
  void manyCallersWithinASecondCostOneRoundOfChecks() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      AtomicInteger calls = new AtomicInteger();
      Readiness readiness = new Readiness().probe("database", () -> {
        calls.incrementAndGet();
        return Future.succeededFuture();
      });
      long start = System.nanoTime();
      for (int i = 0; i < 200; i++) {
        assertThat(CheckResult.isUp(await(readiness.status(vertx)))).isTrue();
      }
      long seconds = (System.nanoTime() - start) / 1_000_000_000L;

      assertThat(calls.get()).isBetween(1, (int) seconds + 2);
      Thread.sleep(Readiness.REUSED.toMillis() + 100);
      await(readiness.status(vertx));
      assertThat(calls.get()).as("a round older than the reuse bound is not reused").isGreaterThan(1);

      readiness.drain();
      Thread.sleep(Readiness.REUSED.toMillis() + 100);
      assertThat(CheckResult.isUp(await(readiness.status(vertx)))).as("draining").isFalse();
    } finally {
      await(vertx.close());
    }
  }
}
