package com.pulso.api;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The providers of {@code pulso.providers} and their product codes, remembered for {@link #REMEMBERED}
 * on this member: every provider route asks, and a cached answer must not cost a database round trip.
 */
final class KnownProviders {

  static final Duration REMEMBERED = Duration.ofSeconds(30);

  private final Vertx vertx;
  private final Pool pool;
  private final AsyncCache<Integer, Optional<List<String>>> products = Caffeine.newBuilder()
      .expireAfterWrite(REMEMBERED).maximumSize(10_000).buildAsync();

  KnownProviders(Vertx vertx, Pool pool) {
    this.vertx = vertx;
    this.pool = pool;
  }

  /** The provider's product codes, in order; a 404 problem when there is no such provider. */
  Future<List<String>> products(int providerId) {
    return CacheReads.of(products.get(providerId, (id, executor) -> load(id).toCompletionStage()
            .toCompletableFuture()), vertx.getOrCreateContext())
        .compose(found -> found.isPresent() ? Future.succeededFuture(found.get())
            : Future.failedFuture(Problem.notFound("provider " + providerId + " does not exist")));
  }

  /** Fails with a 404 problem when there is no such provider. */
  Future<Void> require(int providerId) {
    return products(providerId).mapEmpty();
  }

  private Future<Optional<List<String>>> load(int providerId) {
    return pool.preparedQuery("SELECT array(SELECT code FROM pulso.products WHERE provider_id = p.id ORDER BY code)"
            + " FROM pulso.providers p WHERE p.id = $1")
        .execute(Tuple.of(providerId))
        .map(rows -> rows.size() == 0 ? Optional.empty()
            : Optional.of(Arrays.asList(rows.iterator().next().getArrayOfStrings(0))));
  }
}
