package com.pulso.cluster;

import static com.pulso.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.client.config.ClientConfig;
import com.pulso.config.PulsoConfig;
import com.pulso.testing.Await;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.net.SelfSignedCertificate;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What reaches a member's cluster ports, for real: members of one machine joined over TCP-IP, a
 * Hazelcast client, a process without the cluster's secret, and event bus peers with and without a
 * certificate of the cluster's CA.
 */
class ClusterSecurityTest {

  private static final String SECRET = "cluster-security-test-secret-0123456789";
  private final List<Vertx> members = new ArrayList<>();
  private final String name = "security-" + UUID.randomUUID();

  @AfterEach
  void leave() throws Exception {
    for (Vertx member : members) {
      await(member.close());
    }
  }

  @Test
  void aHazelcastClientIsNotServedOnTheMemberPort() throws Exception {
    PulsoConfig.Cluster cluster = cluster(SECRET, null, freePort());
    join(cluster);

    ClientConfig client = new ClientConfig();
    // As a client that knows everything a member's configuration says, the derived cluster name included.
    client.setClusterName(new ClusterSecret(SECRET).hazelcastClusterName(cluster.name()));
    client.getNetworkConfig().addAddress("127.0.0.1:" + cluster.port());
    client.getConnectionStrategyConfig().getConnectionRetryConfig().setClusterConnectTimeoutMillis(3_000);
    client.setProperty("hazelcast.logging.type", "slf4j");

    assertThatThrownBy(() -> HazelcastClient.newHazelcastClient(client).shutdown())
        .hasMessageContaining("Unable to connect");
  }

  @Test
  void aMemberWithoutTheSecretFormsAClusterOfItsOwn() throws Exception {
    int first = freePort();
    int second = freePort();
    int third = freePort();
    List<String> addresses = List.of("127.0.0.1:" + first, "127.0.0.1:" + second, "127.0.0.1:" + third);
    Vertx one = join(cluster(SECRET, null, first, addresses));
    Vertx two = join(cluster(SECRET, null, second, addresses));
    Vertx outsider = join(cluster("another-secret-of-at-least-32-characters", null, third, addresses));

    Await.waitUntil(() -> size(one) == 2 && size(two) == 2, Duration.ofSeconds(20), "the two members with the secret joined");
    // Given the time the first two took to find each other, the outsider was refused, not late.
    Thread.sleep(3_000);
    assertThat(size(outsider)).isEqualTo(1);
    assertThat(size(one)).isEqualTo(2);
  }

  @Test
  void theEventBusServesOnlyPeersWithACertificateOfTheClusterCa() throws Exception {
    SelfSignedCertificate ca = SelfSignedCertificate.create("pulso-cluster");
    PulsoConfig.ClusterTls tls = new PulsoConfig.ClusterTls(Path.of(ca.certificatePath()), Path.of(ca.privateKeyPath()),
        Path.of(ca.certificatePath()));
    SelfSignedCertificate other = SelfSignedCertificate.create("not-pulso");
    PulsoConfig.ClusterTls otherTls = new PulsoConfig.ClusterTls(Path.of(other.certificatePath()),
        Path.of(other.privateKeyPath()), Path.of(other.certificatePath()));
    int[] ports = {freePort(), freePort(), freePort(), freePort()};
    List<String> addresses = List.of("127.0.0.1:" + ports[0], "127.0.0.1:" + ports[1], "127.0.0.1:" + ports[2],
        "127.0.0.1:" + ports[3]);
    // All four share the secret (so all are Hazelcast members): only the event bus tells them apart.
    Vertx serving = join(cluster(SECRET, tls, ports[0], addresses));
    Vertx peer = join(cluster(SECRET, tls, ports[1], addresses));
    Vertx plain = join(cluster(SECRET, null, ports[2], addresses));
    Vertx foreign = join(cluster(SECRET, otherTls, ports[3], addresses));
    Await.waitUntil(() -> size(serving) == 4, Duration.ofSeconds(30), "four Hazelcast members");

    AtomicInteger received = new AtomicInteger();
    await(serving.eventBus().<String>consumer("pulso.test.secured", message -> {
      received.incrementAndGet();
      message.reply("served");
    }).completion());
    Await.waitUntil(() -> peerKnowsConsumer(peer), Duration.ofSeconds(10), "the consumer's registration seen by the peer");
    received.set(0);

    assertThat(await(peer.eventBus().<String>request("pulso.test.secured", "from a peer")).body()).isEqualTo("served");
    // Every member sees the consumer (Hazelcast's registry): what stops the intruders is the event bus's TLS.
    Await.waitUntil(() -> !ClusterSetup.hazelcast(plain).getMultiMap("__vertx.subs").keySet().isEmpty(),
        Duration.ofSeconds(10), "the registration in the intruders' view");
    assertThat(received.get()).isEqualTo(1);
    DeliveryOptions shortWait = new DeliveryOptions().setSendTimeout(3_000);
    for (Vertx intruder : List.of(plain, foreign)) {
      assertThatThrownBy(() -> await(intruder.eventBus().request("pulso.test.secured", "from an intruder", shortWait)))
          .hasMessageContaining("Timed out");
    }
    assertThat(received.get()).as("what the intruders sent never reached the consumer").isEqualTo(1);
  }

  private static boolean peerKnowsConsumer(Vertx peer) {
    try {
      await(peer.eventBus().request("pulso.test.secured", "ping", new DeliveryOptions().setSendTimeout(1_000)));
      return true;
    } catch (Exception e) {
      return false;
    }
  }

  private Vertx join(PulsoConfig.Cluster cluster) throws Exception {
    Vertx member = await(ClusterSetup.join(cluster, new VertxOptions(), Vertx.builder()));
    members.add(member);
    return member;
  }

  private static int size(Vertx member) {
    return ClusterSetup.hazelcast(member).getCluster().getMembers().size();
  }

  private PulsoConfig.Cluster cluster(String secret, PulsoConfig.ClusterTls tls, int port) {
    return cluster(secret, tls, port, List.of("127.0.0.1:" + port));
  }

  private PulsoConfig.Cluster cluster(String secret, PulsoConfig.ClusterTls tls, int port, List<String> members) {
    return new PulsoConfig.Cluster(name, "127.0.0.1", port, 0, members, "", 1, 5, secret, tls);
  }

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
