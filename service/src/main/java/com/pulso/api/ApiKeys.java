package com.pulso.api;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.vertx.core.Future;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Base64;
import java.util.Collection;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;

/**
 * The API keys of {@code pulso.api_keys}: a key is 24 random bytes (base64url, prefixed
 * {@code pulso_}), shown once when created and stored only as its SHA-256, with a short prefix to
 * recognise it by. A provider key reads only its provider's routes; an admin key reads everything.
 *
 * <p>Verified keys are remembered for {@link #REMEMBERED} per member: a revoked key stops working
 * on this member at once and on the others within that bound.
 */
public final class ApiKeys {

  /** The request header carrying the key. */
  public static final String HEADER = "X-API-Key";
  static final Duration REMEMBERED = Duration.ofSeconds(10);
  private static final String GENERATED = "pulso_";
  private static final int PREFIX_CHARS = 4;
  private static final String FOREIGN_KEY_VIOLATION = "23503";
  private static final SecureRandom RANDOM = new SecureRandom();
  /** One digest per thread: every request hashes its key, and looking the algorithm up each time showed in profiles. */
  private static final ThreadLocal<MessageDigest> SHA_256 = ThreadLocal.withInitial(() -> {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  });

  /** Who a key speaks for: a provider, or (no provider) an admin. */
  public record Principal(long keyId, Integer providerId) {
    public boolean admin() {
      return providerId == null;
    }

    public boolean mayRead(int provider) {
      return admin() || providerId == provider;
    }
  }

  /** A key just made: {@code key} is the plaintext, never stored and never shown again. */
  public record Created(long id, Integer providerId, String key, String prefix, OffsetDateTime createdAt) {}

  /** The provider of a key to create is not in {@code pulso.providers}. */
  public static final class UnknownProviderException extends RuntimeException {
    UnknownProviderException(int providerId) {
      super("provider " + providerId + " does not exist", null, false, false);
    }
  }

  private final Pool pool;
  private final Cache<String, Principal> verified = Caffeine.newBuilder()
      .expireAfterWrite(REMEMBERED).maximumSize(10_000).build();
  /**
   * Keys found in no row, remembered as long: a client retrying a wrong key, or trying many times
   * the same made-up one, costs one query per member and period, not one per request.
   */
  private final Cache<String, Boolean> unknown = Caffeine.newBuilder()
      .expireAfterWrite(REMEMBERED).maximumSize(100_000).build();

  private final int lookupsPerSecond;
  private long lookupSecond;
  private int lookupsThisSecond;

  /** Keys of {@code pool} (a pool of their own: see Main), at most {@code lookupsPerSecond} looked up per second. */
  public ApiKeys(Pool pool, int lookupsPerSecond) {
    this.pool = pool;
    this.lookupsPerSecond = lookupsPerSecond;
  }

  /** Keys of {@code pool}, looked up at most 100 times per second (tests and tools). */
  public ApiKeys(Pool pool) {
    this(pool, 100);
  }

  /**
   * Whether one more key may be looked up in the database this second. Keys remembered (valid or
   * unknown) cost nothing; the ceiling holds what a flood of made-up keys costs the database.
   */
  private synchronized boolean mayLookUp() {
    long second = System.nanoTime() / 1_000_000_000L;
    if (second != lookupSecond) {
      lookupSecond = second;
      lookupsThisSecond = 0;
    }
    return ++lookupsThisSecond <= lookupsPerSecond;
  }

  /** A new key for {@code providerId} (null: an admin key). */
  public Future<Created> create(Integer providerId) {
    byte[] secret = new byte[24];
    RANDOM.nextBytes(secret);
    String key = GENERATED + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    return pool.preparedQuery("INSERT INTO pulso.api_keys (provider_id, role, key_hash, key_prefix) VALUES ($1, $2, $3, $4)"
            + " RETURNING id, created_at")
        .execute(Tuple.of(providerId, providerId == null ? "admin" : "provider", hash(key), prefix(key)))
        .map(rows -> {
          Row row = rows.iterator().next();
          return new Created(row.getLong(0), providerId, key, prefix(key), row.getOffsetDateTime(1));
        })
        .recover(error -> error instanceof PgException pg && FOREIGN_KEY_VIOLATION.equals(pg.getSqlState())
            ? Future.failedFuture(new UnknownProviderException(providerId))
            : Future.failedFuture(error));
  }

  /**
   * Stores a key given in the configuration (the admin key, local demo keys) unless it is there:
   * a configured plaintext then works like a created one. A key revoked stays revoked.
   */
  public Future<Void> ensure(String key, Integer providerId) {
    return pool.preparedQuery("INSERT INTO pulso.api_keys (provider_id, role, key_hash, key_prefix) VALUES ($1, $2, $3, $4)"
            + " ON CONFLICT (key_hash) DO NOTHING")
        .execute(Tuple.of(providerId, providerId == null ? "admin" : "provider", hash(key), prefix(key)))
        .<Void>mapEmpty()
        .onSuccess(v -> unknown.invalidate(hash(key)));
  }

  /** Who {@code presented} speaks for; empty for an unknown or revoked key. */
  public Future<Optional<Principal>> verify(String presented) {
    String hash = hash(presented);
    Principal known = verified.getIfPresent(hash);
    if (known != null) {
      return Future.succeededFuture(Optional.of(known));
    }
    if (unknown.getIfPresent(hash) != null) {
      return Future.succeededFuture(Optional.empty());
    }
    if (!mayLookUp()) {
      return Future.failedFuture(new Problem(503, "too many API keys to look up on this member now; again in 1 s", 1));
    }
    return pool.preparedQuery("SELECT id, provider_id FROM pulso.api_keys WHERE key_hash = $1 AND revoked_at IS NULL")
        .execute(Tuple.of(hash))
        .map(rows -> {
          if (rows.size() == 0) {
            unknown.put(hash, Boolean.TRUE);
            return Optional.empty();
          }
          Row row = rows.iterator().next();
          Principal principal = new Principal(row.getLong(0), row.getInteger(1));
          verified.put(hash, principal);
          return Optional.of(principal);
        });
  }

  /** Those of {@code keyIds} that exist and are not revoked, read from the table (no remembered answer). */
  public Future<Set<Long>> active(Collection<Long> keyIds) {
    return pool.preparedQuery("SELECT id FROM pulso.api_keys WHERE id = ANY($1) AND revoked_at IS NULL")
        .execute(Tuple.tuple().addArrayOfLong(keyIds.toArray(Long[]::new)))
        .map(rows -> {
          Set<Long> active = new HashSet<>();
          rows.forEach(row -> active.add(row.getLong(0)));
          return active;
        });
  }

  /** Revokes key {@code id}; false when there is no such key, or it was revoked before. */
  public Future<Boolean> revoke(long id) {
    return pool.preparedQuery("UPDATE pulso.api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL")
        .execute(Tuple.of(id))
        .map(rows -> {
          verified.asMap().values().removeIf(principal -> principal.keyId() == id);
          return rows.rowCount() == 1;
        });
  }

  static String hash(String key) {
    return HexFormat.of().formatHex(SHA_256.get().digest(key.getBytes(StandardCharsets.UTF_8)));
  }

  /**
   * What is stored to recognise a key by: {@code pulso_} and its first {@link #PREFIX_CHARS} random
   * characters, or the first {@link #PREFIX_CHARS} of a configured key of another form. Never more: a
   * longer prefix is that much of the key in plain text (12 characters were most of a short admin key).
   */
  static String prefix(String key) {
    int start = key.startsWith(GENERATED) ? GENERATED.length() : 0;
    return key.substring(0, Math.min(start + PREFIX_CHARS, key.length()));
  }
}
