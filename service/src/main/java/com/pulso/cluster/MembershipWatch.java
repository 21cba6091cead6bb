package com.pulso.cluster;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import io.vertx.core.Context;
import java.util.UUID;

/**
 * Tells a verticle, on its own context, when this member's view of the cluster changes: a member
 * joined or left, or this member's Hazelcast is shutting down or merging after a partition — while
 * it is {@link #standingDown()} it should lead and own nothing.
 */
public final class MembershipWatch {

  private final HazelcastInstance hazelcast;
  private final UUID membershipListener;
  private final UUID lifecycleListener;
  private volatile boolean standingDown;

  private MembershipWatch(HazelcastInstance hazelcast, Context context, Runnable onChange) {
    this.hazelcast = hazelcast;
    this.membershipListener = hazelcast.getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent event) {
        context.runOnContext(v -> onChange.run());
      }

      @Override
      public void memberRemoved(MembershipEvent event) {
        context.runOnContext(v -> onChange.run());
      }
    });
    this.lifecycleListener = hazelcast.getLifecycleService().addLifecycleListener(event -> context.runOnContext(v -> {
      switch (event.getState()) {
        case SHUTTING_DOWN, MERGING -> standingDown = true;
        case MERGED -> standingDown = false;
        default -> { }
      }
      onChange.run();
    }));
  }

  /** Starts watching; {@code onChange} runs on {@code context}. */
  public static MembershipWatch start(HazelcastInstance hazelcast, Context context, Runnable onChange) {
    return new MembershipWatch(hazelcast, context, onChange);
  }

  /** Whether this member's Hazelcast is shutting down or merging: it should lead and own nothing now. */
  public boolean standingDown() {
    return standingDown || !hazelcast.getLifecycleService().isRunning();
  }

  public void stop() {
    if (hazelcast.getLifecycleService().isRunning()) {
      hazelcast.getCluster().removeMembershipListener(membershipListener);
      hazelcast.getLifecycleService().removeLifecycleListener(lifecycleListener);
    }
  }
}
