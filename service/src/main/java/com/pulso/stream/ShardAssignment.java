package com.pulso.stream;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * Which Kinesis shards a member consumes: a pure function of the cluster's members and the stream's
 * shards, so every member computes the same answer from the same view without coordination. A
 * shard is eligible once all its parents are finished (read to their end, after a reshard) and
 * while it is not finished itself; eligible shards, sorted by id, are dealt round-robin to the
 * members sorted by id, so each member holds the same number of shards, give or take one.
 *
 * <p>Two members may briefly both read a shard while their views of the membership differ; the
 * per-item positions of the DeltaWriter make the second application a no-op, so that costs work,
 * never correctness.
 */
public final class ShardAssignment {

  /** A shard as ListShards describes it: its id and its parents (null when none). */
  public record Shard(String id, String parentId, String adjacentParentId) {}

  private ShardAssignment() {}

  /** The shards {@code member} should consume now. */
  public static List<String> shardsOf(String member, Collection<String> members, Collection<Shard> shards,
                                      Set<String> finished) {
    List<String> sortedMembers = members.stream().sorted().toList();
    int index = sortedMembers.indexOf(member);
    if (index < 0) {
      return List.of();
    }
    Set<String> known = Set.copyOf(shards.stream().map(Shard::id).toList());
    List<String> eligible = shards.stream()
        .filter(shard -> !finished.contains(shard.id()))
        .filter(shard -> parentDone(shard.parentId(), known, finished) && parentDone(shard.adjacentParentId(), known, finished))
        .map(Shard::id)
        .sorted()
        .toList();
    List<String> mine = new ArrayList<>();
    for (int i = index; i < eligible.size(); i += sortedMembers.size()) {
      mine.add(eligible.get(i));
    }
    return mine;
  }

  /** A parent no longer listed has expired past the stream's retention: nothing is left to read in it. */
  private static boolean parentDone(String parentId, Set<String> known, Set<String> finished) {
    return parentId == null || !known.contains(parentId) || finished.contains(parentId);
  }
}
