package com.pulso.api;

import com.pulso.config.PulsoConfig;
import com.pulso.db.Postgres;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/** The clients' names, from the company's clients table (names as configured in {@code source.*}). */
final class ClientNames {

  /** A client's first and last name (either may be null in the source). */
  record Name(String first, String last) {
    static final Name UNKNOWN = new Name(null, null);

    JsonObject into(JsonObject json) {
      return json.put("firstName", first).put("lastName", last);
    }
  }

  private final Pool pool;
  private final String sql;

  ClientNames(Pool pool, PulsoConfig.Source source) {
    this.pool = pool;
    String id = Postgres.quoteIdentifier(source.clientIdColumn());
    this.sql = "SELECT " + id + "::bigint, " + Postgres.quoteIdentifier(source.clientFirstNameColumn()) + "::text, "
        + Postgres.quoteIdentifier(source.clientLastNameColumn()) + "::text FROM "
        + Postgres.quoteIdentifier(source.clientsTable()) + " WHERE " + id + " = ANY($1)";
  }

  /** The names of {@code clientIds} that exist; the others are absent from the map. */
  Future<Map<Long, Name>> of(Collection<Long> clientIds) {
    if (clientIds.isEmpty()) {
      return Future.succeededFuture(Map.of());
    }
    return pool.preparedQuery(sql).execute(Tuple.tuple().addArrayOfLong(clientIds.toArray(Long[]::new))).map(rows -> {
      Map<Long, Name> names = new HashMap<>();
      for (Row row : rows) {
        names.put(row.getLong(0), new Name(row.getString(1), row.getString(2)));
      }
      return names;
    });
  }
}
