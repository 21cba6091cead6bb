package com.pulso.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.ServerSocketEndpointConfig;
import com.hazelcast.instance.EndpointQualifier;
import com.pulso.config.PulsoConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How the Hazelcast member is configured; joining for real is ClusterSingletonTest's part. */
class ClusterSetupTest {

  @Test
  void tcpIpJoinOnlyWithTheConfiguredMembersAndFastFailureDetection() {
    Config config = ClusterSetup.hazelcastConfig(new PulsoConfig.Cluster(
        "pulso", "127.0.0.1", 5701, 0, List.of("127.0.0.1", "10.0.0.2:5702"), "", 1, 5, "", null));

    JoinConfig join = config.getAdvancedNetworkConfig().getJoin();
    assertThat(join.getMulticastConfig().isEnabled()).isFalse();
    assertThat(join.getAutoDetectionConfig().isEnabled()).isFalse();
    assertThat(join.getKubernetesConfig().isEnabled()).isFalse();
    assertThat(join.getTcpIpConfig().isEnabled()).isTrue();
    assertThat(join.getTcpIpConfig().getMembers()).containsExactly("127.0.0.1:5701", "10.0.0.2:5702");
    // Only the member protocol, on the member's own address.
    assertThat(config.getAdvancedNetworkConfig().isEnabled()).isTrue();
    assertThat(config.getAdvancedNetworkConfig().getEndpointConfigs().keySet())
        .containsExactly(EndpointQualifier.MEMBER);
    ServerSocketEndpointConfig member = (ServerSocketEndpointConfig) config.getAdvancedNetworkConfig()
        .getEndpointConfigs().get(EndpointQualifier.MEMBER);
    assertThat(member.getInterfaces().getInterfaces()).containsExactly("127.0.0.1");
    assertThat(member.getPort()).isEqualTo(5701);
    assertThat(config.getProperty("hazelcast.socket.bind.any")).isEqualTo("false");
    // No secret (local): the name as configured.
    assertThat(config.getClusterName()).isEqualTo("pulso");
    assertThat(config.getProperty("hazelcast.phone.home.enabled")).isEqualTo("false");
    assertThat(config.getProperty("hazelcast.max.no.heartbeat.seconds")).isEqualTo("5");
    assertThat(config.getProperty("hazelcast.heartbeat.interval.seconds")).isEqualTo("1");
    assertThat(config.getProperty("hazelcast.shutdownhook.enabled")).isEqualTo("false");
    // Vert.x's own structures survive our changes.
    assertThat(config.getMultiMapConfigs()).containsKey("__vertx.subs");
  }

  @Test
  void theClusterNameIsDerivedFromTheSecretWhichItDoesNotReveal() {
    String secret = "a-secret-of-the-members-0123456789abcdef";
    Config config = ClusterSetup.hazelcastConfig(new PulsoConfig.Cluster(
        "pulso", "127.0.0.1", 5701, 0, List.of("127.0.0.1"), "", 1, 5, secret, null));

    assertThat(config.getClusterName()).matches("pulso-[0-9a-f]{16}").doesNotContain(secret);
    assertThat(config.getClusterName()).isEqualTo(new ClusterSecret(secret).hazelcastClusterName("pulso"))
        .isNotEqualTo(new ClusterSecret(secret + "x").hazelcastClusterName("pulso"));
  }

  @Test
  void theEventBusListensOnItsConfiguredPortOverMutualTlsWhenGiven() {
    PulsoConfig.ClusterTls tls = new PulsoConfig.ClusterTls(java.nio.file.Path.of("/m/tls.crt"),
        java.nio.file.Path.of("/m/tls.key"), java.nio.file.Path.of("/m/ca.crt"));
    io.vertx.core.eventbus.EventBusOptions options = ClusterSetup.eventBusOptions(new PulsoConfig.Cluster(
        "pulso", "10.1.2.3", 5701, 5702, List.of("127.0.0.1"), "", 1, 5, "", tls));

    assertThat(options.getPort()).isEqualTo(5702);
    assertThat(options.getHost()).isEqualTo("10.1.2.3");
    assertThat(options.isSsl()).isTrue();
    assertThat(options.getClientAuth()).isEqualTo(io.vertx.core.http.ClientAuth.REQUIRED);
  }

  @Test
  void kubernetesServiceDnsReplacesTheMemberList() {
    Config config = ClusterSetup.hazelcastConfig(new PulsoConfig.Cluster(
        "pulso", "10.1.2.3", 5701, 0, List.of("127.0.0.1"), "pulso-cluster.pulso.svc.cluster.local", 1, 5, "", null));

    JoinConfig join = config.getAdvancedNetworkConfig().getJoin();
    assertThat(join.getTcpIpConfig().isEnabled()).isFalse();
    assertThat(join.getMulticastConfig().isEnabled()).isFalse();
    assertThat(join.getKubernetesConfig().isEnabled()).isTrue();
    assertThat(join.getKubernetesConfig().getProperty("service-dns")).isEqualTo("pulso-cluster.pulso.svc.cluster.local");
  }
}
