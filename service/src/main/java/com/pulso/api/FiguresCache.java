package com.pulso.api;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.hazelcast.config.EvictionConfig;
import com.hazelcast.config.EvictionPolicy;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MaxSizePolicy;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.pulso.aggregate.DailyClientProductTotal;
import com.pulso.aggregate.DailyClientTotal;
import com.pulso.aggregate.DailyTotal;
import com.pulso.aggregate.MetricsChanged;
import com.pulso.aggregate.MetricsReader;
import com.pulso.aggregate.MinuteBucket;
import com.pulso.batch.ReportManifest;
import com.pulso.batch.ReportStore;
import com.pulso.batch.ReportsReady;
import com.pulso.cluster.ClusterSecret;
import com.pulso.stream.BootstrapGate;
import com.pulso.stream.MetricsEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.Lock;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API's way to the figures: L1 (Caffeine, per member) → L2 (a Hazelcast map, shared by the
 * cluster) → DynamoDB (real-time items) or S3 (nightly reports). An answer is a provider's day: its
 * report's manifest or none, its clients (from the report, else real time), its clients per product,
 * its total, its minutes.
 *
 * <ul>
 *   <li>Expiry per kind of answer: real-time answers {@link #OPEN_DAY} for today and yesterday
 *       (still changing), {@link #CLOSED_DAY} for older days; a report's manifest and rows
 *       {@link #CLOSED_DAY}. An event on {@code pulso.metrics.<providerId>} drops the real-time
 *       answers of the days it names, one on {@link ReportsReady#ADDRESS} every answer of its days,
 *       at once, on every member (each listens), from both levels; watchers ({@link #watch}) hear
 *       of the former after.</li>
 *   <li>One load per key at a time: per member (Caffeine's in-flight future is shared by every
 *       waiting request) and across the cluster (a cluster lock per key; the second member finds
 *       the first one's answer in L2).</li>
 *   <li>A load that ran while its key was dropped does not put its answer into L2: it may predate
 *       the change. What is left of such races is bounded by the expiry.</li>
 *   <li>An answer's age counts from its read from DynamoDB or S3 on both levels: one that waited in
 *       L2 lives that much less in L1, so no answer outlives its bound.</li>
 *   <li>Refresh-ahead ({@link #refreshAhead}): a key read in the second half of its life is read
 *       again in the background.</li>
 * </ul>
 * Meters: {@code cache.*} tagged {@code cache=pulso.api.l1} (Caffeine's: gets, size, evictions, loads),
 * {@code pulso.api.cache.l2} hits/misses, {@code pulso.api.cache.l2.size|evictions|expirations} (this
 * member's share), {@code pulso.api.cache.loads} (DynamoDB and S3 reads by kind of answer, with their latency) and
 * {@code pulso.api.cache.refreshes}.
 */
final class FiguresCache {

  private static final Logger LOG = LoggerFactory.getLogger(FiguresCache.class);

  static final Duration OPEN_DAY = Duration.ofSeconds(2);
  static final Duration CLOSED_DAY = Duration.ofMinutes(10);
  private static final String MAP = "pulso.api.figures";
  private static final Duration LOCK_WAIT = Duration.ofSeconds(2);
  /**
   * The longest an L2 read may take before it counts as a miss. A read of an entry owned by a member
   * that stopped answering waits until the cluster declares it gone (cluster.maxNoHeartbeatSeconds):
   * a cache must not hold the API up longer than reading the source would.
   */
  static final Duration L2_WAIT = Duration.ofMillis(250);
  private static final int L2_MEGABYTES_PER_MEMBER = 256;
  /** L1's bound, by the answers' {@link #weight}: this member's heap for cached figures. */
  static final long L1_BYTES = 128L * 1024 * 1024;
  /** The kinds of answer read from a day's nightly report: only a nightly run changes them. */
  private static final List<String> REPORT_KINDS = List.of("report", "batch");
  /** The kinds of answer read from the real-time items: every applied change may change them. */
  private static final List<String> REALTIME_KINDS = List.of("clients", "products", "total", "minutes");
  /** Every kind of answer a provider's day has (the first part of its cache key). */
  private static final List<String> KINDS = List.of("report", "batch", "clients", "products", "total", "minutes");
  /** A day without a report, as cached. */
  private static final String NO_REPORT = "none";

  private final Vertx vertx;
  private final MetricsReader reader;
  private final BootstrapGate bootstrap;
  private final ReportStore reports;
  private final ZoneId zone;
  private final Clock clock;
  private final AsyncCache<String, Cached> l1;
  private final IMap<String, String> l2;
  /** L2's entries are sealed with it, each for its key: what reaches the map cannot read or forge a figure. */
  private final ClusterSecret secret;
  /** Bumped when a key is dropped: a load begun before does not store its answer. */
  private final Cache<String, AtomicLong> generations = Caffeine.newBuilder()
      // Far longer than any load lasts; forgetting a key's generation only makes a load skip L2.
      .expireAfterAccess(CLOSED_DAY.multipliedBy(2)).build();
  private final Set<Integer> listening = ConcurrentHashMap.newKeySet();
  private final Set<String> refreshing = ConcurrentHashMap.newKeySet();
  private final Map<Integer, Set<Consumer<JsonObject>>> watchers = new ConcurrentHashMap<>();
  private final Counter l2Hits;
  private final Counter l2Misses;
  private final Counter l2Timeouts;
  /** By kind of answer: a manifest or a report's rows come from S3, the rest from DynamoDB. */
  private final Map<String, Timer> loads = new HashMap<>();
  private final Counter refreshes;

  /** {@code bootstrap}: real-time figures are read only under a finished bootstrap of the capture slot. */
  FiguresCache(Vertx vertx, IMap<String, String> l2, ClusterSecret secret, MetricsReader reader, BootstrapGate bootstrap,
               ReportStore reports, ZoneId zone, Clock clock, MeterRegistry registry) {
    this.vertx = vertx;
    this.secret = secret;
    this.reader = reader;
    this.bootstrap = bootstrap;
    this.reports = reports;
    this.zone = zone;
    this.clock = clock;
    this.l2 = l2;
    this.l1 = Caffeine.newBuilder()
        .maximumWeight(L1_BYTES)
        .weigher((String key, Cached cached) -> weight(cached))
        .expireAfter(Expiry.<String, Cached>creating((key, cached) -> remaining(key, cached)))
        .recordStats()
        .buildAsync();
    CaffeineCacheMetrics.monitor(registry, l1, "pulso.api.l1");
    l2Hits = Counter.builder("pulso.api.cache.l2").tag("result", "hit").register(registry);
    l2Misses = Counter.builder("pulso.api.cache.l2").tag("result", "miss").register(registry);
    l2Timeouts = Counter.builder("pulso.api.cache.l2").tag("result", "timeout")
        .description("L2 reads that took longer than 250 ms, taken as misses (a member not answering)").register(registry);
    Gauge.builder("pulso.api.cache.l2.size", l2, map -> map.getLocalMapStats().getOwnedEntryCount())
        .description("L2 entries held by this member").register(registry);
    FunctionCounter.builder("pulso.api.cache.l2.evictions", l2, map -> map.getLocalMapStats().getEvictionCount())
        .description("L2 entries evicted from this member for room").register(registry);
    FunctionCounter.builder("pulso.api.cache.l2.expirations", l2, map -> map.getLocalMapStats().getExpirationCount())
        .description("L2 entries of this member that reached their expiry").register(registry);
    for (String kind : KINDS) {
      loads.put(kind, Timer.builder("pulso.api.cache.loads").tag("kind", kind)
          .description("Answers read from DynamoDB or S3 for the cache").register(registry));
    }
    refreshes = Counter.builder("pulso.api.cache.refreshes")
        .description("Answers loaded again ahead of their expiry because they were read late in their life")
        .register(registry);
    // Reports (re)written by a nightly run replace what this member holds of their days.
    vertx.eventBus().<JsonObject>consumer(ReportsReady.ADDRESS, message -> {
      ReportsReady ready = ReportsReady.fromJson(message.body());
      invalidate(ready.providerId(), ready.days(), KINDS);
    });
  }

  /**
   * The cluster's shared L2, bounded per member ({@link #L2_MEGABYTES_PER_MEMBER} of entries, least
   * recently used out first) on top of the answers' own expiry. The same configuration from every
   * member is accepted by Hazelcast; a different one would be refused.
   */
  static IMap<String, String> clusterMap(HazelcastInstance hazelcast) {
    hazelcast.getConfig().addMapConfig(new MapConfig(MAP).setEvictionConfig(new EvictionConfig()
        .setEvictionPolicy(EvictionPolicy.LRU)
        .setMaxSizePolicy(MaxSizePolicy.USED_HEAP_SIZE)
        .setSize(L2_MEGABYTES_PER_MEMBER)));
    return hazelcast.getMap(MAP);
  }

  /**
   * The provider's day per client: from its nightly report when it has one (a closed day, the
   * system of record), from the real-time items otherwise.
   */
  Future<ClientsOfDay> clientDay(int providerId, LocalDate day) {
    return report(providerId, day).compose(report -> {
      if (report.isPresent()) {
        ReportManifest manifest = report.get();
        return get("batch", providerId, day, () -> reports.clients(manifest), FiguresCache::encodeClients,
            json -> decodeClients(providerId, day, json))
            .map(clients -> new ClientsOfDay(ClientsOfDay.BATCH, manifest.createdAt(), clients));
      }
      return cached("clients", providerId, day, realtime(() -> reader.clientDay(providerId, day)),
          FiguresCache::encodeClients, json -> decodeClients(providerId, day, json))
          .map(cached -> new ClientsOfDay(ClientsOfDay.REALTIME, Instant.ofEpochMilli(cached.loadedAtMillis()),
              castClients(cached.value())));
    });
  }

  @SuppressWarnings("unchecked")
  private static List<DailyClientTotal> castClients(Object value) {
    return (List<DailyClientTotal>) value;
  }

  /** The provider's day's report, if it has one (only a day before today can). */
  Future<Optional<ReportManifest>> report(int providerId, LocalDate day) {
    if (!day.isBefore(LocalDate.now(clock.withZone(zone)))) {
      return Future.succeededFuture(Optional.empty());
    }
    return get("report", providerId, day, () -> reports.manifest(providerId, day),
        manifest -> manifest.map(m -> m.toJson().encode()).orElse(NO_REPORT),
        json -> NO_REPORT.equals(json) ? Optional.empty() : Optional.of(ReportManifest.parse(providerId, day, json)));
  }

  /** {@link #clientDay} of every day of {@code days}, in their order. */
  Future<List<ClientsOfDay>> clientDays(int providerId, List<LocalDate> days) {
    return all(days.stream().map(day -> clientDay(providerId, day)).toList());
  }

  private static <T> Future<List<T>> all(List<Future<T>> reads) {
    return Future.all(reads).map(done -> reads.stream().map(Future::result).toList());
  }

  /** The provider's day per client and product (what summaries are made of). */
  Future<List<DailyClientProductTotal>> clientProductDay(int providerId, LocalDate day) {
    return get("products", providerId, day, realtime(() -> reader.clientProductDay(providerId, day)),
        FiguresCache::encodeClientProducts, json -> decodeClientProducts(providerId, day, json));
  }

  /** {@link #clientProductDay} of every day of {@code days}, in their order. */
  Future<List<List<DailyClientProductTotal>>> clientProductDays(int providerId, List<LocalDate> days) {
    return all(days.stream().map(day -> clientProductDay(providerId, day)).toList());
  }

  Future<DailyTotal> dayTotal(int providerId, LocalDate day) {
    return get("total", providerId, day, realtime(() -> reader.dayTotal(providerId, day)),
        total -> new JsonArray().add(total.transactions()).add(total.amount().toPlainString()).encode(),
        json -> {
          JsonArray array = new JsonArray(json);
          return new DailyTotal(providerId, day, array.getLong(0), new BigDecimal(array.getString(1)));
        });
  }

  Future<List<MinuteBucket>> productMinutes(int providerId, LocalDate day) {
    return get("minutes", providerId, day, realtime(() -> reader.productMinutes(providerId, day)),
        FiguresCache::encodeMinutes, json -> decodeMinutes(providerId, json));
  }

  /** Drops every real-time answer of the provider's days named by {@code changed}, from both levels. */
  void invalidate(MetricsChanged changed) {
    invalidate(changed.providerId(), changed.days(), REALTIME_KINDS);
  }

  private void invalidate(int providerId, Collection<LocalDate> days, List<String> kinds) {
    for (LocalDate day : days) {
      for (String kind : kinds) {
        String key = key(kind, providerId, day);
        generations.get(key, k -> new AtomicLong()).incrementAndGet();
        l1.synchronous().invalidate(key);
        l2.removeAsync(key);
      }
    }
  }

  /**
   * About what an answer holds on the heap: a row (a client's or a minute's figures, their
   * BigDecimal and list slot) takes some 120 bytes, the answer itself a few hundred. A count of
   * answers would not bound memory: one day of 100,000 clients weighs as much as 10,000 small days.
   */
  static int weight(Cached cached) {
    return cached.value() instanceof List<?> rows ? 256 + 120 * rows.size() : 256;
  }

  /** An answer and when it was read from its source: its age counts against its bound at every level. */
  record Cached(Object value, long loadedAtMillis) {}

  /** How one key is read from its source and kept in L2. */
  private record Loader<T>(String kind, String key, LocalDate day, Supplier<Future<T>> source, Function<T, String> encode,
                           Function<String, T> decode) {}

  @SuppressWarnings("unchecked")
  private <T> Future<T> get(String kind, int providerId, LocalDate day, Supplier<Future<T>> source,
                            Function<T, String> encode, Function<String, T> decode) {
    return cached(kind, providerId, day, source, encode, decode).map(cached -> (T) cached.value());
  }

  /**
   * A read of the real-time items, made only while the table holds a finished bootstrap: while one
   * runs (the first start of a capture slot, or a redo) the items hold part of the figures, and an
   * answer made of them would be wrong, not merely old. The failure is answered 503 like any other
   * unreadable figure.
   */
  private <T> Supplier<Future<T>> realtime(Supplier<Future<T>> read) {
    return () -> bootstrap.from().compose(from -> from.isPresent() ? read.get()
        : Future.failedFuture(new IllegalStateException("the real-time figures are being built (a bootstrap"
            + " of the capture); they are served once it has finished")));
  }

  /** The key's answer with the time it was read from its source. */
  private <T> Future<Cached> cached(String kind, int providerId, LocalDate day, Supplier<Future<T>> source,
                                    Function<T, String> encode, Function<String, T> decode) {
    listen(providerId);
    Loader<T> loader = new Loader<>(kind, key(kind, providerId, day), day, source, encode, decode);
    Context context = vertx.getOrCreateContext();
    return CacheReads.of(l1.get(loader.key(), (k, executor) ->
            load(loader, Long.MIN_VALUE).toCompletionStage().toCompletableFuture()), context)
        .andThen(cached -> {
          if (cached.succeeded()) {
            refreshAhead(loader, cached.result());
          }
        });
  }

  /**
   * Refresh-ahead: a key read in the second half of its life is loaded again in the background
   * (once at a time), so a key in steady demand is replaced before it expires and its readers never
   * wait for DynamoDB or S3.
   */
  private void refreshAhead(Loader<?> loader, Cached cached) {
    long age = clock.millis() - cached.loadedAtMillis();
    if (age < expiry(loader.kind(), loader.day()).toMillis() / 2 || !refreshing.add(loader.key())) {
      return;
    }
    refreshes.increment();
    long generation = generation(loader.key());
    load(loader, cached.loadedAtMillis()).onComplete(refreshed -> {
      refreshing.remove(loader.key());
      if (refreshed.succeeded() && generation == generation(loader.key())) {
        l1.put(loader.key(), CompletableFuture.completedFuture(refreshed.result()));
      }
    });
  }

  /** The key's answer from L2 if one there was loaded after {@code newerThan}, else from its source. */
  private <T> Future<Cached> load(Loader<T> loader, long newerThan) {
    String key = loader.key();
    return fromL2(loader, newerThan).compose(cached -> {
      if (cached != null) {
        return Future.succeededFuture(cached);
      }
      // One member loads a key at a time; the others wait, then find its answer in L2.
      return loadLock(key).transform(locked -> fromL2(loader, newerThan).compose(again -> {
        if (again != null) {
          return Future.succeededFuture(again);
        }
        long generation = generation(key);
        long start = System.nanoTime();
        return loader.source().get().map(loaded -> {
          loads.get(loader.kind()).record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
          Cached fresh = new Cached(loaded, clock.millis());
          if (generation == generation(key)) {
            l2.setAsync(key, secret.seal(key, fresh.loadedAtMillis() + ";" + loader.encode().apply(loaded)),
                expiry(loader.kind(), loader.day()).toMillis(), TimeUnit.MILLISECONDS);
          }
          return fresh;
        }).recover(error -> Future.failedFuture(Problem.unavailable("the figures cannot be read now ("
            + shorten(String.valueOf(error.getMessage())) + "); nothing fresh enough is cached")));
      }).andThen(done -> {
        if (locked.succeeded()) {
          locked.result().release();
        }
      }));
    });
  }

  /**
   * The cluster's lock on loading {@code key}, or a failure after {@link #LOCK_WAIT}: then the key is
   * loaded without it. Hazelcast's own wait is not enough: a lock held on a member that stopped
   * answering is waited for until the cluster declares that member gone. A lock granted after this
   * gave up is released at once.
   */
  private Future<Lock> loadLock(String key) {
    Future<Lock> asked = vertx.sharedData().getLockWithTimeout("pulso.api.load." + key, LOCK_WAIT.toMillis());
    return asked.timeout(LOCK_WAIT.plus(L2_WAIT).toMillis(), TimeUnit.MILLISECONDS)
        .onFailure(gaveUp -> asked.onSuccess(Lock::release));
  }

  /**
   * L2's answer of the key ({@code <loadedAtMillis>;<encoded>}, sealed), if it was loaded after
   * {@code newerThan}. An entry a member did not seal for this key is a miss (and is logged).
   */
  private <T> Future<Cached> fromL2(Loader<T> loader, long newerThan) {
    return Future.fromCompletionStage(l2.getAsync(loader.key()), vertx.getOrCreateContext())
        .timeout(L2_WAIT.toMillis(), TimeUnit.MILLISECONDS)
        .recover(slow -> {
          l2Timeouts.increment();
          return Future.succeededFuture(null);
        })
        .map(sealed -> {
          String stored = sealed == null ? null : secret.open(loader.key(), sealed).orElse(null);
          if (sealed != null && stored == null) {
            LOG.warn("Cache entry {} in the cluster's map was not sealed by a member: ignored (has a process without"
                + " cluster.secret reached Hazelcast?)", loader.key());
          }
          (stored == null ? l2Misses : l2Hits).increment();
          if (stored == null) {
            return null;
          }
          int separator = stored.indexOf(';');
          long loadedAt = Long.parseLong(stored.substring(0, separator));
          return loadedAt > newerThan ? new Cached(loader.decode().apply(stored.substring(separator + 1)), loadedAt) : null;
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
    AtomicLong generation = generations.getIfPresent(key);
    return generation == null ? 0 : generation.get();
  }

  /** What is left of an answer's life: its bound less the time since it was read from its source. */
  private Duration remaining(String key, Cached cached) {
    Duration bound = expiry(key.substring(0, key.indexOf(':')),
        LocalDate.parse(key.substring(key.lastIndexOf(':') + 1)));
    Duration left = bound.minusMillis(clock.millis() - cached.loadedAtMillis());
    return left.isNegative() ? Duration.ZERO : left;
  }

  /**
   * A report's manifest and rows change only when a nightly run rewrites them, whose event drops them
   * on every member: they live {@link #CLOSED_DAY} whatever the day. Real-time answers of today and
   * yesterday {@link #OPEN_DAY}, of older days {@link #CLOSED_DAY}.
   */
  private Duration expiry(String kind, LocalDate day) {
    boolean settled = REPORT_KINDS.contains(kind) || day.isBefore(LocalDate.now(clock.withZone(zone)).minusDays(1));
    return settled ? CLOSED_DAY : OPEN_DAY;
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
