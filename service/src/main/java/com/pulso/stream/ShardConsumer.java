package com.pulso.stream;

import com.pulso.aggregate.BaselineWriter;
import com.pulso.aggregate.BatchFold;
import com.pulso.aggregate.DeltaWriter;
import com.pulso.aggregate.ItemDelta;
import com.pulso.aggregate.MetricKeys;
import com.pulso.aggregate.MetricsChanged;
import com.pulso.aws.AwsClients;
import com.pulso.config.PulsoConfig;
import com.pulso.sales.Lsn;
import com.pulso.sales.SaleChange;
import com.pulso.sales.SourcePosition;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.kinesis.model.ExpiredIteratorException;
import software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.GetShardIteratorRequest;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;

/**
 * Reads one Kinesis shard and applies it to the figures exactly once (docs/realtime.md): from the
 * checkpoint on (else from the shard's trim horizon, never its tip), each GetRecords batch is decoded,
 * folded, applied by the {@link DeltaWriter}, and only then checkpointed; then each provider whose
 * figures changed hears of it on {@code pulso.metrics.<providerId>} ({@link MetricsEvent}). A record
 * the codec cannot read is kept in S3 ({@link UnreadableRecords}) before the checkpoint passes it. A shard
 * read to its end (closed by a reshard) is marked finished with the highest position it delivered.
 * On a child shard, changes its parents delivered before the reshard are skipped.
 *
 * <p>Bound to the Vert.x context it was made on; nothing blocks. Failures never stop the shard: a
 * failed call or batch is retried with jittered backoff,
 * an expired iterator is obtained again from the checkpoint. One-shot: once stopped or finished, make
 * a new one.
 */
public final class ShardConsumer {

  private static final Logger LOG = LoggerFactory.getLogger(ShardConsumer.class);
  /** What Kinesis returns at most per GetRecords call: the consumer keeps its calls within it. */
  private static final long MAX_BYTES_PER_CALL = 10L * 1024 * 1024;
  /** The first call's Limit, before any record's size is known (records are up to 1 MiB). */
  private static final int FIRST_LIMIT = 10;

  /** A parent of the shard (after a reshard) and the hash keys it took. */
  public record Parent(String shardId, BigInteger startingHashKey, BigInteger endingHashKey) {}

  /** What every consumer of one stream on a member shares. */
  public static final class Shared {
    private final Vertx vertx;
    private final AwsClients clients;
    private final String stream;
    private final MetricKeys keys;
    private final ShardCheckpoints checkpoints;
    private final DeltaWriter writer;
    private final BootstrapGate gate;
    private final UnreadableRecords unreadable;
    private final PulsoConfig.Consume settings;
    private final ConsumerMeters meters;

    private Shared(Vertx vertx, AwsClients clients, String stream, MetricKeys keys, ShardCheckpoints checkpoints,
                   DeltaWriter writer, BootstrapGate gate, UnreadableRecords unreadable, PulsoConfig.Consume settings,
                   ConsumerMeters meters) {
      this.vertx = vertx;
      this.clients = clients;
      this.stream = stream;
      this.keys = keys;
      this.checkpoints = checkpoints;
      this.writer = writer;
      this.gate = gate;
      this.unreadable = unreadable;
      this.settings = settings;
      this.meters = meters;
    }

    /** For the stream {@code aws.kinesis.stream} and the table {@code aws.dynamodb.table} of {@code config}. */
    public static Shared of(Vertx vertx, AwsClients clients, PulsoConfig config, PulsoConfig.Consume settings,
                            MeterRegistry registry) {
      String stream = config.aws().kinesisStream();
      String table = config.aws().dynamoDbTable();
      MetricKeys keys = new MetricKeys(config.businessZone());
      BaselineWriter markers = new BaselineWriter(vertx, clients, table, keys, config.aggregate().minuteRetention(),
          registry);
      return new Shared(vertx, clients, stream, keys, new ShardCheckpoints(clients, table, stream, keys),
          new DeltaWriter(vertx, clients, table, keys, config.aggregate().minuteRetention(), registry),
          new BootstrapGate(vertx, markers, config.capture().slotName()),
          new UnreadableRecords(clients, config.aws().s3Bucket(), stream),
          Objects.requireNonNull(settings, "settings"), new ConsumerMeters(registry, stream));
    }

    public String stream() {
      return stream;
    }

    public ShardCheckpoints checkpoints() {
      return checkpoints;
    }

    /** Listens to the capture's bootstrap announcements until {@link BootstrapGate#stop()}. */
    public BootstrapGate gate() {
      return gate;
    }

    PulsoConfig.Consume settings() {
      return settings;
    }
  }

  /** A parent's hash-key range and the highest position it delivered: changes at or below it were applied there. */
  private record Cutoff(Parent parent, SourcePosition highest) {
    boolean delivered(BigInteger hashKey, SourcePosition position) {
      return parent.startingHashKey().compareTo(hashKey) <= 0 && hashKey.compareTo(parent.endingHashKey()) <= 0
          && position.compareTo(highest) <= 0;
    }
  }

  /** One GetRecords batch decoded: what to apply, what to keep aside, and where it leaves the shard. */
  private record Batch(List<SaleChange> changes, List<UnreadableRecords.Unreadable> unreadable, String lastSequence,
                       SourcePosition highest, Progress progress) {}

  /**
   * The item deltas of a batch its earlier attempts applied, under the bootstrap they were applied
   * under: a retry sends only the rest ({@link DeltaWriter#apply(BatchFold, java.util.function.Supplier, Set)}),
   * and a new bootstrap — which deletes every item — forgets them.
   */
  private static final class Progress {
    private final Set<ItemDelta> applied = new HashSet<>();
    private Lsn from;

    Set<ItemDelta> under(Lsn bootstrap) {
      if (!bootstrap.equals(from)) {
        applied.clear();
        from = bootstrap;
      }
      return applied;
    }
  }

  private final Shared shared;
  private final String shardId;
  private final List<Parent> parents;
  private final Context context;
  private final Random jitter = new Random();
  private final AtomicLong millisBehindLatest = new AtomicLong();
  /** When the last GetRecords answered (0: none yet): the lag grows from it while nothing else is read. */
  private final AtomicLong lastReadMillis = new AtomicLong();
  private final Promise<Void> ended = Promise.promise();

  private Gauge lagGauge;
  private List<Cutoff> cutoffs = List.of();
  private String iterator;
  /** The sequence number of the last record checkpointed; null: none, read from the trim horizon. */
  private String checkpointed;
  /** The highest position read from the shard so far, over every owner (it comes with the checkpoint). */
  private SourcePosition highest;
  private boolean started;
  private volatile boolean finished;
  /** A batch is being applied and checkpointed, or the shard marked finished: a stop waits for it. */
  private boolean applying;
  private boolean stopRequested;
  private boolean waitingForBootstrap;
  private long timer = -1;
  private long lastCallNanos;
  /** GetRecords' Limit for the next call: see {@link #sizeNextCall}. */
  private int limit;
  private int failuresInARow;

  /**
   * @param parents the shard's parents still listed by Kinesis (empty unless the shard was born of a
   *     reshard): changes in a parent's hash range at or below the highest position it delivered are skipped
   */
  public ShardConsumer(Shared shared, String shardId, List<Parent> parents) {
    this.shared = Objects.requireNonNull(shared, "shared");
    this.shardId = Objects.requireNonNull(shardId, "shardId");
    this.parents = List.copyOf(parents);
    this.context = shared.vertx.getOrCreateContext();
    this.limit = Math.min(FIRST_LIMIT, shared.settings.recordsPerCall());
  }

  public String shardId() {
    return shardId;
  }

  /** Starts reading (once); the first steps are retried until they succeed or {@link #stop()} is called. */
  public void start() {
    context.runOnContext(v -> {
      if (started || ended.future().isComplete()) {
        return;
      }
      started = true;
      lagGauge = shared.meters.lag(shardId, () -> {
        long read = lastReadMillis.get();
        return millisBehindLatest.get() + (read == 0 ? 0 : Math.max(0, System.currentTimeMillis() - read));
      });
      resume();
    });
  }

  /**
   * Stops reading. Completes once the batch in flight, if any, is applied and checkpointed (or has
   * failed: it is read again by the shard's next owner); at once when the consumer was waiting or
   * reading (what a read in flight returns is dropped, and read again by the shard's next owner).
   */
  public Future<Void> stop() {
    context.runOnContext(v -> {
      stopRequested = true;
      if (!applying) {
        end();
      }
    });
    return ended.future();
  }

  /** Completes when the consumer ends: stopped, or the shard read to its end. */
  public Future<Void> ended() {
    return ended.future();
  }

  /** Whether the shard was read to its end (and marked finished) by this consumer. */
  public boolean finished() {
    return finished;
  }

  // The steps below run on the context, one at a time: each makes a call and, on its answer, schedules
  // the next. An answer arriving after the consumer ended is dropped (isEnded()).

  /** Reads the checkpoint and the parents' highest positions, then obtains the iterator. */
  private void resume() {
    shared.checkpoints.read(shardId)
        .compose(checkpoint -> loadCutoffs().map(loaded -> {
          cutoffs = loaded;
          return checkpoint;
        }))
        .onSuccess(checkpoint -> {
          if (isEnded()) {
            return;
          }
          if (checkpoint.finished()) {
            LOG.info("Shard {} of {} is finished already: nothing to read", shardId, shared.stream);
            finished = true;
            end();
            return;
          }
          checkpointed = checkpoint.sequence().orElse(null);
          highest = checkpoint.highest().orElse(null);
          LOG.info("Shard {} of {}: reading {}{}", shardId, shared.stream,
              checkpointed == null ? "from the trim horizon" : "after " + checkpointed,
              cutoffs.isEmpty() ? "" : ", skipping what parents " + cutoffs.stream().map(c -> c.parent().shardId()).toList()
                  + " delivered");
          reposition();
        })
        .onFailure(error -> retryLater("resume", error, this::resume));
  }

  private Future<List<Cutoff>> loadCutoffs() {
    List<Future<Optional<Cutoff>>> loads = new ArrayList<>();
    for (Parent parent : parents) {
      loads.add(shared.checkpoints.read(parent.shardId())
          .map(checkpoint -> checkpoint.highest().map(position -> new Cutoff(parent, position))));
    }
    return Future.all(loads).map(all -> {
      List<Cutoff> found = new ArrayList<>();
      loads.forEach(load -> load.result().ifPresent(found::add));
      return found;
    });
  }

  /** A fresh iterator just after the checkpoint (else at the trim horizon). */
  private void reposition() {
    GetShardIteratorRequest.Builder request = GetShardIteratorRequest.builder().streamName(shared.stream).shardId(shardId);
    if (checkpointed == null) {
      request.shardIteratorType(ShardIteratorType.TRIM_HORIZON);
    } else {
      request.shardIteratorType(ShardIteratorType.AFTER_SEQUENCE_NUMBER).startingSequenceNumber(checkpointed);
    }
    shared.clients.call(() -> shared.clients.kinesis().getShardIterator(request.build()))
        .onSuccess(response -> {
          if (isEnded()) {
            return;
          }
          iterator = response.shardIterator();
          schedule(0, this::poll);
        })
        .onFailure(error -> retryLater("iterator", error, this::reposition));
  }

  private void poll() {
    lastCallNanos = System.nanoTime();
    String current = iterator;
    shared.clients.call(() -> shared.clients.kinesis().getRecords(b -> b.shardIterator(current)
            .limit(limit)))
        .onSuccess(this::received)
        .onFailure(error -> {
          if (isEnded()) {
            return;
          }
          if (error instanceof ExpiredIteratorException) {
            shared.meters.failures("expired-iterator").increment();
            LOG.info("Shard {}: iterator expired, obtaining one after the checkpoint again", shardId);
            reposition();
          } else {
            retryLater("getrecords", error, this::poll);
          }
        });
  }

  private void received(GetRecordsResponse response) {
    if (isEnded()) {
      return;
    }
    failuresInARow = 0;
    Long behind = response.millisBehindLatest();
    millisBehindLatest.set(behind == null ? 0 : behind);
    lastReadMillis.set(System.currentTimeMillis());
    String next = response.nextShardIterator();
    sizeNextCall(response.records());
    if (response.records().isEmpty()) {
      if (next == null) {
        finishShard();
      } else {
        iterator = next;
        // Behind the tip with nothing returned: records lie further on, past a gap; read on without idling.
        schedule(behind != null && behind > 0 ? pacing() : Math.max(pacing(), shared.settings.idleDelay().toMillis()),
            this::poll);
      }
      return;
    }
    apply(decode(response.records()), next);
  }

  /**
   * Sizes the next call from the records just read so that it asks for about 10 MiB, as Kinesis
   * returns at most: packed records are large, and an emulator that ignores the byte limit would
   * otherwise hand {@code consume.recordsPerCall} of them at once.
   */
  private void sizeNextCall(List<Record> records) {
    if (records.isEmpty()) {
      return;
    }
    long bytes = 0;
    for (Record record : records) {
      bytes += record.data().asByteArrayUnsafe().length;
    }
    shared.meters.callSize.record(bytes);
    long average = Math.max(1, bytes / records.size());
    limit = (int) Math.max(1, Math.min(shared.settings.recordsPerCall(), MAX_BYTES_PER_CALL / average));
  }

  private Batch decode(List<Record> records) {
    List<SaleChange> kept = new ArrayList<>();
    List<UnreadableRecords.Unreadable> unreadable = new ArrayList<>();
    SourcePosition top = highest;
    for (Record record : records) {
      shared.meters.records.increment();
      List<SaleChange> changes;
      try {
        changes = SaleChangeCodec.decode(record.data().asByteArrayUnsafe());
      } catch (UnreadableRecordException e) {
        unreadable.add(new UnreadableRecords.Unreadable(record, e.getMessage()));
        continue;
      }
      for (SaleChange change : changes) {
        shared.meters.changes.increment();
        if (top == null || change.position().compareTo(top) > 0) {
          top = change.position();
        }
        if (deliveredByParent(change)) {
          shared.meters.skippedFromParent.increment();
        } else {
          kept.add(change);
        }
      }
    }
    return new Batch(kept, unreadable, records.get(records.size() - 1).sequenceNumber(), top, new Progress());
  }

  private boolean deliveredByParent(SaleChange change) {
    if (cutoffs.isEmpty()) {
      return false;
    }
    BigInteger hashKey = ShardMap.hashKey(SaleChangeCodec.partitionKey(change));
    for (Cutoff cutoff : cutoffs) {
      if (cutoff.delivered(hashKey, change.position())) {
        return true;
      }
    }
    return false;
  }

  /**
   * Applies the batch, then checkpoints it, then tells the providers; retried until it succeeds or a
   * stop. Changes committed before the bootstrap's consistent point are in its base figures: skipped.
   * While there is no bootstrap (none yet, or one being redone) the batch waits.
   */
  private void apply(Batch batch, String next) {
    applying = true;
    shared.gate.from().compose(from -> {
      if (from.isEmpty()) {
        return Future.<List<SaleChange>>failedFuture(new BootstrapPendingException());
      }
      List<SaleChange> counted = new ArrayList<>(batch.changes().size());
      for (SaleChange change : batch.changes()) {
        if (change.position().commitLsn().compareTo(from.get()) >= 0) {
          counted.add(change);
        }
      }
      BatchFold fold = BatchFold.of(shared.keys, shardId, counted);
      Future<Void> applied = fold.deltas().isEmpty() ? Future.succeededFuture()
          : shared.writer.apply(fold, () -> shared.gate.still(from.get()).compose(same -> same
              ? Future.<Void>succeededFuture() : Future.failedFuture(new BootstrapPendingException())),
              batch.progress().under(from.get()));
      return applied
          .compose(v -> keepUnreadable(batch.unreadable()))
          .compose(v -> shared.checkpoints.save(shardId, batch.lastSequence(), batch.highest()))
          .map(v -> {
            announce(fold, counted);
            shared.meters.skippedBeforeBootstrap.increment(batch.changes().size() - counted.size());
            return counted;
          });
    })
        .onSuccess(counted -> {
          checkpointed = batch.lastSequence();
          highest = batch.highest();
          failuresInARow = 0;
          waitingForBootstrap = false;
          applying = false;
          if (next == null) {
            finishShard();
          } else if (stopRequested) {
            end();
          } else {
            iterator = next;
            schedule(pacing(), this::poll);
          }
        })
        .onFailure(error -> {
          if (error instanceof ConditionalCheckFailedException) {
            // The checkpoint says finished: another owner read the shard to its end meanwhile.
            LOG.info("Shard {} of {} was finished by another member; stopping here", shardId, shared.stream);
            applying = false;
            finished = true;
            end();
            return;
          }
          if (error instanceof BootstrapPendingException) {
            if (!waitingForBootstrap) {
              LOG.info("Shard {} of {}: no bootstrap of the capture to count on yet (or one being redone); waiting",
                  shardId, shared.stream);
              waitingForBootstrap = true;
            }
            applying = false;
            schedule(BootstrapGate.REFRESH.toMillis(), () -> apply(batch, next));
            return;
          }
          retryLater("apply", error, () -> apply(batch, next));
        });
  }

  /** Stores the records the codec refused before the checkpoint passes them. */
  private Future<Void> keepUnreadable(List<UnreadableRecords.Unreadable> records) {
    if (records.isEmpty()) {
      return Future.succeededFuture();
    }
    return shared.unreadable.store(shardId, records).onSuccess(stored -> {
      shared.meters.unreadable.increment(records.size());
      for (UnreadableRecords.Unreadable record : records) {
        LOG.error("Shard {} of {}: record {} (partition key {}) is unreadable, kept in S3 as {} and skipped: {}", shardId,
            shared.stream, record.record().sequenceNumber(), record.record().partitionKey(),
            shared.unreadable.key(shardId, record.record().sequenceNumber()), record.reason());
      }
    });
  }

  /** The bootstrap marker is missing, or changed while a batch was applied. */
  private static final class BootstrapPendingException extends RuntimeException {
    BootstrapPendingException() {
      super("no bootstrap of the capture to count on", null, false, false);
    }
  }

  private void announce(BatchFold fold, List<SaleChange> changes) {
    for (MetricsChanged changed : fold.changed().values()) {
      shared.vertx.eventBus().publish(MetricsEvent.address(changed.providerId()), MetricsEvent.toJson(changed));
    }
    Instant now = Instant.now();
    for (SaleChange change : changes) {
      long millis = Math.max(0, Duration.between(change.commitTime(), now).toMillis());
      shared.meters.freshness.record(millis, TimeUnit.MILLISECONDS);
    }
  }

  private void finishShard() {
    applying = true;
    shared.checkpoints.finish(shardId, highest)
        .onSuccess(v -> {
          applying = false;
          finished = true;
          shared.meters.shardsFinished.increment();
          LOG.info("Shard {} of {} read to its end (highest position {}); its children may be read", shardId,
              shared.stream, highest);
          end();
        })
        .onFailure(error -> retryLater("finish", error, this::finishShard));
  }

  private void retryLater(String kind, Throwable error, Runnable step) {
    if (isEnded()) {
      return;
    }
    applying = false;
    shared.meters.failures(kind).increment();
    failuresInARow++;
    long ceiling = Math.min(shared.settings.maxBackoff().toMillis(),
        shared.settings.firstBackoff().toMillis() << Math.min(failuresInARow - 1, 20));
    long delay = ceiling <= 0 ? 0 : 1 + (long) (jitter.nextDouble() * ceiling);
    if (failuresInARow == 1 || failuresInARow % 10 == 0) {
      LOG.warn("Shard {} of {}: {} failed ({} in a row), again in {} ms: {}", shardId, shared.stream, kind,
          failuresInARow, delay, error.toString());
    }
    schedule(delay, step);
  }

  /** Milliseconds until the next GetRecords may go out (Kinesis takes 5 calls per second and shard). */
  private long pacing() {
    long since = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastCallNanos);
    return Math.max(0, shared.settings.minPollInterval().toMillis() - since);
  }

  private void schedule(long delayMillis, Runnable step) {
    if (stopRequested) {
      end();
      return;
    }
    if (delayMillis <= 0) {
      context.runOnContext(v -> {
        if (stopRequested) {
          end();
        } else {
          step.run();
        }
      });
      return;
    }
    timer = shared.vertx.setTimer(delayMillis, id -> {
      timer = -1;
      step.run();
    });
  }

  private boolean isEnded() {
    return ended.future().isComplete();
  }

  private void end() {
    if (ended.future().isComplete()) {
      return;
    }
    if (timer >= 0) {
      shared.vertx.cancelTimer(timer);
      timer = -1;
    }
    if (lagGauge != null) {
      shared.meters.remove(lagGauge);
    }
    ended.complete();
  }
}
