package com.pulso.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one verticle on exactly one member of the cluster and moves it when that member leaves or
 * dies. Deploy one {@code ClusterSingleton} per singleton on every member; the one on the oldest
 * member (the head of Hazelcast's member list, the same on every member) deploys the verticle.
 *
 * <p>Hand-over is ordered: a member that leaves undeploys the verticle (this verticle's stop)
 * before Vert.x leaves the cluster, and the next member only deploys once it sees the old one
 * gone. A member that dies is declared gone after {@code cluster.maxNoHeartbeatSeconds}. During a
 * network partition each side elects its own oldest member: work that must never run twice then
 * also needs a fence at its resource (capture holds the replication slot, for instance).
 */
public final class ClusterSingleton extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(ClusterSingleton.class);
  private static final long RETRY_DELAY_MS = 2_000;

  private final String name;
  private final Supplier<? extends Deployable> verticle;
  private final DeploymentOptions options;

  private HazelcastInstance hazelcast;
  private MembershipWatch watch;
  private String deploymentId;
  /** The deploy or undeploy under way, if any: transitions never overlap. */
  private Future<?> transition;
  private boolean stopping;

  public ClusterSingleton(String name, Supplier<? extends Deployable> verticle, DeploymentOptions options) {
    this.name = name;
    this.verticle = verticle;
    this.options = options;
  }

  /** Whether the singleton runs on this member now. */
  public boolean isRunningHere() {
    return deploymentId != null;
  }

  @Override
  public Future<?> start() {
    hazelcast = ClusterSetup.hazelcast(vertx);
    watch = MembershipWatch.start(hazelcast, context, this::reconcile);
    reconcile();
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    watch.stop();
    Future<?> settled = transition == null ? Future.succeededFuture() : transition.transform(ar -> Future.succeededFuture());
    return settled.compose(v -> {
      String id = deploymentId;
      deploymentId = null;
      if (id == null) {
        return Future.succeededFuture();
      }
      LOG.info("Singleton {} stopping on this member (member leaving)", name);
      // Deployed from this verticle, the singleton is its child: Vert.x may have undeployed it already.
      return vertx.deploymentIDs().contains(id) ? vertx.undeploy(id) : Future.succeededFuture();
    });
  }

  private boolean isOldestMember() {
    if (watch.standingDown()) {
      return false;
    }
    Member oldest = hazelcast.getCluster().getMembers().iterator().next();
    return oldest.localMember();
  }

  /** Brings the deployment in line with leadership; runs on this verticle's context only. */
  private void reconcile() {
    if (transition != null || stopping) {
      return;
    }
    boolean leader = isOldestMember();
    if (leader && deploymentId == null) {
      transition = vertx.deployVerticle(verticle, options).onComplete(ar -> {
        transition = null;
        if (ar.failed()) {
          LOG.error("Singleton {} failed to start here; retrying in {} ms", name, RETRY_DELAY_MS, ar.cause());
          vertx.setTimer(RETRY_DELAY_MS, t -> reconcile());
          return;
        }
        deploymentId = ar.result();
        LOG.info("Singleton {} running on this member", name);
        reconcile();
      });
    } else if (!leader && deploymentId != null) {
      // This member's Hazelcast is going away, or a partition healed and an older member leads now.
      String id = deploymentId;
      transition = vertx.undeploy(id).onComplete(ar -> {
        transition = null;
        deploymentId = null;
        LOG.info("Singleton {} no longer runs on this member", name);
        reconcile();
      });
    }
  }
}
