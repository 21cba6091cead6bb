package com.pulso.aggregate;

import com.pulso.aggregate.MetricItem.ClientDay;
import com.pulso.aggregate.MetricItem.ProductMinute;
import com.pulso.sales.Sale;
import com.pulso.sales.SaleChange;
import com.pulso.sales.SourcePosition;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * One shard's batch of sale changes folded into one {@link ItemDelta} per metric item (pure: no I/O).
 * An insert adds one transaction and its amount to the sale's client-day item (in its totals and its
 * product's), product-minute item and the consuming shard's day-total item; a void subtracts them; a
 * correction subtracts the sale as it was and adds it as it is, wherever each lands (the same item
 * nets out, possibly to zero).
 *
 * <p>Changes must come in the shard's position order. A change at or below a position already folded
 * is a duplicate delivery (Kinesis delivers at least once: a record retried by the publisher may land
 * twice) and is skipped, as DynamoDB would skip it.
 */
public final class BatchFold {

  private final String shardId;
  private final List<ItemDelta> deltas;
  private final Map<Integer, MetricsChanged> changed;
  private final int folded;
  private final int duplicates;
  private final SourcePosition last;

  private BatchFold(String shardId, List<ItemDelta> deltas, Map<Integer, MetricsChanged> changed, int folded,
                    int duplicates, SourcePosition last) {
    this.shardId = shardId;
    this.deltas = List.copyOf(deltas);
    this.changed = Map.copyOf(changed);
    this.folded = folded;
    this.duplicates = duplicates;
    this.last = last;
  }

  /** Folds {@code changes}, read from shard {@code shardId} in position order. */
  public static BatchFold of(MetricKeys keys, String shardId, List<? extends SaleChange> changes) {
    Objects.requireNonNull(shardId, "shardId");
    Map<MetricItem, List<Contribution>> byItem = new LinkedHashMap<>();
    Map<Integer, ChangedSets> changed = new TreeMap<>();
    SourcePosition last = null;
    int folded = 0;
    int duplicates = 0;
    for (SaleChange change : changes) {
      SourcePosition position = change.position();
      if (last != null && position.compareTo(last) <= 0) {
        duplicates++;
        continue;
      }
      last = position;
      folded++;
      // One contribution per item and change: a correction within one item nets out here.
      Map<MetricItem, Contribution> ofChange = new LinkedHashMap<>();
      if (change instanceof SaleChange.Inserted inserted) {
        count(keys, shardId, position, inserted.sale(), 1, ofChange, changed);
      } else if (change instanceof SaleChange.Voided voided) {
        count(keys, shardId, position, voided.sale(), -1, ofChange, changed);
      } else {
        SaleChange.Corrected corrected = (SaleChange.Corrected) change;
        count(keys, shardId, position, corrected.before(), -1, ofChange, changed);
        count(keys, shardId, position, corrected.after(), 1, ofChange, changed);
      }
      ofChange.forEach((item, contribution) -> byItem.computeIfAbsent(item, k -> new ArrayList<>()).add(contribution));
    }
    List<ItemDelta> deltas = new ArrayList<>(byItem.size());
    byItem.forEach((item, contributions) -> deltas.add(new ItemDelta(item, contributions)));
    Map<Integer, MetricsChanged> byProvider = new LinkedHashMap<>();
    changed.forEach((provider, sets) -> byProvider.put(provider,
        new MetricsChanged(provider, sets.days, sets.clientDays, sets.minutes)));
    return new BatchFold(shardId, deltas, byProvider, folded, duplicates, last);
  }

  /** The shard the batch was read from: its id names the items' position attribute and the day-total items. */
  public String shardId() {
    return shardId;
  }

  /** One delta per item touched, in the order the batch first touched them. */
  public List<ItemDelta> deltas() {
    return deltas;
  }

  /** What the batch touched, by provider id. */
  public Map<Integer, MetricsChanged> changed() {
    return changed;
  }

  /** Changes folded (duplicates excluded). */
  public int folded() {
    return folded;
  }

  /** Changes skipped as duplicate deliveries. */
  public int duplicates() {
    return duplicates;
  }

  /** The highest position folded; empty for an empty batch. */
  public Optional<SourcePosition> last() {
    return Optional.ofNullable(last);
  }

  private static void count(MetricKeys keys, String shardId, SourcePosition position, Sale sale, int sign,
                            Map<MetricItem, Contribution> ofChange, Map<Integer, ChangedSets> changed) {
    BigDecimal amount = sign > 0 ? sale.amount() : sale.amount().negate();
    ClientDay clientDay = keys.clientDayOf(sale);
    ProductMinute minute = keys.productMinuteOf(sale);
    ofChange.merge(clientDay, new Contribution(position, sign, amount,
        Map.of(sale.productCode(), new ProductFigures(sign, amount))), Contribution::plus);
    for (MetricItem item : List.of(minute, keys.shardDayTotalOf(sale, shardId))) {
      ofChange.merge(item, new Contribution(position, sign, amount), Contribution::plus);
    }
    ChangedSets sets = changed.computeIfAbsent(sale.providerId(), p -> new ChangedSets());
    sets.days.add(clientDay.day());
    sets.clientDays.add(clientDay);
    sets.minutes.add(minute.minute());
  }

  private static final class ChangedSets {
    final Set<LocalDate> days = new HashSet<>();
    final Set<ClientDay> clientDays = new HashSet<>();
    final Set<LocalDateTime> minutes = new HashSet<>();
  }
}
