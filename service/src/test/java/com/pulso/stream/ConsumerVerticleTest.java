package com.pulso.stream;

import static com.pulso.testing.Await.await;
import static com.pulso.testing.Await.waitUntil;
import static org.assertj.core.api.Assertions.assertThat;

import com.pulso.aggregate.MetricKeys;
import com.pulso.aggregate.MetricsReader;
import com.pulso.aws.AwsClients;
import com.pulso.aws.AwsResources;
import com.pulso.cluster.ClusterSetup;
import com.pulso.config.ConfigLoader;
import com.pulso.config.PulsoConfig;
import com.pulso.sales.Lsn;
import com.pulso.sales.SaleChange;
import com.pulso.testing.TestServices;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.math.BigInteger;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Two clustered members in one JVM share a 4-shard stream's consumption, and one takes the other's shards over. */
@ExtendWith(VertxExtension.class)
class ConsumerVerticleTest {

  /** The acceptance bound: a dead or departed member's shards are read elsewhere within 10 s. */
  private static final Duration TAKE_OVER = Duration.ofSeconds(10);
  private static final int SHARDS = 4;

  private final List<Member> members = new ArrayList<>();
  private Vertx vertx;
  private PulsoConfig config;
  private AwsClients clients;
  private String stream;
  private ShardCheckpoints checkpoints;
  private MetricsReader reader;
  private KinesisPublisher publisher;

  private record Member(Vertx vertx, AwsClients clients, ConsumerVerticle verticle, String deployment) {

    /** As Main stops a member: undeploy (consumers finish their batch in flight), close the clients, leave. */
    void leave() throws Exception {
      try {
        if (vertx.deploymentIDs().contains(deployment)) {
          await(vertx.undeploy(deployment));
        }
      } finally {
        clients.close();
        await(vertx.close());
      }
    }
  }

  @BeforeEach
  void freshStreamAndTable(Vertx vertx) throws Exception {
    this.vertx = vertx;
    TestServices.config(); // starts the emulators
    stream = "test-members-" + UUID.randomUUID();
    Map<String, String> env = new HashMap<>(TestServices.env());
    env.put(ConfigLoader.envName("aws.kinesis.stream"), stream);
    env.put(ConfigLoader.envName("aws.dynamodb.table"), "pulso-members-" + UUID.randomUUID());
    config = ConfigLoader.load(TestServices.home().resolve("conf"), env);
    clients = new AwsClients(vertx, config, new SimpleMeterRegistry());
    TestStreams.create(clients, stream, SHARDS);
    await(new AwsResources(vertx, clients, config).createTableIfMissing());
    ShardConsumerTest.markBootstrapped(vertx, clients, config, Lsn.ZERO);
    MetricKeys keys = new MetricKeys(config.businessZone());
    checkpoints = new ShardCheckpoints(clients, config.aws().dynamoDbTable(), stream, keys);
    reader = new MetricsReader(clients, config.aws().dynamoDbTable(), keys);
    publisher = await(KinesisPublisher.create(vertx, clients, stream, new SimpleMeterRegistry()));
  }

  @AfterEach
  void leaveAndDelete() throws Exception {
    try {
      for (Member member : members) {
        try {
          member.leave();
        } catch (Exception e) {
          // a terminated member fails to leave: it is gone already
        }
      }
      TestStreams.delete(clients, stream);
    } finally {
      clients.close();
    }
  }

  @Test
  void membersShareTheShardsAndTheSurvivorTakesAllOverWhenOneLeaves() throws Exception {
    List<SaleChange> changes = TestChanges.generate(3_000, 3, 50, 31);
    startTwoMembers();
    waitUntil(this::balanced, TAKE_OVER, () -> "each member reads 2 of the 4 shards: " + owned());
    publish(changes.subList(0, 1_500));
    ShardConsumerTest.awaitCaughtUp(clients, stream, checkpoints);
    new ChangeFigures(changes.subList(0, 1_500), config.businessZone()).assertMatch(reader);

    Member leaving = members.remove(0);
    publish(changes.subList(1_500, 2_000)); // being consumed while the member leaves
    leaving.leave();

    Member survivor = members.get(0);
    waitUntil(() -> survivor.verticle().ownedShards().size() == SHARDS, TAKE_OVER,
        () -> "the survivor reads all 4 shards: " + survivor.verticle().ownedShards());
    publish(changes.subList(2_000, changes.size()));
    ShardConsumerTest.awaitCaughtUp(clients, stream, checkpoints);
    new ChangeFigures(changes, config.businessZone()).assertMatch(reader);
  }

  @Test
  void aDeadMembersShardsAreTakenOverWithinTenSecondsAndFiguresStayExact() throws Exception {
    List<SaleChange> changes = TestChanges.generate(3_000, 3, 50, 32);
    startTwoMembers();
    waitUntil(this::balanced, TAKE_OVER, () -> "each member reads 2 of the 4 shards: " + owned());
    publish(changes.subList(0, 1_500));

    // No goodbye: the member's Hazelcast is killed, as when its process crashes (mid-consumption).
    ClusterSetup.hazelcast(members.get(0).vertx()).getLifecycleService().terminate();

    Member survivor = members.get(1);
    waitUntil(() -> survivor.verticle().ownedShards().size() == SHARDS, TAKE_OVER,
        () -> "the survivor reads all 4 shards: " + survivor.verticle().ownedShards());
    publish(changes.subList(1_500, changes.size()));
    ShardConsumerTest.awaitCaughtUp(clients, stream, checkpoints);
    new ChangeFigures(changes, config.businessZone()).assertMatch(reader);
    assertThat(members.get(0).verticle().ownedShards()).as("the dead member stood down").isEmpty();
  }

  @Test
  void aSplitShardsChildrenAreReadOnceItIsFinishedWithoutCountingItsChangesTwice() throws Exception {
    List<SaleChange> changes = TestChanges.generate(2_000, 3, 50, 33);
    startTwoMembers();
    waitUntil(this::balanced, TAKE_OVER, () -> "each member reads 2 of the 4 shards: " + owned());
    publish(changes.subList(0, 1_200));
    ShardConsumerTest.awaitCaughtUp(clients, stream, checkpoints);

    // Shard 0 (hash keys 0 to 2^126-1) splits in two; capture then sends its last 300 changes again.
    await(clients.call(() -> clients.kinesis().splitShard(b -> b.streamName(stream).shardToSplit("shardId-000000000000")
        .newStartingHashKey(BigInteger.ONE.shiftLeft(125).toString()))));
    TestStreams.awaitActive(clients, stream);
    publisher = await(KinesisPublisher.create(vertx, clients, stream, new SimpleMeterRegistry()));
    publish(changes.subList(900, changes.size()));

    waitUntil(() -> owned().stream().mapToInt(Set::size).sum() == SHARDS + 1, TAKE_OVER,
        () -> "the parent finished, its 2 children read: " + owned());
    assertThat(await(checkpoints.finished())).containsExactly("shardId-000000000000");
    ShardConsumerTest.awaitCaughtUp(clients, stream, checkpoints);
    new ChangeFigures(changes, config.businessZone()).assertMatch(reader);
  }

  private void startTwoMembers() throws Exception {
    List<String> addresses = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      addresses.add("127.0.0.1:" + freePort());
    }
    String name = "pulso-consume-" + UUID.randomUUID();
    for (int i = 0; i < 2; i++) {
      PulsoConfig.Cluster cluster = new PulsoConfig.Cluster(name, "127.0.0.1",
          Integer.parseInt(addresses.get(i).split(":")[1]), 0, addresses, "", 1, 5, "", null);
      Vertx member = await(ClusterSetup.join(cluster, new VertxOptions(), Vertx.builder()));
      AwsClients memberClients = new AwsClients(member, config, new SimpleMeterRegistry());
      ConsumerVerticle verticle = new ConsumerVerticle(memberClients, config, new SimpleMeterRegistry(), ShardConsumerTest.FAST);
      String deployment = await(member.deployVerticle(verticle));
      members.add(new Member(member, memberClients, verticle, deployment));
    }
    assertThat(ClusterSetup.hazelcast(members.get(0).vertx()).getCluster().getMembers()).hasSize(2);
  }

  private boolean balanced() {
    Set<String> all = new HashSet<>();
    for (Member member : members) {
      if (member.verticle().ownedShards().size() != SHARDS / members.size()) {
        return false;
      }
      all.addAll(member.verticle().ownedShards());
    }
    return all.size() == SHARDS;
  }

  private List<Set<String>> owned() {
    return members.stream().map(m -> m.verticle().ownedShards()).toList();
  }

  private void publish(List<SaleChange> changes) throws Exception {
    for (int from = 0; from < changes.size(); from += 50) {
      await(publisher.publish(changes.subList(from, Math.min(changes.size(), from + 50))));
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
