package com.pulso.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.HazelcastInstance;
import com.pulso.config.PulsoConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.internal.VertxInternal;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

/**
 * Builds the clustered Vert.x instance: Hazelcast with an explicit TCP-IP member list or, on
 * Kubernetes, a headless service's DNS name (no multicast, no cloud auto-detection, no phone-home) and failure detection in seconds rather than Hazelcast's
 * default minute, so a dead member's singletons and shards move quickly.
 */
public final class ClusterSetup {

  private ClusterSetup() {}

  /**
   * Joins (or forms) the cluster. {@code options} and {@code builder} carry what else the instance
   * needs (metrics); the event bus is bound to the cluster host on a free port.
   */
  public static Future<Vertx> join(PulsoConfig.Cluster cluster, VertxOptions options, VertxBuilder builder) {
    HazelcastClusterManager manager = new HazelcastClusterManager(hazelcastConfig(cluster));
    options.setEventBusOptions(new EventBusOptions().setHost(cluster.host()).setPort(0));
    return builder.with(options).withClusterManager(manager).buildClustered();
  }

  /** The Hazelcast member of a Vert.x instance built by {@link #join}. */
  public static HazelcastInstance hazelcast(Vertx vertx) {
    return ((HazelcastClusterManager) ((VertxInternal) vertx).clusterManager()).getHazelcastInstance();
  }

  /** Vert.x's own map/multimap settings, then ours over them. */
  static Config hazelcastConfig(PulsoConfig.Cluster cluster) {
    Config config = ConfigUtil.loadConfig();
    config.setClusterName(cluster.name());
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.logging.type", "slf4j");
    // Pulso shuts down in order on SIGTERM (drain, undeploy, leave); Hazelcast's own hook would leave first.
    config.setProperty("hazelcast.shutdownhook.enabled", "false");
    config.setProperty("hazelcast.graceful.shutdown.max.wait", "30");
    config.setProperty("hazelcast.heartbeat.interval.seconds", String.valueOf(cluster.heartbeatIntervalSeconds()));
    config.setProperty("hazelcast.max.no.heartbeat.seconds", String.valueOf(cluster.maxNoHeartbeatSeconds()));
    config.setProperty("hazelcast.wait.seconds.before.join", "1");
    config.setProperty("hazelcast.socket.bind.any", "false");
    config.setProperty("hazelcast.local.localAddress", cluster.host());

    NetworkConfig network = config.getNetworkConfig();
    network.setPort(cluster.port()).setPortAutoIncrement(false);
    network.getInterfaces().setEnabled(true).addInterface(cluster.host());
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
