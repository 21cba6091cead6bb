package com.pulso.observability;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.CheckResult;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The readiness checks of a member, one per dependency (PostgreSQL, Kinesis, DynamoDB, S3, the
 * cluster). A probe is any cheap call that succeeds when the dependency serves; its failure message
 * becomes the check's reason. While the member drains on shutdown it reports not ready. A round of
 * checks is reused for {@link #REUSED}.
 */
public final class Readiness {

  private static final long CHECK_TIMEOUT_MS = 3_000;
  /**
   * How long one round of checks answers every caller: however often probes, load balancers or
   * anyone else ask, the dependencies are called at most once per this time.
   */
  static final Duration REUSED = Duration.ofSeconds(1);

  private final Map<String, Supplier<Future<?>>> probes = new LinkedHashMap<>();
  private volatile boolean draining;
  private HealthChecks checks;
  private Future<CheckResult> last;
  private long lastAt;

  public Readiness probe(String dependency, Supplier<Future<?>> probe) {
    probes.put(dependency, probe);
    return this;
  }

  /** From now on the member answers not ready, so load balancers stop sending it traffic. */
  public void drain() {
    draining = true;
  }

  /** The member's readiness: the last round of checks if it began within {@link #REUSED}, else a new one. */
  public synchronized Future<CheckResult> status(Vertx vertx) {
    if (checks == null) {
      checks = checks(vertx);
    }
    long now = System.nanoTime();
    if (last == null || now - lastAt > REUSED.toNanos()) {
      last = checks.checkStatus();
      lastAt = now;
    }
    return last;
  }

  private HealthChecks checks(Vertx vertx) {
    HealthChecks checks = HealthChecks.create(vertx);
    probes.forEach((name, probe) -> checks.register(name, CHECK_TIMEOUT_MS, promise -> {
      Future<?> result;
      try {
        result = probe.get();
      } catch (RuntimeException e) {
        result = Future.failedFuture(e);
      }
      result.onComplete(
          ok -> promise.tryComplete(Status.OK()),
          err -> promise.tryComplete(Status.KO(new JsonObject().put("reason", String.valueOf(err.getMessage())))));
    }));
    checks.register("member", promise -> promise.complete(
        draining ? Status.KO(new JsonObject().put("reason", "shutting down")) : Status.OK()));
    return checks;
  }
}
