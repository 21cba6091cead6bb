package com.pulso.capture;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** Files source changes that cannot be counted in {@code pulso.dead_letters}, once per source position. */
final class DeadLetters {

  /** How {@link SaleChangeMapper} begins the reason of a sale whose product is not mapped. */
  static final String UNKNOWN_PRODUCT = "unknown product";

  private final Pool pool;

  DeadLetters(Pool pool) {
    this.pool = pool;
  }

  /**
   * Whether a sale was dead-lettered for an unknown product that is one of {@code products} (named
   * in its row's {@code productColumn}) and has not counted since.
   */
  Future<Boolean> unresolvedOfProducts(String productColumn, Collection<String> products) {
    if (products.isEmpty()) {
      return Future.succeededFuture(false);
    }
    return pool.preparedQuery("SELECT EXISTS (SELECT 1 FROM pulso.dead_letters WHERE resolved_at IS NULL"
            + " AND reason LIKE '" + UNKNOWN_PRODUCT + "%' AND payload ->> $1 = ANY($2))")
        .execute(Tuple.tuple().addString(productColumn).addArrayOfString(products.toArray(String[]::new)))
        .map(rows -> rows.iterator().next().getBoolean(0));
  }

  /** Marks the unknown-product letters of {@code products} resolved: a rebuild with them mapped counted those sales. */
  Future<Void> resolve(String productColumn, Collection<String> products) {
    return pool.preparedQuery("UPDATE pulso.dead_letters SET resolved_at = now() WHERE resolved_at IS NULL"
            + " AND reason LIKE '" + UNKNOWN_PRODUCT + "%' AND payload ->> $1 = ANY($2)")
        .execute(Tuple.tuple().addString(productColumn).addArrayOfString(products.toArray(String[]::new)))
        .mapEmpty();
  }

  Future<Void> file(List<DeadLetter> letters) {
    if (letters.isEmpty()) {
      return Future.succeededFuture();
    }
    List<Tuple> rows = new ArrayList<>(letters.size());
    for (DeadLetter letter : letters) {
      JsonObject payload = new JsonObject();
      letter.row().forEach(payload::put);
      rows.add(Tuple.of(letter.position().toString(), letter.position().commitLsn().toString(), letter.reason(), payload));
    }
    return pool.preparedQuery("INSERT INTO pulso.dead_letters (source_position, source_lsn, reason, payload)"
            + " VALUES ($1, $2, $3, $4) ON CONFLICT (source_position) DO NOTHING")
        .executeBatch(rows)
        .mapEmpty();
  }
}
