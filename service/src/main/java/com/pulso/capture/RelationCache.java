package com.pulso.capture;

import com.pulso.capture.PgOutputMessage.Relation;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The tables a decoding session has described, by relation id. pgoutput sends a {@link Relation}
 * before the first change of a table in each session (each peek call is a session) and again after
 * the table's definition changed, so the latest message for an id always wins.
 */
public final class RelationCache {

  private final Map<Integer, Relation> byId = new HashMap<>();

  public void put(Relation relation) {
    byId.put(relation.relationId(), relation);
  }

  public Optional<Relation> find(int relationId) {
    return Optional.ofNullable(byId.get(relationId));
  }

  /** The relation, or an {@link IllegalStateException} if no Relation message described it. */
  public Relation get(int relationId) {
    Relation relation = byId.get(relationId);
    if (relation == null) {
      throw new IllegalStateException("pgoutput sent a change of relation " + relationId
          + " before any Relation message describing it: messages were skipped or decoded out of order");
    }
    return relation;
  }
}
