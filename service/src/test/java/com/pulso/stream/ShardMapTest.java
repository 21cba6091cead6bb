package com.pulso.stream;

import static com.pulso.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.pulso.aws.AwsClients;
import com.pulso.testing.TestServices;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.math.BigInteger;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.core.SdkBytes;

/** The shard map against the Kinesis emulator: a partition key lands where Kinesis itself puts it. */
@ExtendWith(VertxExtension.class)
class ShardMapTest {

  private AwsClients clients;
  private String stream;

  @BeforeEach
  void createStream(Vertx vertx) throws Exception {
    clients = new AwsClients(vertx, TestServices.config(), new SimpleMeterRegistry());
    stream = TestStreams.create(clients, 4);
  }

  @AfterEach
  void deleteStream() throws Exception {
    try {
      TestStreams.delete(clients, stream);
    } finally {
      clients.close();
    }
  }

  @Test
  void everyPartitionKeyMapsToTheShardKinesisPutsItOn() throws Exception {
    ShardMap map = await(ShardMap.load(clients, stream));

    assertThat(map.shards()).hasSize(4);
    assertPartitionKeysLandWhereMapped(map, 300);
  }

  @Test
  void aMapLoadedAgainAfterASplitFollowsTheChildren() throws Exception {
    ShardMap before = await(ShardMap.load(clients, stream));
    ShardMap.Shard parent = before.shards().get(0);
    BigInteger middle = parent.startingHashKey().add(parent.endingHashKey()).shiftRight(1);
    await(clients.call(() -> clients.kinesis().splitShard(b -> b.streamName(stream)
        .shardToSplit(parent.id()).newStartingHashKey(middle.toString()))));
    TestStreams.awaitActive(clients, stream);

    ShardMap after = await(ShardMap.load(clients, stream));

    assertThat(after.shards()).hasSize(5).extracting(ShardMap.Shard::id).doesNotContain(parent.id());
    assertThat(after.shardForHashKey(middle).startingHashKey()).isEqualTo(middle);
    assertPartitionKeysLandWhereMapped(after, 200);
  }

  @Test
  void shardsThatDoNotCoverEveryHashKeyAreRefused() {
    BigInteger half = ShardMap.MAX_HASH_KEY.shiftRight(1);
    ShardMap.Shard low = new ShardMap.Shard("low", BigInteger.ZERO, half);
    ShardMap.Shard high = new ShardMap.Shard("high", half.add(BigInteger.ONE), ShardMap.MAX_HASH_KEY);
    ShardMap.Shard gapped = new ShardMap.Shard("gapped", half.add(BigInteger.TWO), ShardMap.MAX_HASH_KEY);

    assertThat(new ShardMap("s", List.of(high, low)).shardForHashKey(half).id()).isEqualTo("low");
    assertThatThrownBy(() -> new ShardMap("s", List.of(low, gapped))).hasMessageContaining("gap");
    assertThatThrownBy(() -> new ShardMap("s", List.of(low))).hasMessageContaining("do not cover");
    assertThatThrownBy(() -> new ShardMap("s", List.of(low, high, high))).hasMessageContaining("overlap");
  }

  private void assertPartitionKeysLandWhereMapped(ShardMap map, int keys) throws Exception {
    Random random = new Random(keys);
    for (int i = 0; i < keys; i++) {
      String key = (1 + random.nextInt(3)) + ":" + random.nextInt(1_000_000);
      String actual = await(clients.call(() -> clients.kinesis().putRecord(b -> b.streamName(stream)
          .partitionKey(key).data(SdkBytes.fromUtf8String(key))))).shardId();
      assertThat(map.shardFor(key).id()).as("shard of partition key %s", key).isEqualTo(actual);
    }
  }
}
