package com.pulso.capture;

import com.pulso.aggregate.BaselineWriter;
import com.pulso.aggregate.MetricKeys;
import com.pulso.aws.AwsClients;
import com.pulso.capture.ReplicationSlot.PeekedMessage;
import com.pulso.config.PulsoConfig;
import com.pulso.sales.Lsn;
import com.pulso.sales.SaleChange;
import com.pulso.sales.SourcePosition;
import com.pulso.stream.KinesisPublisher;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's one capture (run by a {@link com.pulso.cluster.ClusterSingleton}, fenced at the slot
 * by a {@link CaptureFence}): makes sure the slot exists and the sales that predate it are counted
 * ({@link Bootstrap}), then polls the replication slot, decodes and maps every change of the sales
 * table, ships the sale changes to Kinesis, files the rest as dead letters, and advances the slot
 * to the end of the last transaction whose changes are all acknowledged.
 *
 * <p>A failure anywhere ends the poll; the next one starts again from the slot's confirmed position.
 * Changes shipped twice that way carry the same positions and count once downstream; none is skipped,
 * because the slot never moves past a change Kinesis has not acknowledged.
 *
 * <p>A slot that is lost — dropped, missing after a failover, invalidated by the server — took with it
 * the changes nobody read yet: no stream can make the figures whole again. A failed poll that finds
 * the slot lost has the figures counted again from a new slot (the API answers 503 meanwhile, as
 * during the first bootstrap) before anything is read on, and says so ({@code pulso.capture.slot.lost}).
 */
public final class CaptureVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(CaptureVerticle.class);
  /** Changes per publish: with {@link #SHIPS_IN_FLIGHT}, bounds memory whatever the size of a transaction. */
  private static final int SHIP_BATCH = 2_000;
  /** Publishes under way while the slot is read on: reading and shipping overlap. */
  private static final int SHIPS_IN_FLIGHT = 2;
  private static final Duration PRODUCTS_REFRESH = Duration.ofSeconds(5);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
  private static final Duration WAL_CHECK = Duration.ofSeconds(10);
  /** The least time between two running-transaction records asked of the server (see below). */
  private static final Duration RESTART_POINT_INTERVAL = Duration.ofSeconds(1);

  private final PulsoConfig config;
  private final Pool pool;
  private final AwsClients aws;
  private final MeterRegistry registry;
  private final ReplicationSlot slot;
  private final DeadLetters deadLetters;

  private CaptureFence fence;
  private KinesisPublisher publisher;
  private SaleChangeMapper mapper;
  private Map<String, Integer> providerByProduct;
  private Instant productsLoadedAt = Instant.EPOCH;
  private boolean stopping;
  private long timerId = -1;
  private int failures;
  private Future<?> polling = Future.succeededFuture();
  /** The WAL flush position before the last peek that read everything: nothing new until it moves. */
  private Lsn walReadTo;
  /** Whether the server lets this capture log running transactions; asked until it says no. */
  private boolean restartPointsOffered = true;
  private long restartPointAskedNanos;
  private final AtomicLong lastShippedCommitMillis = new AtomicLong();
  /** When the last poll that read the slot to its end (or found nothing new) started. */
  private final AtomicLong caughtUpMillis = new AtomicLong();
  private final AtomicLong retainedWal = new AtomicLong();
  private long walTimerId = -1;
  private long fenceTimerId = -1;
  private Counter deadLettered;
  private Counter pollFailures;
  private Counter slotsLost;
  /** Why the figures must be counted again before the slot is read on (the slot was lost); null when not. */
  private String recountFor;
  private Timer shipLatency;

  public CaptureVerticle(PulsoConfig config, Pool pool, AwsClients aws, MeterRegistry registry) {
    this.config = config;
    this.pool = pool;
    this.aws = aws;
    this.registry = registry;
    this.slot = new ReplicationSlot(pool, config.capture(), config.source());
    this.deadLetters = new DeadLetters(pool);
  }

  @Override
  public Future<?> start() {
    deadLettered = Counter.builder("pulso.capture.dead.lettered").register(registry);
    pollFailures = Counter.builder("pulso.capture.poll.failures").register(registry);
    slotsLost = Counter.builder("pulso.capture.slot.lost")
        .description("Times the slot was found gone or invalidated, and the figures counted again from a new one")
        .register(registry);
    shipLatency = Timer.builder("pulso.capture.latency")
        .description("Source commit to acknowledged by Kinesis, per transaction (per publish of a large one)")
        .publishPercentileHistogram()
        .register(registry);
    // Idle is not behind: a poll that found the slot read to its end vouches for every commit before it
    // started, so a quiet sales table keeps the lag at the poll interval, and a capture that cannot poll,
    // or reads a backlog, shows its age.
    Gauge.builder("pulso.capture.lag.seconds", this, capture -> {
          long upTo = Math.max(capture.lastShippedCommitMillis.get(), capture.caughtUpMillis.get());
          return upTo == 0 ? 0 : Math.max(0, System.currentTimeMillis() - upTo) / 1000.0;
        })
        .description("How far behind the source the capture is: now minus the newer of the last shipped change's"
            + " commit time and the start of the last poll that read the slot to its end")
        .register(registry);
    Gauge.builder("pulso.capture.slot.retained.wal.bytes", retainedWal, AtomicLong::get)
        .description("WAL the replication slot keeps from being recycled")
        .register(registry);
    walTimerId = vertx.setPeriodic(WAL_CHECK.toMillis(), id -> slot.retainedWalBytes()
        .onSuccess(retainedWal::set)
        .onFailure(error -> LOG.debug("Cannot read the slot's retained WAL: {}", error.toString())));
    return CaptureFence.acquire(vertx, config.database(), config.capture().slotName(), config.capture().fenceLease())
        .compose(acquired -> {
          fence = acquired;
          // The fence's lease: a member that stops renewing it (hung, cut off) loses it to the next leader.
          fenceTimerId = vertx.setPeriodic(CaptureFence.renewEvery(config.capture().fenceLease()).toMillis(),
              id -> renewFence());
          // Under the fence: a bootstrap rewrites figures, it must never run twice at once.
          return bootstrap().ensureBootstrapped();
        })
        .compose(from -> {
          LOG.info("Capture on slot {} from {}", config.capture().slotName(), from);
          return KinesisPublisher.create(vertx, aws, config.aws().kinesisStream(), registry);
        })
        .onSuccess(created -> {
          publisher = created;
          schedule(Duration.ZERO);
        });
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    vertx.cancelTimer(timerId);
    vertx.cancelTimer(walTimerId);
    vertx.cancelTimer(fenceTimerId);
    // The poll under way ends at once instead of retrying Kinesis: the fence it holds up is what the
    // next leader waits for. The slot never moved past what Kinesis acknowledged.
    Future<Void> abandoned = publisher == null ? Future.succeededFuture() : publisher.close();
    return abandoned.transform(closed -> polling.<Void>mapEmpty())
        .transform(done -> fence == null ? Future.succeededFuture() : fence.release());
  }

  private void schedule(Duration delay) {
    if (stopping) {
      return;
    }
    timerId = vertx.setTimer(Math.max(1, delay.toMillis()), id -> {
      polling = (recountFor == null ? poll().recover(this::checkSlot) : recount()).onComplete(done -> {
        if (stopping) {
          return;
        }
        if (done.succeeded()) {
          failures = 0;
          schedule(done.result() > 0 ? Duration.ZERO : config.capture().pollInterval());
        } else {
          pollFailures.increment();
          failures++;
          Duration backoff = backoff(failures);
          LOG.warn("Capture poll failed ({} in a row), retrying from the slot's position in {} ms: {}", failures,
              backoff.toMillis(), done.cause().toString());
          schedule(backoff);
        }
      });
    });
  }

  /**
   * One pass over what the slot holds now; completes with the number of messages read. A pass starts
   * with a look at the WAL flush position: when it has not moved since a peek read everything, there
   * is nothing to read, and the costly peek is skipped. That is what lets the capture look often.
   */
  private Future<Long> poll() {
    long started = System.currentTimeMillis();
    return slot.walFlushPosition().compose(flushed -> {
      if (flushed.equals(walReadTo)) {
        caughtUpMillis.set(started);
        return Future.succeededFuture(0L);
      }
      walReadTo = null;
      return holdFence().compose(held -> refreshProducts()).compose(rebuilt -> {
        if (rebuilt) {
          // A new slot: what was read of the WAL before concerns the old one. Poll again at once.
          return Future.succeededFuture(1L);
        }
        Pass pass = new Pass();
        return slot.peek(pass::accept).compose(read -> {
          boolean readAll = read < config.capture().maxChangesPerPoll();
          // Having read all, the slot may move to the flush position even when nothing there was a sale:
          // a quiet sales table must not pin the WAL of a busy database, nor leave peeks decoding it again.
          Lsn readTo = readAll ? max(pass.committedEnd, flushed) : pass.committedEnd;
          return pass.finish()
              .compose(done -> readTo == null ? Future.<Void>succeededFuture() : slot.advance(readTo))
              .compose(advanced -> read > 0 ? moveRestartPoint() : Future.<Void>succeededFuture())
              .map(advanced -> {
                if (readAll) {
                  walReadTo = flushed;
                  caughtUpMillis.set(started);
                }
                return read;
              });
        });
      });
    });
  }

  /**
   * After a failed poll: when the slot is lost, the next poll counts the figures again instead of
   * reading; the poll's failure stands either way.
   */
  private Future<Long> checkSlot(Throwable failure) {
    return slot.loss().transform(checked -> {
      if (checked.succeeded() && checked.result().isPresent() && recountFor == null) {
        recountFor = checked.result().get();
        slotsLost.increment();
        LOG.error("Capture: {}. The changes it held are lost to the stream: the real-time figures are counted"
            + " again from a new slot (the API answers 503 until they are)", recountFor);
      }
      return Future.failedFuture(failure);
    });
  }

  /** Counts the figures again from a new slot, under the fence; until it succeeds, every poll is this. */
  private Future<Long> recount() {
    return holdFence().compose(held -> bootstrap().rebuild()).map(from -> {
      LOG.info("Capture: figures counted again after the loss of the slot ({}); streaming from {}", recountFor, from);
      recountFor = null;
      walReadTo = null;
      return 1L;
    });
  }

  /** The state of one poll: what was decoded and not yet shipped, and how far commits are complete. */
  private final class Pass {
    private final ChangeAssembler assembler = new ChangeAssembler();
    private final List<SaleChange> changes = new ArrayList<>();
    private final List<DeadLetter> letters = new ArrayList<>();
    /** Publishes not yet known to be complete, oldest first. */
    private final ArrayDeque<Future<Void>> shipping = new ArrayDeque<>();
    /** End of the last transaction fully read; it becomes safe to advance to once flushed. */
    private Lsn committedEnd;

    /** Completes when the next chunk may be read: at most {@link #SHIPS_IN_FLIGHT} publishes run meanwhile. */
    Future<Void> accept(List<PeekedMessage> chunk) {
      for (PeekedMessage message : chunk) {
        assembler.accept(PgOutputDecoder.decode(message.data())).ifPresent(this::collect);
      }
      if (changes.size() >= SHIP_BATCH) {
        shipping.add(flush());
      }
      while (!shipping.isEmpty() && shipping.peek().isComplete()) {
        Future<Void> shipped = shipping.poll();
        if (shipped.failed()) {
          return shipped;
        }
      }
      return shipping.size() < SHIPS_IN_FLIGHT ? Future.succeededFuture() : shipping.poll();
    }

    /** Ships the rest; completes when everything this pass read is durable. */
    Future<Void> finish() {
      shipping.add(flush());
      return Future.all(List.copyOf(shipping)).mapEmpty();
    }

    private void collect(TransactionEvent event) {
      if (event instanceof RowChange change) {
        if (!mapper.isSalesTable(change)) {
          return;
        }
        SaleMapping mapping = mapper.map(change);
        if (mapping instanceof SaleMapping.Mapped mapped) {
          changes.add(mapped.change());
        } else if (mapping instanceof SaleMapping.Rejected rejected) {
          letters.add(rejected.deadLetter());
        } else if (mapping instanceof SaleMapping.VoidedAndRejected both) {
          changes.add(both.change());
          letters.add(both.deadLetter());
        }
      } else if (event instanceof TransactionEvent.Truncated truncated) {
        // Not a sale change: the figures of every provider would have to be rebuilt (a new bootstrap).
        letters.add(new DeadLetter(new SourcePosition(truncated.commitLsn(), truncated.index()),
            "TRUNCATE of " + truncated.qualifiedTables() + ": the real-time figures no longer match the source;"
                + " re-bootstrap the capture", Map.of()));
        LOG.error("TRUNCATE of the sales table at {}: real-time figures need a new bootstrap", truncated.commitLsn());
      } else if (event instanceof TransactionEvent.Committed committed) {
        committedEnd = committed.endLsn();
      }
    }

    /** Ships what was collected and files the dead letters; completes when both are durable. */
    Future<Void> flush() {
      if (!fence.holds()) {
        // Frozen or stalled past the lease: another capture may have the slot now. The pass ends
        // unshipped; the next poll renews the fence, or finds it taken.
        return Future.failedFuture(new IllegalStateException("the capture fence's lease may have lapsed"
            + " (no renewal for most of capture.fenceLeaseSeconds): not shipping until it is renewed"));
      }
      List<SaleChange> shipping = List.copyOf(changes);
      List<DeadLetter> filing = List.copyOf(letters);
      changes.clear();
      letters.clear();
      return Future.all(publisher.publish(shipping), deadLetters.file(filing)).map(done -> {
        if (!shipping.isEmpty()) {
          lastShippedCommitMillis.set(shipping.get(shipping.size() - 1).commitTime().toEpochMilli());
          recordLatency(shipping);
        }
        deadLettered.increment(filing.size());
        return null;
      });
    }

    /** One latency per transaction, taken when its last change shipped is acknowledged. */
    private void recordLatency(List<SaleChange> shipped) {
      long now = System.currentTimeMillis();
      Lsn last = null;
      for (SaleChange change : shipped) {
        Lsn commit = change.position().commitLsn();
        if (!commit.equals(last)) {
          shipLatency.record(Math.max(0, now - change.commitTime().toEpochMilli()), TimeUnit.MILLISECONDS);
          last = commit;
        }
      }
    }
  }

  /**
   * The fence's lock lives with its connection: when PostgreSQL restarts (or fails over) it is gone,
   * and the slot is read again only once this capture holds the fence anew.
   */
  private Future<Void> holdFence() {
    return fence.renew().recover(lost -> {
      LOG.warn("Capture fence of slot {} lost with its connection ({}): taking it again", config.capture().slotName(),
          lost.toString());
      return fence.release()
          .transform(closed -> CaptureFence.acquire(vertx, config.database(), config.capture().slotName(),
              config.capture().fenceLease()))
          .map(acquired -> {
            fence = acquired;
            return null;
          });
    });
  }

  /** Between polls too (an idle capture may not touch its fence for long): a lost fence is taken again at the next poll. */
  private void renewFence() {
    CaptureFence held = fence;
    if (held != null && !stopping) {
      held.renew().onFailure(lost -> LOG.warn("Capture fence of slot {} not renewed: {}", config.capture().slotName(),
          lost.toString()));
    }
  }

  /**
   * After a pass that read changes, at most once a second: a running-transactions record lets the
   * slot's restart point follow its confirmed position at the next advance, so peeks stay short.
   */
  private Future<Void> moveRestartPoint() {
    long now = System.nanoTime();
    if (!restartPointsOffered || now - restartPointAskedNanos < RESTART_POINT_INTERVAL.toNanos()) {
      return Future.succeededFuture();
    }
    restartPointAskedNanos = now;
    return slot.logRunningTransactions().map(offered -> {
      if (!offered) {
        restartPointsOffered = false;
        LOG.info("pg_log_standby_snapshot() is not available to the capture user (PostgreSQL 16+ and EXECUTE"
            + " granted): after a burst of sales, peeks decode it again until the server's next 15-second snapshot");
      }
      return null;
    });
  }

  private Bootstrap bootstrap() {
    BaselineWriter writer = new BaselineWriter(vertx, aws, config.aws().dynamoDbTable(),
        new MetricKeys(config.businessZone()), config.aggregate().minuteRetention(), registry);
    return new Bootstrap(vertx, pool, config, writer, Clock.systemUTC());
  }

  /**
   * The product → provider mapping, reloaded every few seconds so new products count without a
   * restart. A change that alters how sales already captured count — a product moved to another
   * provider or removed, or a product mapped while sales of it lie among the dead letters (checked
   * at start too) — makes those sales' figures wrong, and no stream of changes can put them right (a
   * correction would subtract a sale that never counted). The figures are rebuilt then: a new
   * bootstrap, with the new mapping, of everything the real-time figures hold. Completes with
   * whether it did.
   */
  private Future<Boolean> refreshProducts() {
    if (mapper != null && Instant.now().isBefore(productsLoadedAt.plus(PRODUCTS_REFRESH))) {
      return Future.succeededFuture(false);
    }
    return pool.query("SELECT code, provider_id FROM pulso.products").execute().compose(rows -> {
      Map<String, Integer> loaded = new HashMap<>();
      for (Row row : rows) {
        loaded.put(row.getString(0), row.getInteger(1));
      }
      productsLoadedAt = Instant.now();
      if (loaded.equals(providerByProduct)) {
        return Future.succeededFuture(false);
      }
      String productColumn = config.source().saleProductColumn();
      return recountNeeded(loaded)
          .compose(needed -> needed
              ? bootstrap().rebuild().compose(from -> deadLetters.resolve(productColumn, loaded.keySet())).map(true)
              : Future.succeededFuture(false))
          .onSuccess(rebuilt -> {
            providerByProduct = loaded;
            mapper = new SaleChangeMapper(config.source(), config.businessZone(), loaded);
          });
    });
  }

  private Future<Boolean> recountNeeded(Map<String, Integer> loaded) {
    List<String> moved = new ArrayList<>();
    if (providerByProduct != null) {
      providerByProduct.forEach((code, provider) -> {
        if (!provider.equals(loaded.get(code))) {
          moved.add(code);
        }
      });
    }
    if (!moved.isEmpty()) {
      LOG.warn("Products {} moved to another provider or removed: rebuilding the real-time figures", moved);
      return Future.succeededFuture(true);
    }
    List<String> mapped = loaded.keySet().stream()
        .filter(code -> providerByProduct == null || !providerByProduct.containsKey(code)).toList();
    return deadLetters.unresolvedOfProducts(config.source().saleProductColumn(), mapped).map(found -> {
      if (found) {
        LOG.warn("Products were mapped after sales of them were dead-lettered: rebuilding the real-time figures"
            + " so that those sales count");
      }
      return found;
    });
  }

  private static Lsn max(Lsn a, Lsn b) {
    return a == null || b.compareTo(a) > 0 ? b : a;
  }

  private static Duration backoff(int failures) {
    long cap = Math.min(MAX_BACKOFF.toMillis(), 100L << Math.min(failures, 10));
    return Duration.ofMillis(ThreadLocalRandom.current().nextLong(cap / 2, cap + 1));
  }
}
