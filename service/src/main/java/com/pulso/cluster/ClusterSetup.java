package com.pulso.cluster;

import com.hazelcast.config.AdvancedNetworkConfig;
import com.hazelcast.config.Config;
import com.hazelcast.config.InterfacesConfig;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.ServerSocketEndpointConfig;
import com.hazelcast.core.HazelcastInstance;
import com.pulso.config.PulsoConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.internal.VertxInternal;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.time.Duration;

/**
 * Builds the clustered Vert.x instance: Hazelcast with an explicit TCP-IP member list or, on
 * Kubernetes, a headless service's DNS name (no multicast, no cloud auto-detection, no phone-home) and failure detection in seconds rather than Hazelcast's
 * default minute, so a dead member's singletons and shards move quickly.
 *
 * <p>What reaches a member is restricted as far as open-source Hazelcast allows (docs/api.md,
 * "Security"): Hazelcast listens on the member's own address only and speaks only the member
 * protocol there (no client, REST or memcache protocol); its cluster name is derived from
 * {@code cluster.secret} ({@link ClusterSecret}); the event bus runs over TLS with mutual
 * authentication when {@code cluster.tls.*} is set (always in the aws profile).
 */
public final class ClusterSetup {

  /**
   * The longest a member takes to leave: Hazelcast hands its partitions over first. A pod's grace
   * period must cover it (k8s/base/deployment.yaml).
   */
  public static final Duration LEAVE_WAIT = Duration.ofSeconds(30);

  private ClusterSetup() {}

  /**
   * Joins (or forms) the cluster. {@code options} and {@code builder} carry what else the instance
   * needs (metrics); the event bus is bound to the cluster host on a free port.
   */
  public static Future<Vertx> join(PulsoConfig.Cluster cluster, VertxOptions options, VertxBuilder builder) {
    HazelcastClusterManager manager = new HazelcastClusterManager(hazelcastConfig(cluster));
    options.setEventBusOptions(eventBusOptions(cluster));
    return builder.with(options).withClusterManager(manager).buildClustered();
  }

  /**
   * The event bus bound to the cluster host on {@code cluster.eventBusPort} (0: a free one); with {@code cluster.tls}, over TLS where
   * both ends present a certificate of the cluster's CA and trust no other. The peer's host name is
   * not verified (Vert.x's event bus client does not: members are reached by pod address); the CA
   * is the authentication, so it must sign member certificates only.
   */
  static EventBusOptions eventBusOptions(PulsoConfig.Cluster cluster) {
    EventBusOptions options = new EventBusOptions().setHost(cluster.host()).setPort(cluster.eventBusPort());
    PulsoConfig.ClusterTls tls = cluster.tls();
    if (tls != null) {
      options.setSsl(true).setClientAuth(ClientAuth.REQUIRED)
          .setKeyCertOptions(new PemKeyCertOptions().setCertPath(tls.cert().toString()).setKeyPath(tls.key().toString()))
          .setTrustOptions(new PemTrustOptions().addCertPath(tls.ca().toString()));
    }
    return options;
  }

  /** The Hazelcast member of a Vert.x instance built by {@link #join}. */
  public static HazelcastInstance hazelcast(Vertx vertx) {
    return ((HazelcastClusterManager) ((VertxInternal) vertx).clusterManager()).getHazelcastInstance();
  }

  /** Vert.x's own map/multimap settings, then ours over them. */
  static Config hazelcastConfig(PulsoConfig.Cluster cluster) {
    Config config = ConfigUtil.loadConfig();
    config.setClusterName(new ClusterSecret(cluster.secret()).hazelcastClusterName(cluster.name()));
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.logging.type", "slf4j");
    // Pulso shuts down in order on SIGTERM (drain, undeploy, leave); Hazelcast's own hook would leave first.
    config.setProperty("hazelcast.shutdownhook.enabled", "false");
    config.setProperty("hazelcast.graceful.shutdown.max.wait", String.valueOf(LEAVE_WAIT.toSeconds()));
    config.setProperty("hazelcast.heartbeat.interval.seconds", String.valueOf(cluster.heartbeatIntervalSeconds()));
    config.setProperty("hazelcast.max.no.heartbeat.seconds", String.valueOf(cluster.maxNoHeartbeatSeconds()));
    config.setProperty("hazelcast.wait.seconds.before.join", "1");
    // After a partition heals, the two sides merge at Hazelcast's next split-brain check: every 120 s
    // by default, the first one 300 s after start. Until then each side has its own capture leader
    // (the fence lets one read) and shard owners (positions guard DynamoDB): merge sooner.
    config.setProperty("hazelcast.merge.first.run.delay.seconds", "30");
    config.setProperty("hazelcast.merge.next.run.delay.seconds", "15");
    config.setProperty("hazelcast.socket.bind.any", "false");
    config.setProperty("hazelcast.local.localAddress", cluster.host());

    // The advanced network's member endpoint only: the unified one would also accept Hazelcast
    // clients on the member port, a way into every map that needs no membership.
    AdvancedNetworkConfig network = config.getAdvancedNetworkConfig().setEnabled(true);
    network.setMemberEndpointConfig(new ServerSocketEndpointConfig().setPort(cluster.port()).setPortAutoIncrement(false)
        .setInterfaces(new InterfacesConfig().setEnabled(true).addInterface(cluster.host())));
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    if (!cluster.kubernetesServiceDns().isEmpty()) {
      join.getKubernetesConfig().setEnabled(true)
          .setProperty("service-dns", cluster.kubernetesServiceDns())
          .setProperty("service-port", String.valueOf(cluster.port()));
      return config;
    }
    join.getTcpIpConfig().setEnabled(true).setConnectionTimeoutSeconds(2);
    for (String member : cluster.members()) {
      join.getTcpIpConfig().addMember(member.contains(":") ? member : member + ":" + cluster.port());
    }
    return config;
  }
}
