package com.pulso.stream;

import com.pulso.aws.AwsClients;
import com.pulso.sales.SaleChange;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequest;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResultEntry;

/**
 * Ships sale changes to the Kinesis stream with PutRecords, keeping the ordering guarantee of
 * docs/realtime.md: per shard, records arrive in the order changes were published. Changes are
 * grouped by the shard of their partition key and packed into records of up to 1 MiB addressed to
 * that shard ({@code ExplicitHashKey}); each shard has at most one record in flight, so one
 * PutRecords call carries at most one record per shard, and a record that failed is retried (alone,
 * with jittered exponential backoff) before anything later for its shard.
 *
 * <p>Owned by one verticle and bound to the Vert.x context it was made on: calls from elsewhere hop
 * onto it. Publishes may overlap; their changes queue per shard in call order. A permanent failure,
 * or a retryable one that outlasts {@link Retry#maxAttempts}, fails every publish not yet
 * acknowledged with a {@link KinesisPublishException}: the caller then publishes again from its first
 * unacknowledged change (a change delivered twice is ignored downstream by its position; a change
 * skipped is not).
 */
public final class KinesisPublisher {

  /** Kinesis's limit on one record: its data plus its partition key. */
  public static final int MAX_RECORD_BYTES = 1024 * 1024;
  /** Kinesis's limits on one PutRecords call (data plus partition keys). */
  public static final int MAX_CALL_RECORDS = 500;
  public static final int MAX_CALL_BYTES = 5 * 1024 * 1024;

  /** Per-entry error codes worth another attempt; any other entry error fails at once. */
  private static final Set<String> RETRYABLE_ENTRY_ERRORS =
      Set.of("ProvisionedThroughputExceededException", "InternalFailure", "KMSThrottlingException");
  /** Whole-call AWS errors (beyond throttling and 5xx) worth another attempt. */
  private static final Set<String> RETRYABLE_CALL_ERRORS =
      Set.of("ProvisionedThroughputExceededException", "LimitExceededException", "KMSThrottlingException");

  /** Attempts per record and the backoff between them: full jitter over {@code first * 2^(attempt-1)}, capped. */
  public record Retry(int maxAttempts, Duration firstBackoff, Duration maxBackoff) {
    public static final Retry DEFAULT = new Retry(10, Duration.ofMillis(50), Duration.ofSeconds(5));

    public Retry {
      if (maxAttempts < 1 || firstBackoff.isNegative() || maxBackoff.compareTo(firstBackoff) < 0) {
        throw new IllegalArgumentException("maxAttempts must be >= 1 and 0 <= firstBackoff <= maxBackoff: "
            + maxAttempts + ", " + firstBackoff + ", " + maxBackoff);
      }
    }
  }

  private final Context context;
  private final String stream;
  private final Function<PutRecordsRequest, Future<PutRecordsResponse>> putRecords;
  private final Supplier<Future<ShardMap>> loadShards;
  private final Retry retry;
  private final Random jitter = new Random();
  private final PublisherMeters meters;

  private ShardMap shardMap;
  /** The changes not yet acknowledged, per shard of the current shard map; replaced whole after a failure. */
  private Map<String, ShardQueue> queues = new LinkedHashMap<>();
  /** Bumped when everything pending is failed: answers and timers of an older generation change nothing. */
  private int generation;
  private long arrivals;
  private int recordsInFlight;
  private long unacknowledged;
  private boolean refreshWanted;
  private boolean refreshing;
  private List<Promise<Void>> refreshWaiters = new ArrayList<>();
  private boolean pumping;
  private boolean pumpAgain;
  /** Set by {@link #close()}: nothing more is taken. */
  private boolean closed;

  /** A publisher calling PutRecords through {@code clients} on the stream of {@code shards}. */
  public KinesisPublisher(Vertx vertx, AwsClients clients, ShardMap shards, MeterRegistry registry) {
    this(vertx, shards, () -> ShardMap.load(clients, shards.stream()),
        request -> clients.call(() -> clients.kinesis().putRecords(request)), Retry.DEFAULT, registry);
  }

  /**
   * @param loadShards lists the stream's shards again (after a record lands on an unexpected shard, or
   *     on {@link #refreshShards()})
   * @param putRecords one PutRecords call, its future completed on any thread
   */
  public KinesisPublisher(Vertx vertx, ShardMap shards, Supplier<Future<ShardMap>> loadShards,
      Function<PutRecordsRequest, Future<PutRecordsResponse>> putRecords, Retry retry, MeterRegistry registry) {
    this.context = vertx.getOrCreateContext();
    this.shardMap = Objects.requireNonNull(shards, "shards");
    this.stream = shards.stream();
    this.loadShards = Objects.requireNonNull(loadShards, "loadShards");
    this.putRecords = Objects.requireNonNull(putRecords, "putRecords");
    this.retry = Objects.requireNonNull(retry, "retry");
    this.meters = new PublisherMeters(registry, stream);
  }

  /** Lists the stream's shards, then a publisher for it. */
  public static Future<KinesisPublisher> create(Vertx vertx, AwsClients clients, String stream, MeterRegistry registry) {
    return ShardMap.load(clients, stream).map(shards -> new KinesisPublisher(vertx, clients, shards, registry));
  }

  /**
   * Queues the changes behind every change published before and completes once Kinesis has
   * acknowledged all of them. Within the call they are ordered by position.
   */
  public Future<Void> publish(List<? extends SaleChange> changes) {
    List<SaleChange> copy = List.copyOf(changes);
    return onContext(() -> enqueue(copy));
  }

  /**
   * Lists the shards again and regroups the changes not yet sent by it. Sending pauses until the
   * records in flight are answered, so no shard sees a later record overtake an earlier one. Call it
   * on a schedule and after a reshard; a record landing on an unexpected shard triggers it too.
   */
  public Future<Void> refreshShards() {
    return onContext(() -> {
      Promise<Void> refreshed = Promise.promise();
      refreshWaiters.add(refreshed);
      refreshWanted = true;
      pump();
      return refreshed.future();
    });
  }

  /**
   * Gives up: every publish not yet acknowledged fails at once, and so does every later one. An owner
   * that stops (a capture handing over) must not wait out the retries of a Kinesis it cannot reach. A
   * record already in flight may still land; its changes count once downstream, by their positions.
   */
  public Future<Void> close() {
    return onContext(() -> {
      closed = true;
      failEverything(closedFailure());
      return Future.succeededFuture();
    });
  }

  /** Changes published and not yet acknowledged (nor failed): for the owner's backpressure. */
  public long unacknowledgedChanges() {
    return unacknowledged;
  }

  public ShardMap shardMap() {
    return shardMap;
  }

  private Future<Void> enqueue(List<SaleChange> changes) {
    if (closed) {
      return Future.failedFuture(closedFailure());
    }
    if (changes.isEmpty()) {
      return Future.succeededFuture();
    }
    List<SaleChange> ordered = new ArrayList<>(changes);
    ordered.sort(Comparator.comparing(SaleChange::position)); // stable: equal positions keep their order
    Batch batch = new Batch(ordered.size());
    List<Pending> pending = new ArrayList<>(ordered.size());
    try {
      for (SaleChange change : ordered) {
        Pending next = new Pending(SaleChangeCodec.encodeChange(change), SaleChangeCodec.partitionKey(change), batch);
        if (SaleChangeCodec.recordSize(1, next.size()) + next.partitionKeyBytes() > MAX_RECORD_BYTES) {
          throw new IllegalArgumentException("change " + change.position() + " alone exceeds a Kinesis record ("
              + MAX_RECORD_BYTES + " bytes)");
        }
        pending.add(next);
      }
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    for (Pending next : pending) {
      next.arrival = arrivals++;
      queueOf(shardMap.shardFor(next.partitionKey)).waiting.add(next);
    }
    unacknowledged += pending.size();
    pump();
    return batch.promise.future();
  }

  /** Sends what can be sent; re-entrant calls (an answer completing synchronously) loop here instead of nesting. */
  private void pump() {
    if (pumping) {
      pumpAgain = true;
      return;
    }
    pumping = true;
    try {
      do {
        pumpAgain = false;
        sendReadyRecords();
      } while (pumpAgain);
    } finally {
      pumping = false;
    }
  }

  private void sendReadyRecords() {
    if (refreshWanted) {
      if (recordsInFlight == 0 && !refreshing) {
        refresh();
      }
      return;
    }
    List<List<OutgoingRecord>> calls = new ArrayList<>();
    List<OutgoingRecord> call = new ArrayList<>();
    long callBytes = 0;
    for (ShardQueue queue : queues.values()) {
      if (queue.inFlight || queue.backingOff || (queue.head == null && queue.waiting.isEmpty())) {
        continue;
      }
      if (queue.head == null) {
        queue.head = pack(queue);
      }
      OutgoingRecord record = queue.head;
      if (call.size() == MAX_CALL_RECORDS || callBytes + record.size > MAX_CALL_BYTES) {
        calls.add(call);
        call = new ArrayList<>();
        callBytes = 0;
      }
      call.add(record);
      callBytes += record.size;
      queue.inFlight = true;
      recordsInFlight++;
    }
    if (!call.isEmpty()) {
      calls.add(call);
    }
    calls.forEach(this::send); // after the loop: an answer completing synchronously may replace the queues
  }

  /** The shard's next record: its waiting changes, in order, up to the record limit. */
  private OutgoingRecord pack(ShardQueue queue) {
    Pending first = queue.waiting.peek();
    long budget = MAX_RECORD_BYTES - first.partitionKeyBytes();
    List<Pending> taken = new ArrayList<>();
    long changeBytes = 0;
    while (!queue.waiting.isEmpty()) {
      Pending next = queue.waiting.peek();
      if (!taken.isEmpty() && SaleChangeCodec.recordSize(taken.size() + 1, changeBytes + next.size()) > budget) {
        break;
      }
      taken.add(queue.waiting.poll());
      changeBytes += next.size();
    }
    byte[] data = SaleChangeCodec.record(taken.stream().map(p -> p.change).toList());
    // The first change's own hash key: inside this shard's range by the current map, and after a
    // reshard the record follows that change to wherever its partition key now lives.
    String explicitHashKey = ShardMap.hashKey(first.partitionKey).toString();
    return new OutgoingRecord(queue, taken, data, first.partitionKey, explicitHashKey, generation);
  }

  private void send(List<OutgoingRecord> records) {
    List<PutRecordsRequestEntry> entries = new ArrayList<>(records.size());
    long bytes = 0;
    for (OutgoingRecord record : records) {
      entries.add(PutRecordsRequestEntry.builder()
          .data(SdkBytes.fromByteArrayUnsafe(record.data))
          .partitionKey(record.partitionKey)
          .explicitHashKey(record.explicitHashKey)
          .build());
      bytes += record.size;
      meters.recordSize.record(record.size);
    }
    meters.callRecords.record(records.size());
    meters.callBytes.record(bytes);
    meters.recordsSent.increment(records.size());
    PutRecordsRequest request = PutRecordsRequest.builder().streamName(stream).records(entries).build();
    long start = System.nanoTime();
    Future<PutRecordsResponse> answer;
    try {
      answer = putRecords.apply(request);
    } catch (RuntimeException e) {
      answer = Future.failedFuture(e);
    }
    answer.onComplete(result -> runOnContext(() -> {
      (result.succeeded() ? meters.callSucceeded : meters.callFailed).record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
      answered(records, result);
    }));
  }

  private void answered(List<OutgoingRecord> records, AsyncResult<PutRecordsResponse> result) {
    for (OutgoingRecord record : records) {
      record.queue.inFlight = false;
      if (record.generation == generation) {
        recordsInFlight--;
      }
    }
    if (result.failed()) {
      Throwable error = result.cause();
      String code = errorCode(error);
      for (OutgoingRecord record : records) {
        if (record.generation == generation) {
          failedAttempt(record, code, error.getMessage(), error, retryableCall(error));
        }
      }
    } else {
      List<PutRecordsResultEntry> entries = result.result().records();
      for (int i = 0; i < records.size(); i++) {
        OutgoingRecord record = records.get(i);
        if (record.generation != generation) {
          continue; // failed with everything pending while in flight: its publish is already settled
        }
        PutRecordsResultEntry entry = i < entries.size() ? entries.get(i) : null;
        if (entry == null) {
          failedAttempt(record, "MissingResultEntry", "PutRecords answered " + entries.size() + " entries for "
              + records.size() + " records", null, true);
        } else if (entry.errorCode() == null) {
          acknowledged(record, entry);
        } else {
          failedAttempt(record, entry.errorCode(), entry.errorMessage(), null,
              RETRYABLE_ENTRY_ERRORS.contains(entry.errorCode()));
        }
      }
    }
    pump();
  }

  private void acknowledged(OutgoingRecord record, PutRecordsResultEntry entry) {
    record.queue.head = null;
    meters.records.increment();
    meters.changes.increment(record.changes.size());
    meters.bytes.increment(record.size);
    unacknowledged -= record.changes.size();
    if (!record.queue.shard.id().equals(entry.shardId())) {
      // Kinesis knows of shards this map does not (a reshard): the record is in, ordered behind the
      // closed parent; later ones should be grouped by the stream's shards as they are now.
      meters.misrouted.increment();
      refreshWanted = true;
    }
    for (Pending change : record.changes) {
      change.batch.acknowledged();
    }
  }

  private void failedAttempt(OutgoingRecord record, String code, String message, Throwable cause, boolean retryable) {
    meters.entriesFailed(code).increment();
    record.attempts++;
    if (!retryable || record.attempts >= retry.maxAttempts()) {
      SaleChange first = record.changes.get(0).change.change();
      SaleChange last = record.changes.get(record.changes.size() - 1).change.change();
      failEverything(new KinesisPublishException("Kinesis stream '" + stream + "' did not take a record for shard "
          + record.queue.shard.id() + " (" + record.changes.size() + " changes, positions " + first.position() + " to "
          + last.position() + ") after " + record.attempts + (record.attempts == 1 ? " attempt" : " attempts") + ": " + code
          + (message == null ? "" : " (" + message + ")")
          + (retryable ? "" : "; not retryable"), code, cause));
      return;
    }
    meters.entriesRetried.increment();
    ShardQueue queue = record.queue;
    queue.backingOff = true;
    context.owner().setTimer(Math.max(1, backoffMillis(record.attempts)), id -> {
      queue.backingOff = false;
      if (record.generation == generation) {
        pump();
      }
    });
  }

  /** Fails every publish not yet acknowledged and starts afresh: nothing pending may go out after a gap. */
  private void failEverything(KinesisPublishException failure) {
    Set<Batch> batches = new LinkedHashSet<>();
    for (ShardQueue queue : queues.values()) {
      if (queue.head != null) {
        queue.head.changes.forEach(change -> batches.add(change.batch));
      }
      queue.waiting.forEach(change -> batches.add(change.batch));
    }
    generation++;
    queues = new LinkedHashMap<>();
    recordsInFlight = 0;
    unacknowledged = 0;
    meters.publishFailures.increment(batches.size());
    batches.forEach(batch -> batch.fail(failure));
  }

  private KinesisPublishException closedFailure() {
    return new KinesisPublishException("the publisher of Kinesis stream '" + stream
        + "' was closed: changes not acknowledged by then are not sent", "PublisherClosed", null);
  }

  private void refresh() {
    refreshing = true;
    Future<ShardMap> loaded;
    try {
      loaded = loadShards.get();
    } catch (RuntimeException e) {
      loaded = Future.failedFuture(e);
    }
    loaded.onComplete(result -> runOnContext(() -> {
      refreshing = false;
      refreshWanted = false;
      List<Promise<Void>> waiters = refreshWaiters;
      refreshWaiters = new ArrayList<>();
      if (result.succeeded()) {
        shardMap = result.result();
        regroup();
        waiters.forEach(Promise::complete);
      } else {
        // Keep sending by the old map: records still land (Kinesis routes by hash key); the next
        // unexpected shard asks again.
        meters.refreshFailures.increment();
        waiters.forEach(waiter -> waiter.fail(result.cause()));
      }
      pump();
    }));
  }

  /** Puts every unsent change, in arrival order, in the queue of its shard by the current map. Nothing is in flight. */
  private void regroup() {
    List<Pending> pending = new ArrayList<>();
    for (ShardQueue queue : queues.values()) {
      if (queue.head != null) {
        pending.addAll(queue.head.changes);
      }
      pending.addAll(queue.waiting);
    }
    pending.sort(Comparator.comparingLong(change -> change.arrival));
    queues = new LinkedHashMap<>();
    for (Pending change : pending) {
      queueOf(shardMap.shardFor(change.partitionKey)).waiting.add(change);
    }
  }

  private ShardQueue queueOf(ShardMap.Shard shard) {
    return queues.computeIfAbsent(shard.id(), id -> new ShardQueue(shard));
  }

  private long backoffMillis(int attempt) {
    long ceiling = retry.firstBackoff().toMillis() << Math.min(attempt - 1, 30);
    long capped = Math.min(Math.max(ceiling, 0), retry.maxBackoff().toMillis());
    return capped <= 0 ? 0 : 1 + (long) (jitter.nextDouble() * capped);
  }

  private <T> Future<T> onContext(Supplier<Future<T>> action) {
    if (Vertx.currentContext() == context) {
      return action.get();
    }
    Promise<T> promise = Promise.promise();
    context.runOnContext(v -> action.get().onComplete(promise));
    return promise.future();
  }

  private void runOnContext(Runnable action) {
    if (Vertx.currentContext() == context) {
      action.run();
    } else {
      context.runOnContext(v -> action.run());
    }
  }

  private static boolean retryableCall(Throwable error) {
    if (error instanceof AwsServiceException aws) {
      String code = aws.awsErrorDetails() == null ? null : aws.awsErrorDetails().errorCode();
      return aws.isThrottlingException() || aws.statusCode() >= 500 || RETRYABLE_CALL_ERRORS.contains(code);
    }
    return true; // network, timeouts, the client's own failures: transient until proven otherwise
  }

  private static String errorCode(Throwable error) {
    if (error instanceof AwsServiceException aws && aws.awsErrorDetails() != null && aws.awsErrorDetails().errorCode() != null) {
      return aws.awsErrorDetails().errorCode();
    }
    return error.getClass().getSimpleName();
  }

  /** One publish call: its future completes when its last change is acknowledged. */
  private static final class Batch {
    final Promise<Void> promise = Promise.promise();
    int unacknowledged;

    Batch(int changes) {
      this.unacknowledged = changes;
    }

    void acknowledged() {
      if (--unacknowledged == 0) {
        promise.tryComplete();
      }
    }

    void fail(Throwable failure) {
      promise.tryFail(failure);
    }
  }

  /** A change waiting for Kinesis, encoded once. */
  private static final class Pending {
    final SaleChangeCodec.EncodedChange change;
    final String partitionKey;
    final Batch batch;
    long arrival;

    Pending(SaleChangeCodec.EncodedChange change, String partitionKey, Batch batch) {
      this.change = change;
      this.partitionKey = partitionKey;
      this.batch = batch;
    }

    int size() {
      return change.size();
    }

    int partitionKeyBytes() {
      return partitionKey.getBytes(StandardCharsets.UTF_8).length;
    }
  }

  /** A shard's changes not yet acknowledged: its one record out (or backing off), then the ones waiting. */
  private static final class ShardQueue {
    final ShardMap.Shard shard;
    final ArrayDeque<Pending> waiting = new ArrayDeque<>();
    OutgoingRecord head;
    boolean inFlight;
    boolean backingOff;

    ShardQueue(ShardMap.Shard shard) {
      this.shard = shard;
    }
  }

  /** A packed record, sent again as is until acknowledged. */
  private static final class OutgoingRecord {
    final ShardQueue queue;
    final List<Pending> changes;
    final byte[] data;
    final String partitionKey;
    final String explicitHashKey;
    final int generation;
    /** Data plus partition key, as Kinesis counts a record against its limits. */
    final int size;
    int attempts;

    OutgoingRecord(ShardQueue queue, List<Pending> changes, byte[] data, String partitionKey, String explicitHashKey,
        int generation) {
      this.queue = queue;
      this.changes = changes;
      this.data = data;
      this.partitionKey = partitionKey;
      this.explicitHashKey = explicitHashKey;
      this.generation = generation;
      this.size = data.length + partitionKey.getBytes(StandardCharsets.UTF_8).length;
    }
  }
}
