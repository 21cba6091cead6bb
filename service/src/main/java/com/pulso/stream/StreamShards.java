package com.pulso.stream;

import com.pulso.aws.AwsClients;
import io.vertx.core.Future;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.stream.Collectors;
import software.amazon.awssdk.services.kinesis.model.ListShardsRequest;

/**
 * Every shard of a stream that ListShards still lists, open or closed, with its parents and hash-key
 * range: what shard ownership ({@link ShardAssignment}) and a child's consumer (which parents' ranges
 * to skip) need after a reshard. Immutable: list again to see a reshard.
 */
public final class StreamShards {

  /** ListShards' largest page. */
  private static final int PAGE_SIZE = 1000;

  /** A listed shard; parents are null when none. */
  public record Listed(String id, String parentId, String adjacentParentId, BigInteger startingHashKey,
                       BigInteger endingHashKey) {}

  private final Map<String, Listed> byId;

  public StreamShards(List<Listed> shards) {
    this.byId = shards.stream().collect(Collectors.toUnmodifiableMap(Listed::id, Function.identity()));
  }

  /** The stream's shards, every page of ListShards. */
  public static Future<StreamShards> list(AwsClients clients, String stream) {
    return page(clients, ListShardsRequest.builder().streamName(stream).maxResults(PAGE_SIZE).build(), new ArrayList<>())
        .map(StreamShards::new)
        .recover(error -> Future.failedFuture(new IllegalStateException(
            "could not list the shards of Kinesis stream '" + stream + "': " + error.getMessage(), error)));
  }

  /** The shards as {@link ShardAssignment} takes them. */
  public List<ShardAssignment.Shard> forAssignment() {
    return byId.values().stream().map(s -> new ShardAssignment.Shard(s.id(), s.parentId(), s.adjacentParentId())).toList();
  }

  /** The listed parents of a shard (none, one after a split, two after a merge) with their hash-key ranges. */
  public List<ShardConsumer.Parent> parentsOf(String shardId) {
    Listed shard = Objects.requireNonNull(byId.get(shardId), () -> "shard " + shardId + " is not listed");
    List<ShardConsumer.Parent> parents = new ArrayList<>(2);
    for (String parentId : new String[] {shard.parentId(), shard.adjacentParentId()}) {
      Listed parent = parentId == null ? null : byId.get(parentId);
      if (parent != null) { // a parent no longer listed expired past retention, with whatever it delivered
        parents.add(new ShardConsumer.Parent(parent.id(), parent.startingHashKey(), parent.endingHashKey()));
      }
    }
    return parents;
  }

  private static Future<List<Listed>> page(AwsClients clients, ListShardsRequest request, List<Listed> found) {
    return clients.call(() -> clients.kinesis().listShards(request)).compose(page -> {
      page.shards().forEach(shard -> found.add(new Listed(shard.shardId(), shard.parentShardId(), shard.adjacentParentShardId(),
          new BigInteger(shard.hashKeyRange().startingHashKey()), new BigInteger(shard.hashKeyRange().endingHashKey()))));
      if (page.nextToken() == null || page.shards().isEmpty()) {
        return Future.succeededFuture(found);
      }
      // A next page is asked for by its token alone: Kinesis refuses the stream name beside it.
      return page(clients, ListShardsRequest.builder().nextToken(page.nextToken()).maxResults(PAGE_SIZE).build(), found);
    });
  }
}
