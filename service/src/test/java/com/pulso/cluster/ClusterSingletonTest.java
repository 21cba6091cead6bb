package com.pulso.cluster;

import static com.pulso.testing.Await.await;
import static com.pulso.testing.Await.waitUntil;
import static org.assertj.core.api.Assertions.assertThat;

import com.pulso.config.PulsoConfig;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Three clustered members in one JVM, each hosting the same singleton. */
class ClusterSingletonTest {

  /** The acceptance bound of the cluster facility: another member takes over within 10 s. */
  private static final Duration TAKE_OVER = Duration.ofSeconds(10);
  private static final String RUNNING = "test.singleton.running";
  private static final String OVERLAPS = "test.singleton.overlaps";

  private final List<Vertx> members = new ArrayList<>();
  private final List<ClusterSingleton> singletons = new ArrayList<>();

  @AfterEach
  void leaveCluster() {
    for (Vertx member : members) {
      try {
        await(member.close());
      } catch (Exception e) {
        // a killed member fails to leave: it is gone already
      }
    }
  }

  @Test
  void singletonRunsOnExactlyOneMemberAndMovesWhenItLeaves() throws Exception {
    startThreeMembers();

    waitUntil(() -> runningHere() == 1, TAKE_OVER, "exactly one member runs the singleton");
    int first = singletons.indexOf(singletons.stream().filter(ClusterSingleton::isRunningHere).findFirst().orElseThrow());
    assertThat(first).as("the oldest member runs it").isZero();
    assertThat(counter(members.get(1), RUNNING)).isEqualTo(1);

    Vertx leaving = members.remove(first);
    singletons.remove(first);
    await(leaving.close());

    waitUntil(() -> runningHere() == 1, TAKE_OVER, "exactly one member runs the singleton");
    assertThat(counter(members.get(0), RUNNING)).isEqualTo(1);
    assertThat(counter(members.get(0), OVERLAPS)).as("never on two members at once").isZero();
  }

  @Test
  void singletonMovesWhenItsMemberDies() throws Exception {
    startThreeMembers();
    waitUntil(() -> runningHere() == 1, TAKE_OVER, "exactly one member runs the singleton");
    assertThat(singletons.get(0).isRunningHere()).isTrue();

    // No goodbye: the member's Hazelcast is killed, as when its process crashes.
    ClusterSetup.hazelcast(members.get(0)).getLifecycleService().terminate();

    waitUntil(() -> singletons.get(1).isRunningHere() || singletons.get(2).isRunningHere(), TAKE_OVER,
        "a surviving member runs the singleton");
    waitUntil(() -> !singletons.get(0).isRunningHere(), TAKE_OVER, "the dead member's copy stood down");
    assertThat(singletons.subList(1, 3).stream().filter(ClusterSingleton::isRunningHere)).hasSize(1);
  }

  private void startThreeMembers() throws Exception {
    PulsoConfig.Cluster cluster = threeMemberCluster();
    for (int i = 0; i < 3; i++) {
      PulsoConfig.Cluster member = new PulsoConfig.Cluster(cluster.name(), cluster.host(),
          Integer.parseInt(cluster.members().get(i).split(":")[1]), 0, cluster.members(), "", 1, 5, "", null);
      Vertx vertx = await(ClusterSetup.join(member, new VertxOptions(), Vertx.builder()));
      members.add(vertx);
      ClusterSingleton singleton = new ClusterSingleton("test", RunningCounter::new, new DeploymentOptions());
      await(vertx.deployVerticle(singleton));
      singletons.add(singleton);
    }
    assertThat(ClusterSetup.hazelcast(members.get(0)).getCluster().getMembers()).hasSize(3);
  }

  private long runningHere() {
    return singletons.stream().filter(ClusterSingleton::isRunningHere).count();
  }

  private static long counter(Vertx vertx, String name) throws Exception {
    return await(vertx.sharedData().getCounter(name).compose(c -> c.get()));
  }

  /** The singleton under test: counts its running copies cluster-wide and records any overlap. */
  static final class RunningCounter extends VerticleBase {
    @Override
    public Future<?> start() {
      return vertx.sharedData().getCounter(RUNNING)
          .compose(c -> c.incrementAndGet())
          .compose(running -> running > 1
              ? vertx.sharedData().getCounter(OVERLAPS).compose(c -> c.incrementAndGet())
              : Future.succeededFuture());
    }

    @Override
    public Future<?> stop() {
      return vertx.sharedData().getCounter(RUNNING).compose(c -> c.decrementAndGet());
    }
  }

  private static PulsoConfig.Cluster threeMemberCluster() throws IOException {
    List<String> addresses = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      try (ServerSocket socket = new ServerSocket(0)) {
        addresses.add("127.0.0.1:" + socket.getLocalPort());
      }
    }
    return new PulsoConfig.Cluster("pulso-test-" + UUID.randomUUID(), "127.0.0.1", 0, 0, addresses, "", 1, 5, "", null);
  }

}
