package com.pulso.api;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.pulso.aggregate.DailyClientProductTotal;
import com.pulso.aggregate.DailyClientTotal;
import com.pulso.aggregate.DailyTotal;
import com.pulso.aggregate.MetricsChanged;
import com.pulso.aggregate.MetricsReader;
import com.pulso.aggregate.MinuteBucket;
import com.pulso.stream.MetricsEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The API's way to the real-time figures: L1 (Caffeine, per member) → L2 (a Hazelcast map, shared
 * by the cluster) → DynamoDB. An answer is a provider's day (its clients, its total, its minutes).
 *
 * <ul>
 *   <li>Expiry per kind of answer: {@link #OPEN_DAY} for today and yesterday (still changing),
 *       {@link #CLOSED_DAY} for older days; an event on {@code pulso.metrics.<providerId>} drops the
 *       days it names at once, on every member (each listens), from both levels; watchers
 *       ({@link #watch}) hear of it after.</li>
 *   <li>One load per key at a time: per member (Caffeine's in-flight future is shared by every
 *       waiting request) and across the cluster (a cluster lock per key; the second member finds
 *       the first one's answer in L2).</li>
 *   <li>A load that ran while its key was dropped does not put its answer into L2: it may predate
 *       the change. What is left of such races is bounded by the expiry.</li>
 * </ul>
 * Meters: {@code cache.*} for L1 (Caffeine's), {@code pulso.api.cache.l2} hits/misses and
 * {@code pulso.api.cache.loads} (DynamoDB reads, with their latency).
 */
final class FiguresCache {

  static final Duration OPEN_DAY = Duration.ofSeconds(2);
  static final Duration CLOSED_DAY = Duration.ofMinutes(10);
  private static final String MAP = "pulso.api.figures";
  private static final Duration LOCK_WAIT = Duration.ofSeconds(2);
  /** Every kind of answer a provider's day has (the first part of its cache key). */
  private static final List<String> KINDS = List.of("clients", "products", "total", "minutes");

  private final Vertx vertx;
  private final MetricsReader reader;
  private final ZoneId zone;
  private final Clock clock;
  private final AsyncCache<String, Object> l1;
  private final IMap<String, String> l2;
  /** Bumped when a key is dropped: a load begun before does not store its answer. */
  private final ConcurrentHashMap<String, AtomicLong> generations = new ConcurrentHashMap<>();
  private final Set<Integer> listening = ConcurrentHashMap.newKeySet();
  private final Map<Integer, Set<Consumer<JsonObject>>> watchers = new ConcurrentHashMap<>();
  private final Counter l2Hits;
  private final Counter l2Misses;
  private final Timer loads;

  FiguresCache(Vertx vertx, IMap<String, String> l2, MetricsReader reader, ZoneId zone, Clock clock,
               MeterRegistry registry) {
    this.vertx = vertx;
    this.reader = reader;
    this.zone = zone;
    this.clock = clock;
    this.l2 = l2;
    this.l1 = Caffeine.newBuilder()
        .maximumSize(20_000)
        .expireAfter(Expiry.<String, Object>creating((key, value) -> expiry(key)))
        .recordStats()
        .buildAsync();
    CaffeineCacheMetrics.monitor(registry, l1, "pulso.api.l1");
    l2Hits = Counter.builder("pulso.api.cache.l2").tag("result", "hit").register(registry);
    l2Misses = Counter.builder("pulso.api.cache.l2").tag("result", "miss").register(registry);
    loads = Timer.builder("pulso.api.cache.loads").description("Figures read from DynamoDB for the cache")
        .register(registry);
  }

  /** The cluster's shared L2. */
  static IMap<String, String> clusterMap(HazelcastInstance hazelcast) {
    return hazelcast.getMap(MAP);
  }

  Future<List<DailyClientTotal>> clientDay(int providerId, LocalDate day) {
    return get("clients", providerId, day, () -> reader.clientDay(providerId, day),
        FiguresCache::encodeClients, json -> decodeClients(providerId, day, json));
  }

  /** {@link #clientDay} of every day of {@code days}, in their order. */
  Future<List<List<DailyClientTotal>>> clientDays(int providerId, List<LocalDate> days) {
    return all(days.stream().map(day -> clientDay(providerId, day)).toList());
  }

  private static <T> Future<List<T>> all(List<Future<T>> reads) {
    return Future.all(reads).map(done -> reads.stream().map(Future::result).toList());
  }

  /** The provider's day per client and product (what summaries are made of). */
  Future<List<DailyClientProductTotal>> clientProductDay(int providerId, LocalDate day) {
    return get("products", providerId, day, () -> reader.clientProductDay(providerId, day),
        FiguresCache::encodeClientProducts, json -> decodeClientProducts(providerId, day, json));
  }

  /** {@link #clientProductDay} of every day of {@code days}, in their order. */
  Future<List<List<DailyClientProductTotal>>> clientProductDays(int providerId, List<LocalDate> days) {
    return all(days.stream().map(day -> clientProductDay(providerId, day)).toList());
  }

  Future<DailyTotal> dayTotal(int providerId, LocalDate day) {
    return get("total", providerId, day, () -> reader.dayTotal(providerId, day),
        total -> new JsonArray().add(total.transactions()).add(total.amount().toPlainString()).encode(),
        json -> {
          JsonArray array = new JsonArray(json);
          return new DailyTotal(providerId, day, array.getLong(0), new BigDecimal(array.getString(1)));
        });
  }

  Future<List<MinuteBucket>> productMinutes(int providerId, LocalDate day) {
    return get("minutes", providerId, day, () -> reader.productMinutes(providerId, day),
        FiguresCache::encodeMinutes, json -> decodeMinutes(providerId, json));
  }

  /** Drops every answer of the provider's days named by {@code changed}, from both levels. */
  void invalidate(MetricsChanged changed) {
    for (LocalDate day : changed.days()) {
      for (String kind : KINDS) {
        String key = key(kind, changed.providerId(), day);
        generations.computeIfAbsent(key, k -> new AtomicLong()).incrementAndGet();
        l1.synchronous().invalidate(key);
        l2.removeAsync(key);
      }
    }
  }

  @SuppressWarnings("unchecked")
  private <T> Future<T> get(String kind, int providerId, LocalDate day, Supplier<Future<T>> source,
                            Function<T, String> encode, Function<String, T> decode) {
    listen(providerId);
    String key = key(kind, providerId, day);
    Context context = vertx.getOrCreateContext();
    return Future.fromCompletionStage(l1.get(key, (k, executor) ->
            fromL2OrSource(key, day, source, encode, decode).toCompletionStage().toCompletableFuture()), context)
        .map(value -> (T) value);
  }

  private <T> Future<Object> fromL2OrSource(String key, LocalDate day, Supplier<Future<T>> source,
                                            Function<T, String> encode, Function<String, T> decode) {
    return fromL2(key, decode).compose(cached -> {
      if (cached != null) {
        return Future.succeededFuture(cached);
      }
      // One member loads a key at a time; the others wait, then find its answer in L2.
      return vertx.sharedData().getLockWithTimeout("pulso.api.load." + key, LOCK_WAIT.toMillis())
          .transform(locked -> fromL2(key, decode).compose(again -> {
            if (again != null) {
              return Future.<Object>succeededFuture(again);
            }
            long generation = generation(key);
            long start = System.nanoTime();
            return source.get().<Object>map(loaded -> {
              loads.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
              if (generation == generation(key)) {
                l2.setAsync(key, encode.apply(loaded), expiry(day).toMillis(), TimeUnit.MILLISECONDS);
              }
              return loaded;
            }).recover(error -> Future.failedFuture(Problem.unavailable("the figures cannot be read now (DynamoDB: "
                + shorten(String.valueOf(error.getMessage())) + "); nothing fresh enough is cached")));
          }).andThen(done -> {
            if (locked.succeeded()) {
              locked.result().release();
            }
          }));
    });
  }

  private <T> Future<T> fromL2(String key, Function<String, T> decode) {
    return Future.fromCompletionStage(l2.getAsync(key), vertx.getOrCreateContext()).map(json -> {
      (json == null ? l2Misses : l2Hits).increment();
      return json == null ? null : decode.apply(json);
    });
  }

  /**
   * Calls {@code watcher} with every change event of the provider, once the days it names are
   * dropped here (so what the watcher reads is fresh). Returns what stops watching.
   */
  Runnable watch(int providerId, Consumer<JsonObject> watcher) {
    listen(providerId);
    Set<Consumer<JsonObject>> providerWatchers = watchers.computeIfAbsent(providerId,
        id -> ConcurrentHashMap.newKeySet());
    providerWatchers.add(watcher);
    return () -> providerWatchers.remove(watcher);
  }

  /** Listens to a provider's events the first time one of its figures is asked for or watched. */
  private void listen(int providerId) {
    if (listening.add(providerId)) {
      vertx.eventBus().<JsonObject>consumer(MetricsEvent.address(providerId), message -> {
        invalidate(MetricsEvent.fromJson(message.body()));
        watchers.getOrDefault(providerId, Set.of()).forEach(watcher -> watcher.accept(message.body()));
      });
    }
  }

  private long generation(String key) {
    AtomicLong generation = generations.get(key);
    return generation == null ? 0 : generation.get();
  }

  private Duration expiry(String key) {
    return expiry(LocalDate.parse(key.substring(key.lastIndexOf(':') + 1)));
  }

  private Duration expiry(LocalDate day) {
    return day.isBefore(LocalDate.now(clock.withZone(zone)).minusDays(1)) ? CLOSED_DAY : OPEN_DAY;
  }

  private static String shorten(String text) {
    return text.length() <= 120 ? text : text.substring(0, 120) + "…";
  }

  private static String key(String kind, int providerId, LocalDate day) {
    return kind + ":" + providerId + ":" + day;
  }

  private static String encodeClients(List<DailyClientTotal> totals) {
    JsonArray array = new JsonArray();
    totals.forEach(t -> array.add(new JsonArray().add(t.clientId()).add(t.transactions()).add(t.amount().toPlainString())));
    return array.encode();
  }

  private static List<DailyClientTotal> decodeClients(int providerId, LocalDate day, String json) {
    List<DailyClientTotal> totals = new ArrayList<>();
    new JsonArray(json).forEach(item -> {
      JsonArray t = (JsonArray) item;
      totals.add(new DailyClientTotal(providerId, day, t.getLong(0), t.getLong(1), new BigDecimal(t.getString(2))));
    });
    return List.copyOf(totals);
  }

  private static String encodeClientProducts(List<DailyClientProductTotal> totals) {
    JsonArray array = new JsonArray();
    totals.forEach(t -> array.add(new JsonArray().add(t.clientId()).add(t.productCode()).add(t.transactions())
        .add(t.amount().toPlainString())));
    return array.encode();
  }

  private static List<DailyClientProductTotal> decodeClientProducts(int providerId, LocalDate day, String json) {
    List<DailyClientProductTotal> totals = new ArrayList<>();
    new JsonArray(json).forEach(item -> {
      JsonArray t = (JsonArray) item;
      totals.add(new DailyClientProductTotal(providerId, day, t.getLong(0), t.getString(1), t.getLong(2),
          new BigDecimal(t.getString(3))));
    });
    return List.copyOf(totals);
  }

  private static String encodeMinutes(List<MinuteBucket> buckets) {
    JsonArray array = new JsonArray();
    buckets.forEach(b -> array.add(new JsonArray().add(b.minute().toString()).add(b.productCode()).add(b.transactions())
        .add(b.amount().toPlainString())));
    return array.encode();
  }

  private static List<MinuteBucket> decodeMinutes(int providerId, String json) {
    List<MinuteBucket> buckets = new ArrayList<>();
    new JsonArray(json).forEach(item -> {
      JsonArray b = (JsonArray) item;
      buckets.add(new MinuteBucket(providerId, LocalDateTime.parse(b.getString(0)), b.getString(1), b.getLong(2),
          new BigDecimal(b.getString(3))));
    });
    return List.copyOf(buckets);
  }
}
