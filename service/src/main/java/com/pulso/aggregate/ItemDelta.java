package com.pulso.aggregate;

import com.pulso.sales.SourcePosition;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The change one shard's batch makes to one metric item: its contributions in position order (one
 * per sale change, strictly increasing), kept apart so that an item found partly applied can be
 * refolded from the position it holds ({@link #above}).
 */
public record ItemDelta(MetricItem item, List<Contribution> contributions) {

  public ItemDelta {
    Objects.requireNonNull(item, "item");
    contributions = List.copyOf(contributions);
    if (contributions.isEmpty()) {
      throw new IllegalArgumentException("an item delta needs at least one contribution: " + item);
    }
    for (int i = 1; i < contributions.size(); i++) {
      if (contributions.get(i).position().compareTo(contributions.get(i - 1).position()) <= 0) {
        throw new IllegalArgumentException("contributions of " + item + " are not in strictly increasing position order: "
            + contributions.get(i - 1).position() + " then " + contributions.get(i).position());
      }
    }
  }

  public long transactions() {
    return contributions.stream().mapToLong(Contribution::transactions).sum();
  }

  /** The net amount, scale 2. */
  public BigDecimal amount() {
    return contributions.stream().map(Contribution::amount).reduce(BigDecimal.ZERO.setScale(2), BigDecimal::add);
  }

  /** The net change per product (a client-day item's; empty for other items), by product code. */
  public Map<String, ProductFigures> products() {
    Map<String, ProductFigures> products = new TreeMap<>();
    contributions.forEach(c -> c.products().forEach((product, figures) -> products.merge(product, figures,
        ProductFigures::plus)));
    return products;
  }

  /**
   * This delta cut, in position order, into parts that each change at most {@code maxProducts}
   * products (one part when it changes no more): applied one after the other, each records its own
   * last position, so a replay refolds from wherever the parts stopped.
   */
  public List<ItemDelta> parts(int maxProducts) {
    if (products().size() <= maxProducts) {
      return List.of(this);
    }
    List<ItemDelta> parts = new ArrayList<>();
    List<Contribution> part = new ArrayList<>();
    Set<String> products = new HashSet<>();
    for (Contribution contribution : contributions) {
      Set<String> with = new HashSet<>(products);
      with.addAll(contribution.products().keySet());
      if (with.size() > maxProducts && !part.isEmpty()) {
        parts.add(new ItemDelta(item, part));
        part = new ArrayList<>();
        with = new HashSet<>(contribution.products().keySet());
      }
      part.add(contribution);
      products = with;
    }
    parts.add(new ItemDelta(item, part));
    return parts;
  }

  /** The lowest position: the item must hold a lower one (or none) for the whole delta to apply. */
  public SourcePosition first() {
    return contributions.get(0).position();
  }

  /** The highest position: what the item holds once the delta is applied. */
  public SourcePosition last() {
    return contributions.get(contributions.size() - 1).position();
  }

  /** The part of this delta after {@code applied}: empty when the item already holds all of it. */
  public Optional<ItemDelta> above(SourcePosition applied) {
    List<Contribution> rest = contributions.stream().filter(c -> c.position().compareTo(applied) > 0).toList();
    return rest.isEmpty() ? Optional.empty() : Optional.of(new ItemDelta(item, rest));
  }
}
