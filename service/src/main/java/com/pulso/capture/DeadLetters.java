package com.pulso.capture;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;

/** Files source changes that cannot be counted in {@code pulso.dead_letters}, once per source position. */
final class DeadLetters {

  private final Pool pool;

  DeadLetters(Pool pool) {
    this.pool = pool;
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
