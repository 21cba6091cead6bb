package com.pulso.testing;

import io.vertx.core.Future;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Waits of the tests, from a test thread (never an event loop). Every bound only stops a stuck test:
 * it is generous for a loaded machine and never a claim about how fast something is.
 */
public final class Await {

  /** The bound of {@link #await(Future)}: an answer this late means no answer is coming. */
  public static final Duration LIVENESS = Duration.ofSeconds(120);
  private static final long POLL_MILLIS = 50;

  private Await() {}

  /**
   * The future's result. A failure is thrown as an {@link ExecutionException} whose cause is the
   * future's failure, as {@code CompletableFuture.get} does.
   */
  public static <T> T await(Future<T> future) throws InterruptedException, ExecutionException, TimeoutException {
    return future.toCompletionStage().toCompletableFuture().get(LIVENESS.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Polls {@code condition} until it holds; an {@link AssertionError} naming {@code what} past {@code bound}. */
  public static void waitUntil(BooleanSupplier condition, Duration bound, String what) throws InterruptedException {
    waitUntil(condition, bound, () -> what);
  }

  /** The same, with a description made at the failure, e.g. to show what is still left then. */
  public static void waitUntil(BooleanSupplier condition, Duration bound, Supplier<String> what)
      throws InterruptedException {
    long deadline = System.nanoTime() + bound.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("not reached within " + bound.toSeconds() + " s: " + what.get());
      }
      Thread.sleep(POLL_MILLIS);
    }
  }
}
