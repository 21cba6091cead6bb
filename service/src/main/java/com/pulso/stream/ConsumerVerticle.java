package com.pulso.stream;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.pulso.aws.AwsClients;
import com.pulso.cluster.ClusterSetup;
import com.pulso.cluster.MembershipWatch;
import com.pulso.config.PulsoConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consumes this member's share of the sale-change stream, on every member. Which shards are this
 * member's is {@link ShardAssignment}'s pure answer from the Hazelcast members and the stream's shards
 * (parents before children, finished shards left out), recomputed on every membership change and on
 * a timer (reshards, parents finished); a {@link ShardConsumer} runs per owned shard. A dead member's
 * shards move once Hazelcast declares it gone ({@code cluster.maxNoHeartbeatSeconds}) and resume from
 * their checkpoints.
 */
public final class ConsumerVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(ConsumerVerticle.class);

  private final AwsClients clients;
  private final PulsoConfig config;
  private final MeterRegistry registry;
  private final PulsoConfig.Consume settings;

  private HazelcastInstance hazelcast;
  private ShardConsumer.Shared shared;
  private MembershipWatch watch;
  private long timer = -1;
  private final Map<String, ShardConsumer> running = new LinkedHashMap<>();
  /** Consumers asked to stop and not yet stopped: their shard is not started again before. */
  private final Map<String, Future<Void>> stopping = new HashMap<>();
  private volatile Set<String> owned = Set.of();
  private boolean reconciling;
  private boolean reconcileAgain;
  private boolean stopped;

  public ConsumerVerticle(AwsClients clients, PulsoConfig config, MeterRegistry registry) {
    this(clients, config, registry, config.consume());
  }

  public ConsumerVerticle(AwsClients clients, PulsoConfig config, MeterRegistry registry, PulsoConfig.Consume settings) {
    this.clients = clients;
    this.config = config;
    this.registry = registry;
    this.settings = settings;
  }

  /** The shards this member reads now (a snapshot; safe from any thread). */
  public Set<String> ownedShards() {
    return owned;
  }

  @Override
  public Future<?> start() {
    hazelcast = ClusterSetup.hazelcast(vertx);
    shared = ShardConsumer.Shared.of(vertx, clients, config, settings, registry);
    return shared.gate().start().onSuccess(listening -> {
      watch = MembershipWatch.start(hazelcast, context, this::reconcile);
      timer = vertx.setPeriodic(settings.rebalanceInterval().toMillis(), id -> reconcile());
      reconcile();
    });
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    vertx.cancelTimer(timer);
    if (watch != null) {
      watch.stop();
    }
    List<Future<Void>> all = new ArrayList<>(stopping.values());
    running.values().forEach(consumer -> all.add(consumer.stop()));
    running.clear();
    owned = Set.of();
    return Future.join(all).transform(done -> shared.gate().stop());
  }

  /** Brings the running consumers in line with this member's shards; runs on this verticle's context only. */
  private void reconcile() {
    if (stopped) {
      return;
    }
    if (reconciling) {
      reconcileAgain = true;
      return;
    }
    reconciling = true;
    Future<StreamShards> listing = StreamShards.list(clients, shared.stream());
    Future<Set<String>> finished = shared.checkpoints().finished();
    Future.all(listing, finished)
        .onSuccess(all -> apply(listing.result(), finished.result()))
        .onFailure(error -> LOG.warn("Shard ownership not recomputed (again within {} ms): {}",
            settings.rebalanceInterval().toMillis(), error.toString()))
        .onComplete(ar -> {
          reconciling = false;
          if (reconcileAgain) {
            reconcileAgain = false;
            reconcile();
          }
        });
  }

  private void apply(StreamShards shards, Set<String> finished) {
    if (stopped) {
      return;
    }
    List<String> members = new ArrayList<>();
    String self = null;
    boolean inCluster = !watch.standingDown();
    if (inCluster) {
      for (Member member : hazelcast.getCluster().getMembers()) {
        members.add(member.getUuid().toString());
        if (member.localMember()) {
          self = member.getUuid().toString();
        }
      }
    }
    Set<String> wanted = self == null ? Set.of()
        : new HashSet<>(ShardAssignment.shardsOf(self, members, shards.forAssignment(), finished));
    for (String shardId : new ArrayList<>(running.keySet())) {
      if (!wanted.contains(shardId)) {
        LOG.info("Shard {} of {} is no longer this member's: stopping its consumer", shardId, shared.stream());
        ShardConsumer consumer = running.remove(shardId);
        Future<Void> stop = consumer.stop();
        stopping.put(shardId, stop);
        stop.onComplete(ar -> {
          stopping.remove(shardId);
          reconcile();
        });
      }
    }
    for (String shardId : wanted) {
      if (!running.containsKey(shardId) && !stopping.containsKey(shardId)) {
        ShardConsumer consumer = new ShardConsumer(shared, shardId, shards.parentsOf(shardId));
        running.put(shardId, consumer);
        consumer.ended().onComplete(ar -> {
          if (running.get(shardId) == consumer) { // ended by itself: finished (children may start), or finished elsewhere
            running.remove(shardId);
            owned = Set.copyOf(running.keySet());
            reconcile();
          }
        });
        consumer.start();
      }
    }
    Set<String> now = Set.copyOf(running.keySet());
    if (!now.equals(owned)) {
      LOG.info("This member reads {} shard(s) of {} ({} member(s)): {}", now.size(), shared.stream(), members.size(),
          now.stream().sorted().toList());
    }
    owned = now;
  }
}
