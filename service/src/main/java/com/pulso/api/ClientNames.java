package com.pulso.api;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.pulso.config.PulsoConfig;
import com.pulso.db.Postgres;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The clients' names, from the company's clients table (names as configured in {@code source.*}),
 * remembered {@link #REMEMBERED} per member: a page of a cached day must not cost a database query
 * (it cost the endpoint nine tenths of its throughput). A renamed client shows its new name within
 * that time; clients not found are asked for again each time.
 */
final class ClientNames {

  static final Duration REMEMBERED = Duration.ofMinutes(10);

  /** A client's first and last name (either may be null in the source). */
  record Name(String first, String last) {
    static final Name UNKNOWN = new Name(null, null);

    JsonObject into(JsonObject json) {
      return json.put("firstName", first).put("lastName", last);
    }
  }

  private final Pool pool;
  private final String sql;
  private final Cache<Long, Name> remembered = Caffeine.newBuilder()
      .expireAfterWrite(REMEMBERED).maximumSize(500_000).build();

  ClientNames(Pool pool, PulsoConfig.Source source) {
    this.pool = pool;
    String id = Postgres.quoteIdentifier(source.clientIdColumn());
    this.sql = "SELECT " + id + "::bigint, " + Postgres.quoteIdentifier(source.clientFirstNameColumn()) + "::text, "
        + Postgres.quoteIdentifier(source.clientLastNameColumn()) + "::text FROM "
        + Postgres.quoteIdentifier(source.clientsTable()) + " WHERE " + id + " = ANY($1)";
  }

  /** The names of {@code clientIds} that exist; the others are absent from the map. */
  Future<Map<Long, Name>> of(Collection<Long> clientIds) {
    Map<Long, Name> names = new HashMap<>(remembered.getAllPresent(clientIds));
    List<Long> missing = clientIds.stream().filter(id -> !names.containsKey(id)).distinct().toList();
    if (missing.isEmpty()) {
      return Future.succeededFuture(names);
    }
    return pool.preparedQuery(sql).execute(Tuple.tuple().addArrayOfLong(missing.toArray(Long[]::new))).map(rows -> {
      for (Row row : rows) {
        Name name = new Name(row.getString(1), row.getString(2));
        names.put(row.getLong(0), name);
        remembered.put(row.getLong(0), name);
      }
      return names;
    });
  }
}
