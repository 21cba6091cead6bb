package com.pulso.stream;

import static org.assertj.core.api.Assertions.assertThat;

import com.pulso.stream.ShardAssignment.Shard;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ShardAssignmentTest {

  private static List<Shard> openShards(int count) {
    List<Shard> shards = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      shards.add(new Shard(String.format("shardId-%012d", i), null, null));
    }
    return shards;
  }

  @Test
  void everyShardHasExactlyOneOwnerAndOwnersAreBalanced() {
    List<String> members = List.of("m-c", "m-a", "m-b");
    List<Shard> shards = openShards(8);

    List<String> all = new ArrayList<>();
    for (String member : members) {
      List<String> mine = ShardAssignment.shardsOf(member, members, shards, Set.of());
      assertThat(mine.size()).isBetween(2, 3);
      all.addAll(mine);
    }
    assertThat(all).containsExactlyInAnyOrderElementsOf(shards.stream().map(Shard::id).toList());
  }

  @Test
  void aDeadMembersShardsGoToTheSurvivors() {
    List<Shard> shards = openShards(4);
    List<String> survivors = List.of("m-a", "m-c");

    List<String> a = ShardAssignment.shardsOf("m-a", survivors, shards, Set.of());
    List<String> c = ShardAssignment.shardsOf("m-c", survivors, shards, Set.of());

    assertThat(a).hasSize(2);
    assertThat(c).hasSize(2).doesNotContainAnyElementsOf(a);
    assertThat(ShardAssignment.shardsOf("m-b", survivors, shards, Set.of())).as("not a member any more").isEmpty();
  }

  @Test
  void childShardsWaitForTheirParentsToFinish() {
    Shard parent = new Shard("shardId-000000000000", null, null);
    Shard other = new Shard("shardId-000000000001", null, null);
    Shard split1 = new Shard("shardId-000000000002", parent.id(), null);
    Shard merged = new Shard("shardId-000000000003", split1.id(), other.id());
    List<Shard> shards = List.of(parent, other, split1, merged);
    List<String> one = List.of("m");

    assertThat(ShardAssignment.shardsOf("m", one, shards, Set.of())).containsExactly(parent.id(), other.id());
    assertThat(ShardAssignment.shardsOf("m", one, shards, Set.of(parent.id())))
        .containsExactly(other.id(), split1.id());
    assertThat(ShardAssignment.shardsOf("m", one, shards, Set.of(parent.id(), split1.id())))
        .as("a merge waits for both parents").containsExactly(other.id());
    assertThat(ShardAssignment.shardsOf("m", one, shards, Set.of(parent.id(), split1.id(), other.id())))
        .containsExactly(merged.id());
  }

  @Test
  void aParentExpiredFromTheStreamDoesNotBlockItsChild() {
    Shard child = new Shard("shardId-000000000009", "shardId-000000000001", null);

    assertThat(ShardAssignment.shardsOf("m", List.of("m"), List.of(child), Set.of())).containsExactly(child.id());
  }
}
