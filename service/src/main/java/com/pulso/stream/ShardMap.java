package com.pulso.stream;

import com.pulso.aws.AwsClients;
import io.vertx.core.Future;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import software.amazon.awssdk.services.kinesis.model.ListShardsRequest;
import software.amazon.awssdk.services.kinesis.model.ListShardsResponse;

/**
 * A snapshot of a stream's open shards and their hash-key ranges, and which shard a partition key
 * lands on by Kinesis's own rule (the MD5 of the key's UTF-8 bytes as an unsigned 128-bit integer).
 * Immutable: after a reshard, {@link #load} a new one. Shared by the publisher and the consumer.
 */
public final class ShardMap {

  /** The largest hash key: Kinesis hash keys are unsigned 128-bit integers. */
  public static final BigInteger MAX_HASH_KEY = BigInteger.ONE.shiftLeft(128).subtract(BigInteger.ONE);

  /** ListShards' largest page. */
  private static final int PAGE_SIZE = 1000;

  /** An open shard: its id and the closed range of hash keys it takes. */
  public record Shard(String id, BigInteger startingHashKey, BigInteger endingHashKey) {
    public Shard {
      Objects.requireNonNull(id, "id");
      if (startingHashKey.signum() < 0 || endingHashKey.compareTo(MAX_HASH_KEY) > 0
          || startingHashKey.compareTo(endingHashKey) > 0) {
        throw new IllegalArgumentException("shard " + id + " has no valid hash-key range: [" + startingHashKey + ", "
            + endingHashKey + "]");
      }
    }

    public boolean contains(BigInteger hashKey) {
      return startingHashKey.compareTo(hashKey) <= 0 && hashKey.compareTo(endingHashKey) <= 0;
    }
  }

  private final String stream;
  /** By starting hash key: contiguous, from 0 to {@link #MAX_HASH_KEY}. */
  private final List<Shard> shards;

  /**
   * @throws IllegalArgumentException unless the shards' ranges cover every hash key exactly once, as a
   *     stream's open shards always do
   */
  public ShardMap(String stream, List<Shard> shards) {
    this.stream = Objects.requireNonNull(stream, "stream");
    List<Shard> sorted = new ArrayList<>(shards);
    sorted.sort(Comparator.comparing(Shard::startingHashKey));
    BigInteger next = BigInteger.ZERO;
    for (Shard shard : sorted) {
      if (!shard.startingHashKey().equals(next)) {
        throw new IllegalArgumentException("the open shards of stream '" + stream + "' do not cover the hash keys: "
            + (shard.startingHashKey().compareTo(next) > 0 ? "a gap" : "an overlap") + " before " + shard
            + " (a reshard in progress? load the map again)");
      }
      next = shard.endingHashKey().add(BigInteger.ONE);
    }
    if (!next.equals(MAX_HASH_KEY.add(BigInteger.ONE))) {
      throw new IllegalArgumentException("the open shards of stream '" + stream + "' do not cover the hash keys up to 2^128-1: "
          + sorted);
    }
    this.shards = List.copyOf(sorted);
  }

  /** The stream's open shards, listed with ListShards (every page). */
  public static Future<ShardMap> load(AwsClients clients, String stream) {
    return listOpenShards(clients, ListShardsRequest.builder().streamName(stream).maxResults(PAGE_SIZE).build(), new ArrayList<>())
        .map(shards -> new ShardMap(stream, shards))
        .recover(error -> Future.failedFuture(new IllegalStateException(
            "could not list the shards of Kinesis stream '" + stream + "': " + error.getMessage(), error)));
  }

  public String stream() {
    return stream;
  }

  /** The open shards by starting hash key. */
  public List<Shard> shards() {
    return shards;
  }

  /** The shard Kinesis puts a record with this partition key (and no explicit hash key) on. */
  public Shard shardFor(String partitionKey) {
    return shardForHashKey(hashKey(partitionKey));
  }

  public Shard shardForHashKey(BigInteger hashKey) {
    if (hashKey.signum() < 0 || hashKey.compareTo(MAX_HASH_KEY) > 0) {
      throw new IllegalArgumentException("not a hash key (0 to 2^128-1): " + hashKey);
    }
    int low = 0;
    int high = shards.size() - 1;
    while (low < high) { // the last shard starting at or below the key; the ranges are contiguous
      int middle = (low + high + 1) >>> 1;
      if (shards.get(middle).startingHashKey().compareTo(hashKey) <= 0) {
        low = middle;
      } else {
        high = middle - 1;
      }
    }
    return shards.get(low);
  }

  /** Kinesis's hash key of a partition key: the MD5 of its UTF-8 bytes as an unsigned 128-bit integer. */
  public static BigInteger hashKey(String partitionKey) {
    try {
      byte[] digest = MessageDigest.getInstance("MD5").digest(partitionKey.getBytes(StandardCharsets.UTF_8));
      return new BigInteger(1, digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no MD5, which every Java platform must provide", e);
    }
  }

  @Override
  public String toString() {
    return "ShardMap[" + stream + ": " + shards.stream().map(Shard::id).toList() + "]";
  }

  private static Future<List<Shard>> listOpenShards(AwsClients clients, ListShardsRequest request, List<Shard> open) {
    return clients.call(() -> clients.kinesis().listShards(request)).compose(page -> {
      collectOpen(page, open);
      if (page.nextToken() == null || page.shards().isEmpty()) {
        return Future.succeededFuture(open);
      }
      // A next page is asked for by its token alone: Kinesis refuses the stream name beside it.
      return listOpenShards(clients, ListShardsRequest.builder().nextToken(page.nextToken()).maxResults(PAGE_SIZE).build(), open);
    });
  }

  private static void collectOpen(ListShardsResponse page, List<Shard> open) {
    for (var shard : page.shards()) {
      // A closed shard (a reshard's parent) has an ending sequence number and takes no more records.
      if (shard.sequenceNumberRange() == null || shard.sequenceNumberRange().endingSequenceNumber() == null) {
        open.add(new Shard(shard.shardId(), new BigInteger(shard.hashKeyRange().startingHashKey()),
            new BigInteger(shard.hashKeyRange().endingHashKey())));
      }
    }
  }
}
