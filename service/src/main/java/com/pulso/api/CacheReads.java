package com.pulso.api;

import io.vertx.core.Context;
import io.vertx.core.Future;
import java.util.concurrent.CompletableFuture;

/**
 * A Caffeine answer as a Vert.x future: at once when the value is there already (a hit), without
 * the hop through the event loop that {@link Future#fromCompletionStage(java.util.concurrent.CompletionStage,
 * Context)} makes; on the caller's context when it comes later (a load).
 */
final class CacheReads {

  private CacheReads() {}

  static <T> Future<T> of(CompletableFuture<T> value, Context context) {
    if (value.isDone() && !value.isCompletedExceptionally() && !value.isCancelled()) {
      return Future.succeededFuture(value.join());
    }
    return Future.fromCompletionStage(value, context);
  }
}
