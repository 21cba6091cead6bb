package com.pulso.stream;

import static com.pulso.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.pulso.aggregate.MetricKeys;
import com.pulso.aws.AwsClients;
import com.pulso.aws.AwsResources;
import com.pulso.config.ConfigLoader;
import com.pulso.config.PulsoConfig;
import com.pulso.testing.TestServices;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import com.pulso.sales.Lsn;
import com.pulso.sales.SourcePosition;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

@ExtendWith(VertxExtension.class)
class ShardCheckpointsTest {

  private AwsClients clients;

  @AfterEach
  void closeClients() {
    clients.close();
  }

  @Test
  void checkpointsResumeAndFinishedShardsAreListedPerStream(Vertx vertx) throws Exception {
    TestServices.config();
    Map<String, String> env = new HashMap<>(TestServices.env());
    env.put(ConfigLoader.envName("aws.dynamodb.table"), "pulso-checkpoints-" + UUID.randomUUID());
    PulsoConfig config = ConfigLoader.load(TestServices.home().resolve("conf"), env);
    clients = new AwsClients(vertx, config, new SimpleMeterRegistry());
    await(new AwsResources(vertx, clients, config).createTableIfMissing());
    MetricKeys keys = new MetricKeys(ZoneId.of("America/Bogota"));
    ShardCheckpoints sales = new ShardCheckpoints(clients, config.aws().dynamoDbTable(), "sales", keys);
    ShardCheckpoints other = new ShardCheckpoints(clients, config.aws().dynamoDbTable(), "other", keys);

    assertThat(await(sales.sequence("shardId-000000000000"))).isEmpty();
    await(sales.save("shardId-000000000000", "49590338271490256608559692538361571095921575989136588898"));
    await(sales.save("shardId-000000000001", "1"));
    await(sales.finish("shardId-000000000001"));
    await(other.finish("shardId-000000000007"));

    assertThat(await(sales.sequence("shardId-000000000000")))
        .isEqualTo(Optional.of("49590338271490256608559692538361571095921575989136588898"));
    assertThat(await(sales.sequence("shardId-000000000001"))).as("a finished shard has nothing to resume").isEmpty();
    assertThat(await(sales.finished())).containsExactly("shardId-000000000001");
    assertThat(await(other.finished())).containsExactly("shardId-000000000007");
  }

  @Test
  void theHighestPositionReadTravelsWithTheCheckpointAndAFinishedShardIsNeverMovedBack(Vertx vertx) throws Exception {
    ShardCheckpoints checkpoints = checkpoints(vertx);
    SourcePosition first = new SourcePosition(new Lsn(0x16_0000_0010L), 3);
    SourcePosition last = new SourcePosition(new Lsn(0x16_0000_0020L), 0);

    await(checkpoints.save("shardId-000000000000", "100", first));
    assertThat(await(checkpoints.read("shardId-000000000000")))
        .isEqualTo(new ShardCheckpoints.Checkpoint(Optional.of("100"), false, Optional.of(first)));
    await(checkpoints.save("shardId-000000000000", "200", last));
    await(checkpoints.finish("shardId-000000000000", null));

    assertThat(await(checkpoints.read("shardId-000000000000")))
        .as("finished, the highest position of the last save kept")
        .isEqualTo(new ShardCheckpoints.Checkpoint(Optional.empty(), true, Optional.of(last)));
    assertThatThrownBy(() -> await(checkpoints.save("shardId-000000000000", "150", first)))
        .as("a late reader does not un-finish the shard").cause().isInstanceOf(ConditionalCheckFailedException.class);
    assertThat(await(checkpoints.finished())).containsExactly("shardId-000000000000");
    assertThat(await(checkpoints.read("shardId-000000000009"))).isEqualTo(ShardCheckpoints.Checkpoint.NONE);
  }

  private ShardCheckpoints checkpoints(Vertx vertx) throws Exception {
    TestServices.config();
    Map<String, String> env = new HashMap<>(TestServices.env());
    env.put(ConfigLoader.envName("aws.dynamodb.table"), "pulso-checkpoints-" + UUID.randomUUID());
    PulsoConfig config = ConfigLoader.load(TestServices.home().resolve("conf"), env);
    clients = new AwsClients(vertx, config, new SimpleMeterRegistry());
    await(new AwsResources(vertx, clients, config).createTableIfMissing());
    return new ShardCheckpoints(clients, config.aws().dynamoDbTable(), "sales", new MetricKeys(ZoneId.of("America/Bogota")));
  }
}
