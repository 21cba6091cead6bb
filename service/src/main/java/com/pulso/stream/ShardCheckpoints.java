package com.pulso.stream;

import com.pulso.aggregate.MetricKeys;
import com.pulso.aws.AwsClients;
import com.pulso.aws.AwsResources;
import io.vertx.core.Future;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;

/**
 * Where the consumers stand on each shard: the sequence number of the last record whose effects are
 * applied, or "finished" once a closed shard was read to its end (its children may then be read).
 * Kept in the metrics table, so a member that takes a shard over resumes where its owner stopped.
 */
public final class ShardCheckpoints {

  /** The checkpoint of a shard read to its end after a reshard. */
  static final String SHARD_END = "SHARD_END";

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

  /** The last applied sequence number of {@code shardId}; empty when nothing was applied yet or it is finished. */
  public Future<Optional<String>> sequence(String shardId) {
    return clients.call(() -> clients.dynamoDb().getItem(b -> b.tableName(table).consistentRead(true)
            .key(keys.checkpointKey(stream, shardId))))
        .map(response -> Optional.ofNullable(response.item().get(MetricKeys.CHECKPOINT_SEQUENCE))
            .map(AttributeValue::s)
            .filter(seq -> !SHARD_END.equals(seq)));
  }

  /** Records that every record up to {@code sequenceNumber} is applied. */
  public Future<Void> save(String shardId, String sequenceNumber) {
    return put(shardId, sequenceNumber);
  }

  /** Records that the closed shard was read to its end. */
  public Future<Void> finish(String shardId) {
    return put(shardId, SHARD_END);
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
          .filter(item -> SHARD_END.equals(item.get(MetricKeys.CHECKPOINT_SEQUENCE).s()))
          .forEach(item -> found.add(item.get(AwsResources.SORT_KEY).s().substring(prefix.length())));
      return page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty()
          ? finished(page.lastEvaluatedKey(), found)
          : Future.succeededFuture(found);
    });
  }

  private Future<Void> put(String shardId, String value) {
    return clients.call(() -> clients.dynamoDb().updateItem(b -> b.tableName(table)
            .key(keys.checkpointKey(stream, shardId))
            .updateExpression("SET #seq = :seq")
            .expressionAttributeNames(Map.of("#seq", MetricKeys.CHECKPOINT_SEQUENCE))
            .expressionAttributeValues(Map.of(":seq", AttributeValue.fromS(value)))))
        .mapEmpty();
  }
}
