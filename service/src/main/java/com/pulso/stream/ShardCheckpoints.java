package com.pulso.stream;

import com.pulso.aggregate.MetricKeys;
import com.pulso.aws.AwsClients;
import com.pulso.aws.AwsResources;
import com.pulso.sales.SourcePosition;
import io.vertx.core.Future;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;

/**
 * Where the consumers stand on each shard: the sequence number of the last record whose effects are
 * applied, or "finished" once a closed shard was read to its end (its children may then be read).
 * Beside it, the highest source position read from the shard so far ({@code maxPos}): kept with every
 * checkpoint, so that whoever finishes the shard knows it for the whole shard, and its children can
 * skip what it delivered (docs/realtime.md, "Resharding without double counts").
 * Kept in the metrics table, so a member that takes a shard over resumes where its owner stopped.
 *
 * <p>A finished checkpoint is never moved back: saving over it fails with a
 * {@code ConditionalCheckFailedException} (a member that briefly read the shard beside its new owner
 * must not un-finish it).
 */
public final class ShardCheckpoints {

  /** The checkpoint of a shard read to its end after a reshard. */
  static final String SHARD_END = "SHARD_END";

  /** What is stored for one shard: nothing yet, a resume point, or finished; and the highest position read. */
  public record Checkpoint(Optional<String> sequence, boolean finished, Optional<SourcePosition> highest) {
    static final Checkpoint NONE = new Checkpoint(Optional.empty(), false, Optional.empty());
  }

  private final AwsClients clients;
  private final String table;
  private final String stream;
  private final MetricKeys keys;

  public ShardCheckpoints(AwsClients clients, String table, String stream, MetricKeys keys) {
    this.clients = clients;
    this.table = table;
    this.stream = stream;
    this.keys = keys;
  }

  /** The shard's checkpoint (consistent read). */
  public Future<Checkpoint> read(String shardId) {
    return clients.call(() -> clients.dynamoDb().getItem(b -> b.tableName(table).consistentRead(true)
            .key(keys.checkpointKey(stream, shardId))))
        .map(response -> {
          if (!response.hasItem() || response.item().isEmpty()) {
            return Checkpoint.NONE;
          }
          Optional<String> seq = Optional.ofNullable(response.item().get(MetricKeys.CHECKPOINT_SEQUENCE)).map(AttributeValue::s);
          Optional<SourcePosition> highest = Optional.ofNullable(response.item().get(MetricKeys.CHECKPOINT_MAX_POSITION))
              .map(value -> SourcePosition.parseSortable(value.s()));
          boolean finished = seq.filter(SHARD_END::equals).isPresent();
          return new Checkpoint(finished ? Optional.empty() : seq, finished, highest);
        });
  }

  /** The last applied sequence number of {@code shardId}; empty when nothing was applied yet or it is finished. */
  public Future<Optional<String>> sequence(String shardId) {
    return read(shardId).map(Checkpoint::sequence);
  }

  /** Records that every record up to {@code sequenceNumber} is applied. */
  public Future<Void> save(String shardId, String sequenceNumber) {
    return save(shardId, sequenceNumber, null);
  }

  /**
   * Records that every record up to {@code sequenceNumber} is applied, and the highest position read
   * from the shard up to it ({@code highest}; null when none was, which leaves the stored one as it is).
   */
  public Future<Void> save(String shardId, String sequenceNumber, SourcePosition highest) {
    return put(shardId, sequenceNumber, highest, "attribute_not_exists(#seq) OR #seq <> :end");
  }

  /** Records that the closed shard was read to its end. */
  public Future<Void> finish(String shardId) {
    return finish(shardId, null);
  }

  /**
   * Records that the closed shard was read to its end, and the highest position it delivered
   * ({@code highest}; null when it delivered none, leaving any stored one).
   */
  public Future<Void> finish(String shardId, SourcePosition highest) {
    return put(shardId, SHARD_END, highest, null);
  }

  /** The shards of this stream read to their end. */
  public Future<Set<String>> finished() {
    return finished(null, new HashSet<>());
  }

  private Future<Set<String>> finished(Map<String, AttributeValue> from, Set<String> found) {
    String prefix = keys.checkpointSortKeyPrefix(stream);
    QueryRequest request = QueryRequest.builder()
        .tableName(table)
        .consistentRead(true)
        .keyConditionExpression("#pk = :pk AND begins_with(#sk, :prefix)")
        .expressionAttributeNames(Map.of("#pk", AwsResources.PARTITION_KEY, "#sk", AwsResources.SORT_KEY))
        .expressionAttributeValues(Map.of(
            ":pk", AttributeValue.fromS(keys.checkpointPartition()),
            ":prefix", AttributeValue.fromS(prefix)))
        .exclusiveStartKey(from)
        .build();
    return clients.call(() -> clients.dynamoDb().query(request)).compose(page -> {
      page.items().stream()
          .filter(item -> item.containsKey(MetricKeys.CHECKPOINT_SEQUENCE)
              && SHARD_END.equals(item.get(MetricKeys.CHECKPOINT_SEQUENCE).s()))
          .forEach(item -> found.add(item.get(AwsResources.SORT_KEY).s().substring(prefix.length())));
      return page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty()
          ? finished(page.lastEvaluatedKey(), found)
          : Future.succeededFuture(found);
    });
  }

  private Future<Void> put(String shardId, String value, SourcePosition highest, String condition) {
    Map<String, String> names = new HashMap<>(Map.of("#seq", MetricKeys.CHECKPOINT_SEQUENCE));
    Map<String, AttributeValue> values = new HashMap<>(Map.of(":seq", AttributeValue.fromS(value)));
    String update = "SET #seq = :seq";
    if (highest != null) {
      names.put("#max", MetricKeys.CHECKPOINT_MAX_POSITION);
      values.put(":max", AttributeValue.fromS(highest.sortable()));
      update += ", #max = :max";
    }
    if (condition != null) {
      values.put(":end", AttributeValue.fromS(SHARD_END));
    }
    String expression = update;
    return clients.call(() -> clients.dynamoDb().updateItem(b -> b.tableName(table)
            .key(keys.checkpointKey(stream, shardId))
            .updateExpression(expression)
            .conditionExpression(condition)
            .expressionAttributeNames(names)
            .expressionAttributeValues(values)))
        .mapEmpty();
  }
}
