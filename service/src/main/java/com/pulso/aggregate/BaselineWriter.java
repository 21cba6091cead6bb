package com.pulso.aggregate;

import com.pulso.aggregate.MetricItem.ProductMinute;
import com.pulso.aws.AwsClients;
import com.pulso.sales.Lsn;
import com.pulso.aws.AwsResources;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.function.Supplier;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.DeleteRequest;
import software.amazon.awssdk.services.dynamodb.model.ScanRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * Writes the bootstrap's base figures to the metrics table as absolute values ({@code SET}, never
 * {@code ADD}): writing the same figures again leaves the same items, so a bootstrap that died
 * half-way is simply redone (docs/realtime.md, "Bootstrap"). Also clears every metric item before
 * such a redo, so that an item the new baseline no longer has (a client whose sales were deleted
 * meanwhile) does not survive it.
 */
public final class BaselineWriter {

  /** UpdateItem calls in flight: enough to hide the round trip, few enough to share the connection pool. */
  static final int MAX_IN_FLIGHT = 32;
  /** BatchWriteItem calls in flight while clearing. */
  static final int MAX_DELETE_BATCHES_IN_FLIGHT = 8;
  /** DynamoDB's limit of requests per BatchWriteItem. */
  static final int DELETE_BATCH_SIZE = 25;
  /** BatchWriteItem attempts for the unprocessed part of a batch (throttling) before failing the clear. */
  static final int MAX_UNPROCESSED_ATTEMPTS = 10;
  private static final long BACKOFF_BASE_MILLIS = 50;
  private static final long BACKOFF_MAX_MILLIS = 2_000;

  private static final String TX = "#tx";
  private static final String AMOUNT = "#amount";
  private static final String EXPIRES_AT = "#ttl";

  private final Vertx vertx;
  private final AwsClients clients;
  private final String table;
  private final MetricKeys keys;
  private final Duration minuteRetention;
  /** Items per Scan page while clearing; null: DynamoDB's own limit (1 MB a page). */
  private final Integer scanPageLimit;
  private final Counter written;
  private final Counter deleted;

  /**
   * @param table           the metrics table ({@code aws.dynamodb.table})
   * @param keys            the key scheme
   * @param minuteRetention how long a minute item is kept after its minute (its TTL), as DeltaWriter does
   */
  public BaselineWriter(Vertx vertx, AwsClients clients, String table, MetricKeys keys, Duration minuteRetention,
                        MeterRegistry registry) {
    this(vertx, clients, table, keys, minuteRetention, registry, null);
  }

  /** With small Scan pages, so that a test clears over many of them. */
  BaselineWriter(Vertx vertx, AwsClients clients, String table, MetricKeys keys, Duration minuteRetention,
                 MeterRegistry registry, Integer scanPageLimit) {
    this.vertx = vertx;
    this.clients = clients;
    this.table = Objects.requireNonNull(table, "table");
    this.keys = keys;
    this.minuteRetention = Objects.requireNonNull(minuteRetention, "minuteRetention");
    this.scanPageLimit = scanPageLimit;
    this.written = Counter.builder("pulso.bootstrap.items.written")
        .description("Metric items written with the bootstrap's absolute base figures").register(registry);
    this.deleted = Counter.builder("pulso.bootstrap.items.deleted")
        .description("Metric items deleted before a bootstrap was redone").register(registry);
  }

  /**
   * Sets each item's {@code tx} and {@code amount} (or a product's, within a client-day item) to the
   * figure's (and a minute item's TTL), at most {@link #MAX_IN_FLIGHT} at a time. Succeeds once every
   * item holds its figure; on failure some may and some not, and writing the same figures again
   * completes it.
   */
  public Future<Void> write(List<BaselineFigure> figures) {
    return onOneContext(() -> inLanes(figures.iterator(), MAX_IN_FLIGHT, this::set));
  }

  /** Records that the table holds the base figures of {@code slot} from {@code consistentPoint}: the bootstrap's last write. */
  public Future<Void> markBootstrapped(String slot, Lsn consistentPoint) {
    return clients.call(() -> clients.dynamoDb().updateItem(b -> b.tableName(table)
            .key(keys.bootstrapMarkerKey(slot))
            .updateExpression("SET #from = :from")
            .expressionAttributeNames(Map.of("#from", MetricKeys.BOOTSTRAP_FROM))
            .expressionAttributeValues(Map.of(":from", AttributeValue.fromS(consistentPoint.toString())))))
        .mapEmpty();
  }

  /** Whose base figures the table holds: the consistent point its bootstrap of {@code slot} recorded, if any. */
  /** Removes the bootstrap marker of {@code slot}: consumers stop applying changes until a new one is written. */
  public Future<Void> unmarkBootstrapped(String slot) {
    return clients.call(() -> clients.dynamoDb().deleteItem(b -> b.tableName(table).key(keys.bootstrapMarkerKey(slot))))
        .mapEmpty();
  }

  public Future<Optional<Lsn>> bootstrappedFrom(String slot) {
    return clients.call(() -> clients.dynamoDb().getItem(b -> b.tableName(table).consistentRead(true)
            .key(keys.bootstrapMarkerKey(slot))))
        .map(response -> Optional.ofNullable(response.item().get(MetricKeys.BOOTSTRAP_FROM))
            .map(value -> Lsn.parse(value.s())));
  }

  /**
   * Deletes every metric item (partition key {@code P#...}) of the table; completes with how many.
   * Consumer checkpoints are kept on purpose: they belong to the consumers and say which Kinesis
   * records they have applied. Deleting them would send the consumers back to the start of the
   * stream's retention, re-adding changes on top of a baseline that already holds them.
   */
  public Future<Long> deleteAllMetrics() {
    return onOneContext(() -> clearFrom(null, 0L));
  }

  private Future<Void> set(BaselineFigure figure) {
    String product = figure.productCode();
    Map<String, String> names = new HashMap<>(product == null
        ? Map.of(TX, MetricKeys.TRANSACTIONS, AMOUNT, MetricKeys.AMOUNT)
        : Map.of(TX, MetricKeys.productTransactionsAttribute(product), AMOUNT, MetricKeys.productAmountAttribute(product)));
    Map<String, AttributeValue> values = new HashMap<>(Map.of(
        ":tx", AttributeValue.fromN(Long.toString(figure.transactions())),
        ":amount", AttributeValue.fromN(figure.amount().toPlainString())));
    String expression = "SET " + TX + " = :tx, " + AMOUNT + " = :amount";
    if (figure.item() instanceof ProductMinute minute) {
      names.put(EXPIRES_AT, MetricKeys.EXPIRES_AT);
      values.put(":ttl", AttributeValue.fromN(Long.toString(keys.expiresAt(minute, minuteRetention))));
      expression += ", " + EXPIRES_AT + " = :ttl";
    }
    UpdateItemRequest request = UpdateItemRequest.builder()
        .tableName(table)
        .key(keys.key(figure.item()))
        .updateExpression(expression)
        .expressionAttributeNames(names)
        .expressionAttributeValues(values)
        .build();
    return clients.call(() -> clients.dynamoDb().updateItem(request))
        .<Void>map(response -> {
          written.increment();
          return null;
        })
        .recover(error -> Future.failedFuture(new BaselineWriteException("bootstrap: base figure"
            + (product == null ? "" : " of product " + product) + " not written to item "
            + keys.partitionKey(figure.item()) + " / " + keys.sortKey(figure.item()) + ": " + error.getMessage(), error)));
  }

  private Future<Long> clearFrom(Map<String, AttributeValue> startKey, long deletedSoFar) {
    ScanRequest.Builder request = ScanRequest.builder()
        .tableName(table)
        .filterExpression("begins_with(#pk, :metric)")
        .projectionExpression("#pk, #sk")
        .expressionAttributeNames(Map.of("#pk", AwsResources.PARTITION_KEY, "#sk", AwsResources.SORT_KEY))
        .expressionAttributeValues(Map.of(":metric", AttributeValue.fromS(keys.metricPartitionPrefix())))
        .consistentRead(true)
        .limit(scanPageLimit);
    if (startKey != null) {
      request.exclusiveStartKey(startKey);
    }
    return clients.call(() -> clients.dynamoDb().scan(request.build())).compose(page -> {
      List<List<WriteRequest>> batches = new ArrayList<>();
      List<WriteRequest> batch = new ArrayList<>();
      for (Map<String, AttributeValue> item : page.items()) {
        batch.add(WriteRequest.builder().deleteRequest(DeleteRequest.builder().key(Map.of(
            AwsResources.PARTITION_KEY, item.get(AwsResources.PARTITION_KEY),
            AwsResources.SORT_KEY, item.get(AwsResources.SORT_KEY))).build()).build());
        if (batch.size() == DELETE_BATCH_SIZE) {
          batches.add(batch);
          batch = new ArrayList<>();
        }
      }
      if (!batch.isEmpty()) {
        batches.add(batch);
      }
      long total = deletedSoFar + page.items().size();
      return inLanes(batches.iterator(), MAX_DELETE_BATCHES_IN_FLIGHT, requests -> deleteBatch(requests, 1))
          // Deleting while scanning is safe: the next page starts after the last key of this one.
          .compose(v -> page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty()
              ? clearFrom(page.lastEvaluatedKey(), total)
              : Future.succeededFuture(total));
    });
  }

  private Future<Void> deleteBatch(List<WriteRequest> requests, int attempt) {
    BatchWriteItemRequest request = BatchWriteItemRequest.builder().requestItems(Map.of(table, requests)).build();
    return clients.call(() -> clients.dynamoDb().batchWriteItem(request)).compose(response -> {
      List<WriteRequest> unprocessed = response.hasUnprocessedItems()
          ? response.unprocessedItems().getOrDefault(table, List.of())
          : List.of();
      deleted.increment(requests.size() - unprocessed.size());
      if (unprocessed.isEmpty()) {
        return Future.succeededFuture();
      }
      if (attempt >= MAX_UNPROCESSED_ATTEMPTS) {
        return Future.failedFuture(new BaselineWriteException("bootstrap: " + unprocessed.size() + " metric items of table "
            + table + " still not deleted after " + attempt + " BatchWriteItem attempts (throttled?): run the bootstrap again"));
      }
      // Unprocessed items mean throttling: back off (full jitter) before sending the rest.
      long ceiling = Math.min(BACKOFF_MAX_MILLIS, BACKOFF_BASE_MILLIS << Math.min(attempt, 10));
      return vertx.timer(1 + ThreadLocalRandom.current().nextLong(ceiling))
          .compose(t -> deleteBatch(unprocessed, attempt + 1));
    });
  }

  /**
   * Runs {@code work} over every element with at most {@code lanes} in flight; stops taking new ones
   * after a failure, waits for those in flight, then fails with the first failure.
   */
  private static <T> Future<Void> inLanes(Iterator<T> pending, int lanes, Function<T, Future<Void>> work) {
    boolean[] stopped = {false};
    List<Future<Void>> running = new ArrayList<>();
    for (int i = 0; i < lanes && pending.hasNext(); i++) {
      running.add(lane(pending, stopped, work));
    }
    return Future.join(running).transform(all -> {
      for (Future<Void> lane : running) {
        if (lane.failed()) {
          return Future.failedFuture(lane.cause());
        }
      }
      return Future.succeededFuture();
    });
  }

  private static <T> Future<Void> lane(Iterator<T> pending, boolean[] stopped, Function<T, Future<Void>> work) {
    if (stopped[0] || !pending.hasNext()) {
      return Future.succeededFuture();
    }
    return work.apply(pending.next())
        .onFailure(error -> stopped[0] = true)
        .compose(v -> lane(pending, stopped, work));
  }

  /** The lanes share one iterator: they must run on one context (AwsClients.call completes there). */
  private <T> Future<T> onOneContext(Supplier<Future<T>> work) {
    Context context = vertx.getOrCreateContext();
    Promise<T> done = Promise.promise();
    context.runOnContext(v -> work.get().onComplete(done));
    return done.future();
  }
}
