package com.pulso.aggregate;

import com.pulso.aggregate.MetricItem.ProductMinute;
import com.pulso.aws.AwsClients;
import com.pulso.sales.SourcePosition;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

/**
 * Applies a {@link BatchFold} to the metrics table exactly once per item (docs/realtime.md, "Applying
 * a batch exactly once"). Each item gets one {@code UpdateItem} (a client-day item that changes very
 * many products, one per part, in order) that adds its delta and records the shard's highest
 * position, on the condition that the item holds no position of that shard at or above the delta's
 * first one. When the condition fails (the batch, or an overlapping one, was applied before), the
 * item's position is read back and only the contributions above it are applied, on the condition
 * that the position is still the one read.
 */
public final class DeltaWriter {

  /** UpdateItem calls in flight per batch: enough to hide the round trip, few enough to share the connection pool. */
  static final int MAX_IN_FLIGHT = 32;
  /**
   * Reads-and-retries per item before giving up: more than one means another writer of the same
   * shard moved the item meanwhile (two members briefly owning the shard); the batch is then failed
   * and applied again later.
   */
  static final int MAX_REFOLDS = 5;
  /**
   * Products one UpdateItem changes at most: about 26 characters of update expression each, well
   * within DynamoDB's 4 KB. A client-day delta that changes more is applied in parts, one after the
   * other ({@link ItemDelta#parts}).
   */
  static final int MAX_PRODUCTS_PER_UPDATE = 100;

  private static final String TX = "#tx";
  private static final String AMOUNT = "#amount";
  private static final String POSITION = "#p";
  private static final String EXPIRES_AT = "#ttl";
  private static final String FRESH = "attribute_not_exists(" + POSITION + ") OR " + POSITION + " < :min";
  private static final String UNCHANGED = POSITION + " = :seen";

  private final Vertx vertx;
  private final AwsClients clients;
  private final String table;
  private final MetricKeys keys;
  private final Duration minuteRetention;
  private final Counter applied;
  private final Counter noOps;
  private final Counter refolds;

  /**
   * @param table           the metrics table ({@code aws.dynamodb.table})
   * @param keys            the key scheme the batches were folded with
   * @param minuteRetention how long a minute item is kept after its minute (its TTL)
   */
  public DeltaWriter(Vertx vertx, AwsClients clients, String table, MetricKeys keys, Duration minuteRetention,
                     MeterRegistry registry) {
    this.vertx = vertx;
    this.clients = clients;
    this.table = Objects.requireNonNull(table, "table");
    this.keys = keys;
    this.minuteRetention = Objects.requireNonNull(minuteRetention, "minuteRetention");
    this.applied = Counter.builder("pulso.aggregate.deltas.applied")
        .description("Item deltas applied to DynamoDB (UpdateItem succeeded)").register(registry);
    this.noOps = Counter.builder("pulso.aggregate.conditional.noops")
        .description("Item deltas found already applied (a replayed batch): nothing written").register(registry);
    this.refolds = Counter.builder("pulso.aggregate.refolds")
        .description("Item deltas found partly applied and refolded from the item's position").register(registry);
  }

  /**
   * Applies every item delta of the batch. Succeeds only when every item holds its delta, so the
   * caller may checkpoint then; on failure some items may hold theirs and some not, and applying the
   * same (or an overlapping) batch again completes it without counting anything twice.
   */
  public Future<Void> apply(BatchFold fold) {
    return apply(fold, Future::succeededFuture);
  }

  /**
   * The same, asking {@code mayGoOn} before each item: its failure stops the batch (items in flight
   * complete) and is the batch's failure, as it is.
   */
  public Future<Void> apply(BatchFold fold, Supplier<Future<Void>> mayGoOn) {
    return apply(fold, mayGoOn, new HashSet<>());
  }

  /**
   * The same, for an attempt at a batch that earlier attempts applied in part: the item deltas in
   * {@code applied} are skipped, and those this attempt applies are added to it. Under throttling a
   * retry that sent every item again — a conditional write and a read-back for each one already
   * applied — would spend the table's capacity on work done, and a large batch might never get
   * through. {@code applied} is the caller's for as long as the items hold what it records: not past
   * a new bootstrap, which deletes them.
   */
  public Future<Void> apply(BatchFold fold, Supplier<Future<Void>> mayGoOn, Set<ItemDelta> applied) {
    return apply(fold.shardId(), fold.deltas(), mayGoOn, applied);
  }

  /** Applies some item deltas of a shard's batch (all of them, but for tests that stop half-way). */
  Future<Void> apply(String shardId, List<ItemDelta> deltas, Supplier<Future<Void>> mayGoOn) {
    return apply(shardId, deltas, mayGoOn, new HashSet<>());
  }

  private Future<Void> apply(String shardId, List<ItemDelta> deltas, Supplier<Future<Void>> mayGoOn,
                             Set<ItemDelta> applied) {
    // All the lanes share one iterator and the set: they must run on one context (AwsClients.call completes there).
    Context context = vertx.getOrCreateContext();
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> applyAll(shardId, deltas, mayGoOn, applied).onComplete(done));
    return done.future();
  }

  private Future<Void> applyAll(String shardId, List<ItemDelta> deltas, Supplier<Future<Void>> mayGoOn,
                                Set<ItemDelta> applied) {
    Iterator<ItemDelta> pending = deltas.stream().filter(delta -> !applied.contains(delta)).iterator();
    boolean[] stopped = {false};
    List<Future<Void>> lanes = new ArrayList<>();
    for (int i = 0; i < Math.min(MAX_IN_FLIGHT, deltas.size()); i++) {
      lanes.add(lane(shardId, pending, stopped, mayGoOn, applied));
    }
    return Future.join(lanes).transform(all -> {
      // join waits for every lane, so nothing is left in flight when the caller retries.
      for (Future<Void> lane : lanes) {
        if (lane.failed()) {
          return Future.failedFuture(lane.cause());
        }
      }
      return Future.succeededFuture();
    });
  }

  private Future<Void> lane(String shardId, Iterator<ItemDelta> pending, boolean[] stopped,
                            Supplier<Future<Void>> mayGoOn, Set<ItemDelta> applied) {
    if (stopped[0] || !pending.hasNext()) {
      return Future.succeededFuture();
    }
    return mayGoOn.get()
        .onFailure(refused -> stopped[0] = true)
        .compose(allowed -> {
          if (stopped[0] || !pending.hasNext()) {
            return Future.succeededFuture();
          }
          ItemDelta delta = pending.next();
          return applyParts(shardId, delta.parts(MAX_PRODUCTS_PER_UPDATE).iterator())
              .onSuccess(done -> applied.add(delta))
              .recover(error -> {
                stopped[0] = true;
                return Future.failedFuture(error instanceof DeltaWriteException ? error : new DeltaWriteException(
                    "shard " + shardId + ": delta not applied to " + describe(delta.item()) + ": " + error.getMessage(),
                    error));
              });
        })
        .compose(v -> lane(shardId, pending, stopped, mayGoOn, applied));
  }

  private Future<Void> applyParts(String shardId, Iterator<ItemDelta> parts) {
    return applyItem(shardId, parts.next(), 0)
        .compose(v -> parts.hasNext() ? applyParts(shardId, parts) : Future.succeededFuture());
  }

  private Future<Void> applyItem(String shardId, ItemDelta delta, int refoldsSoFar) {
    return update(shardId, delta, FRESH, ":min", delta.first())
        .recover(error -> error instanceof ConditionalCheckFailedException
            ? refold(shardId, delta, refoldsSoFar)
            : Future.failedFuture(error));
  }

  /** The item holds a position of this shard at or above the delta's first: apply only what lies above it. */
  private Future<Void> refold(String shardId, ItemDelta delta, int refoldsSoFar) {
    if (refoldsSoFar >= MAX_REFOLDS) {
      return Future.failedFuture(new DeltaWriteException("shard " + shardId + ": " + describe(delta.item())
          + " kept changing while its delta was applied (" + MAX_REFOLDS + " attempts): is another member consuming"
          + " the same shard?"));
    }
    return storedPosition(shardId, delta.item()).compose(stored -> {
      if (stored.isEmpty()) {
        // The position is gone (the item expired meanwhile): the whole delta applies again.
        return applyItem(shardId, delta, refoldsSoFar + 1);
      }
      Optional<ItemDelta> rest = delta.above(stored.get());
      if (rest.isEmpty()) {
        noOps.increment();
        return Future.succeededFuture();
      }
      refolds.increment();
      return update(shardId, rest.get(), UNCHANGED, ":seen", stored.get())
          .recover(error -> error instanceof ConditionalCheckFailedException
              ? refold(shardId, delta, refoldsSoFar + 1)
              : Future.failedFuture(error));
    });
  }

  private Future<Void> update(String shardId, ItemDelta delta, String condition, String conditionValue,
                              SourcePosition conditionPosition) {
    Map<String, String> names = new HashMap<>(Map.of(
        TX, MetricKeys.TRANSACTIONS,
        AMOUNT, MetricKeys.AMOUNT,
        POSITION, MetricKeys.positionAttribute(shardId)));
    Map<String, AttributeValue> values = new HashMap<>(Map.of(
        ":dt", AttributeValue.fromN(Long.toString(delta.transactions())),
        ":da", AttributeValue.fromN(delta.amount().toPlainString()),
        ":max", AttributeValue.fromS(delta.last().sortable()),
        conditionValue, AttributeValue.fromS(conditionPosition.sortable())));
    StringBuilder expression = new StringBuilder("ADD " + TX + " :dt, " + AMOUNT + " :da");
    int index = 0;
    for (Map.Entry<String, ProductFigures> product : delta.products().entrySet()) {
      if (product.getValue().isZero()) {
        continue;
      }
      String tx = "#pt" + index;
      String amount = "#pa" + index;
      names.put(tx, MetricKeys.productTransactionsAttribute(product.getKey()));
      names.put(amount, MetricKeys.productAmountAttribute(product.getKey()));
      values.put(":pt" + index, AttributeValue.fromN(Long.toString(product.getValue().transactions())));
      values.put(":pa" + index, AttributeValue.fromN(product.getValue().amount().toPlainString()));
      expression.append(", ").append(tx).append(" :pt").append(index).append(", ").append(amount).append(" :pa")
          .append(index);
      index++;
    }
    expression.append(" SET " + POSITION + " = :max");
    if (delta.item() instanceof ProductMinute minute) {
      names.put(EXPIRES_AT, MetricKeys.EXPIRES_AT);
      values.put(":ttl", AttributeValue.fromN(Long.toString(keys.expiresAt(minute, minuteRetention))));
      expression.append(", " + EXPIRES_AT + " = :ttl");
    }
    UpdateItemRequest request = UpdateItemRequest.builder()
        .tableName(table)
        .key(keys.key(delta.item()))
        .updateExpression(expression.toString())
        .conditionExpression(condition)
        .expressionAttributeNames(names)
        .expressionAttributeValues(values)
        .build();
    return clients.call(() -> clients.dynamoDb().updateItem(request)).map(response -> {
      applied.increment();
      return null;
    });
  }

  private Future<Optional<SourcePosition>> storedPosition(String shardId, MetricItem item) {
    GetItemRequest request = GetItemRequest.builder()
        .tableName(table)
        .key(keys.key(item))
        .consistentRead(true)
        .projectionExpression(POSITION)
        .expressionAttributeNames(Map.of(POSITION, MetricKeys.positionAttribute(shardId)))
        .build();
    return clients.call(() -> clients.dynamoDb().getItem(request)).map(response -> {
      AttributeValue position = response.hasItem() ? response.item().get(MetricKeys.positionAttribute(shardId)) : null;
      return position == null ? Optional.empty() : Optional.of(SourcePosition.parseSortable(position.s()));
    });
  }

  private String describe(MetricItem item) {
    return "item " + keys.partitionKey(item) + " / " + keys.sortKey(item);
  }
}
