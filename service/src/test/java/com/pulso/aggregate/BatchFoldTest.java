package com.pulso.aggregate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.pulso.aggregate.MetricItem.ClientDay;
import com.pulso.aggregate.MetricItem.ProductMinute;
import com.pulso.aggregate.MetricItem.ShardDayTotal;
import com.pulso.sales.Lsn;
import com.pulso.sales.Sale;
import com.pulso.sales.SaleChange;
import com.pulso.sales.SourcePosition;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class BatchFoldTest {

  private static final ZoneId BOGOTA = ZoneId.of("America/Bogota");
  private static final String SHARD = "shardId-000000000001";
  /** 23:59:59 on 29 November in Bogota, 04:59:59 on the 30th in UTC. */
  private static final Instant LAST_SECOND_OF_29TH = Instant.parse("2026-11-30T04:59:59Z");
  /** 00:00:00 on 30 November in Bogota. */
  private static final Instant FIRST_SECOND_OF_30TH = Instant.parse("2026-11-30T05:00:00Z");
  private static final LocalDate NOV_29 = LocalDate.of(2026, 11, 29);
  private static final LocalDate NOV_30 = LocalDate.of(2026, 11, 30);

  private final MetricKeys keys = new MetricKeys(BOGOTA);

  @Test
  void insertAddsOneTransactionAndItsAmountToTheSalesThreeItemsAndItsProductsShare() {
    Sale sale = sale(1, 45, "LAC-001", 1, LAST_SECOND_OF_29TH, "12500.00");

    BatchFold fold = BatchFold.of(keys, SHARD, List.of(new SaleChange.Inserted(position(1), Instant.EPOCH, sale)));

    assertThat(totals(fold)).containsOnly(
        Map.entry(new ClientDay(1, NOV_29, 45), figures(1, "12500.00")),
        Map.entry(new ProductMinute(1, LocalDateTime.of(2026, 11, 29, 23, 59), "LAC-001"), figures(1, "12500.00")),
        Map.entry(new ShardDayTotal(1, NOV_29, SHARD), figures(1, "12500.00")));
    assertThat(products(fold)).containsOnly(
        Map.entry(new ClientDay(1, NOV_29, 45), Map.of("LAC-001", product(1, "12500.00"))),
        Map.entry(new ProductMinute(1, LocalDateTime.of(2026, 11, 29, 23, 59), "LAC-001"), Map.of()),
        Map.entry(new ShardDayTotal(1, NOV_29, SHARD), Map.of()));
    assertThat(fold.deltas()).allSatisfy(delta -> {
      assertThat(delta.first()).isEqualTo(position(1));
      assertThat(delta.last()).isEqualTo(position(1));
    });
    assertThat(fold.last()).contains(position(1));
  }

  @Test
  void voidSubtractsWhatTheInsertAdded() {
    Sale sale = sale(1, 45, "LAC-001", 1, LAST_SECOND_OF_29TH, "12500.00");

    BatchFold fold = BatchFold.of(keys, SHARD, List.of(
        new SaleChange.Inserted(position(1), Instant.EPOCH, sale),
        new SaleChange.Voided(position(2), Instant.EPOCH, sale)));

    assertThat(fold.deltas()).hasSize(3).allSatisfy(delta -> {
      assertThat(delta.transactions()).isZero();
      assertThat(delta.amount()).isEqualTo(new BigDecimal("0.00"));
      assertThat(delta.contributions()).extracting(Contribution::transactions).containsExactly(1L, -1L);
      assertThat(delta.last()).isEqualTo(position(2));
    });
    assertThat(delta(fold, new ClientDay(1, NOV_29, 45)).products()).containsOnly(
        Map.entry("LAC-001", product(0, "0.00")));
  }

  @Test
  void correctionMovesTheSaleToAnotherClientProductProviderAndBusinessDay() {
    Sale before = sale(7, 45, "LAC-001", 1, LAST_SECOND_OF_29TH, "12500.00");
    Sale after = sale(7, 46, "CAR-010", 2, FIRST_SECOND_OF_30TH, "99.99");
    // One second apart: in UTC both fall on the 30th, in Bogota on two different days.
    assertThat(LocalDate.ofInstant(before.time(), ZoneOffset.UTC)).isEqualTo(LocalDate.ofInstant(after.time(), ZoneOffset.UTC));

    BatchFold fold = BatchFold.of(keys, SHARD, List.of(new SaleChange.Corrected(position(3), Instant.EPOCH, before, after)));

    assertThat(totals(fold)).containsOnly(
        Map.entry(new ClientDay(1, NOV_29, 45), figures(-1, "-12500.00")),
        Map.entry(new ProductMinute(1, LocalDateTime.of(2026, 11, 29, 23, 59), "LAC-001"), figures(-1, "-12500.00")),
        Map.entry(new ShardDayTotal(1, NOV_29, SHARD), figures(-1, "-12500.00")),
        Map.entry(new ClientDay(2, NOV_30, 46), figures(1, "99.99")),
        Map.entry(new ProductMinute(2, LocalDateTime.of(2026, 11, 30, 0, 0), "CAR-010"), figures(1, "99.99")),
        Map.entry(new ShardDayTotal(2, NOV_30, SHARD), figures(1, "99.99")));
    assertThat(delta(fold, new ClientDay(1, NOV_29, 45)).products()).containsOnly(
        Map.entry("LAC-001", product(-1, "-12500.00")));
    assertThat(delta(fold, new ClientDay(2, NOV_30, 46)).products()).containsOnly(
        Map.entry("CAR-010", product(1, "99.99")));
    assertThat(fold.changed()).containsOnlyKeys(1, 2);
    assertThat(fold.changed().get(1).days()).containsExactly(NOV_29);
    assertThat(fold.changed().get(1).clientDays()).containsExactly(new ClientDay(1, NOV_29, 45));
    assertThat(fold.changed().get(1).minutes()).containsExactly(LocalDateTime.of(2026, 11, 29, 23, 59));
    assertThat(fold.changed().get(2).days()).containsExactly(NOV_30);
    assertThat(fold.changed().get(2).clientDays()).containsExactly(new ClientDay(2, NOV_30, 46));
  }

  @Test
  void correctionWithinTheSameItemsAddsOnlyTheDifference() {
    Sale before = sale(7, 45, "LAC-001", 1, LAST_SECOND_OF_29TH, "10.00");
    Sale after = sale(7, 45, "LAC-001", 1, LAST_SECOND_OF_29TH.minusSeconds(30), "12.35");

    BatchFold fold = BatchFold.of(keys, SHARD, List.of(new SaleChange.Corrected(position(4), Instant.EPOCH, before, after)));

    assertThat(fold.deltas()).hasSize(3).allSatisfy(delta -> assertThat(delta.contributions())
        .extracting(Contribution::position, Contribution::transactions, Contribution::amount)
        .containsExactly(tuple(position(4), 0L, new BigDecimal("2.35"))));
    assertThat(delta(fold, new ClientDay(1, NOV_29, 45)).products()).containsOnly(
        Map.entry("LAC-001", product(0, "2.35")));
  }

  @Test
  void correctionToAnotherProductOfTheSameClientDayMovesTheSaleBetweenProducts() {
    Sale before = sale(7, 45, "LAC-001", 1, LAST_SECOND_OF_29TH, "10.00");
    Sale after = sale(7, 45, "LAC-002", 1, LAST_SECOND_OF_29TH, "12.35");

    BatchFold fold = BatchFold.of(keys, SHARD, List.of(new SaleChange.Corrected(position(4), Instant.EPOCH, before, after)));

    ItemDelta clientDay = delta(fold, new ClientDay(1, NOV_29, 45));
    assertThat(clientDay.transactions()).isZero();
    assertThat(clientDay.amount()).isEqualTo(new BigDecimal("2.35"));
    assertThat(clientDay.products()).containsOnly(
        Map.entry("LAC-001", product(-1, "-10.00")),
        Map.entry("LAC-002", product(1, "12.35")));
  }

  @Test
  void netZeroCorrectionStillRecordsItsPositionOnEveryItem() {
    Sale before = sale(7, 45, "LAC-001", 1, LAST_SECOND_OF_29TH, "10.00");
    Sale sameFigures = sale(7, 45, "LAC-001", 1, LAST_SECOND_OF_29TH.minusSeconds(1), "10.00");

    BatchFold fold = BatchFold.of(keys, SHARD, List.of(new SaleChange.Corrected(position(5), Instant.EPOCH, before, sameFigures)));

    assertThat(fold.deltas()).hasSize(3).allSatisfy(delta -> {
      assertThat(delta.contributions()).extracting(Contribution::position, Contribution::transactions, Contribution::amount)
          .containsExactly(tuple(position(5), 0L, new BigDecimal("0.00")));
      assertThat(delta.last()).isEqualTo(position(5));
    });
  }

  @Test
  void amountsAddUpExactlyToTheCent() {
    List<SaleChange> changes = new ArrayList<>();
    for (int i = 1; i <= 1000; i++) {
      changes.add(new SaleChange.Inserted(position(i), Instant.EPOCH,
          sale(i, 45, "LAC-001", 1, FIRST_SECOND_OF_30TH, i % 2 == 0 ? "0.10" : "0.20")));
    }

    BatchFold fold = BatchFold.of(keys, SHARD, changes);

    ItemDelta clientDay = delta(fold, new ClientDay(1, NOV_30, 45));
    assertThat(clientDay.transactions()).isEqualTo(1000);
    assertThat(clientDay.amount()).isEqualTo(new BigDecimal("150.00"));
    assertThat(clientDay.contributions()).hasSize(1000);
  }

  @Test
  void aChangeDeliveredTwiceIsFoldedOnce() {
    SaleChange insert = new SaleChange.Inserted(position(1), Instant.EPOCH, sale(1, 45, "LAC-001", 1, FIRST_SECOND_OF_30TH, "5.00"));
    SaleChange next = new SaleChange.Inserted(position(2), Instant.EPOCH, sale(2, 45, "LAC-001", 1, FIRST_SECOND_OF_30TH, "7.00"));

    BatchFold fold = BatchFold.of(keys, SHARD, List.of(insert, next, insert, next));

    assertThat(fold.folded()).isEqualTo(2);
    assertThat(fold.duplicates()).isEqualTo(2);
    assertThat(delta(fold, new ClientDay(1, NOV_30, 45)).amount()).isEqualTo(new BigDecimal("12.00"));
  }

  @Test
  void aDeltaRefoldedFromAnAppliedPositionKeepsOnlyWhatLiesAbove() {
    List<SaleChange> changes = new ArrayList<>();
    for (int i = 1; i <= 4; i++) {
      changes.add(new SaleChange.Inserted(position(i), Instant.EPOCH, sale(i, 45, "LAC-001", 1, FIRST_SECOND_OF_30TH, i + ".00")));
    }
    ItemDelta delta = delta(BatchFold.of(keys, SHARD, changes), new ClientDay(1, NOV_30, 45));

    ItemDelta rest = delta.above(position(2)).orElseThrow();

    assertThat(rest.transactions()).isEqualTo(2);
    assertThat(rest.amount()).isEqualTo(new BigDecimal("7.00"));
    assertThat(rest.first()).isEqualTo(position(3));
    assertThat(delta.above(position(4))).isEmpty();
    assertThat(delta.above(new SourcePosition(new Lsn(0x17), 0))).isEmpty();
  }

  @Test
  void aDeltaOfManyProductsIsCutInOrderIntoPartsOfFewProducts() {
    List<SaleChange> changes = new ArrayList<>();
    String[] products = {"A", "B", "A", "C", "D", "D", "E"};
    for (int i = 0; i < products.length; i++) {
      changes.add(new SaleChange.Inserted(position(i + 1), Instant.EPOCH,
          sale(i + 1, 45, products[i], 1, FIRST_SECOND_OF_30TH, "1.00")));
    }
    ItemDelta delta = delta(BatchFold.of(keys, SHARD, changes), new ClientDay(1, NOV_30, 45));

    List<ItemDelta> parts = delta.parts(2);

    assertThat(parts).extracting(part -> part.products().keySet())
        .containsExactly(Set.of("A", "B"), Set.of("C", "D"), Set.of("E"));
    assertThat(parts.stream().flatMap(part -> part.contributions().stream())).containsExactlyElementsOf(delta.contributions());
    assertThat(delta.parts(5)).containsExactly(delta);
  }

  @Test
  void theDayTotalItemIsTheConsumingShards() {
    Sale sale = sale(1, 45, "LAC-001", 1, FIRST_SECOND_OF_30TH, "1.00");

    BatchFold fold = BatchFold.of(keys, "shardId-000000000007", List.of(new SaleChange.Inserted(position(1), Instant.EPOCH, sale)));

    assertThat(fold.deltas()).extracting(ItemDelta::item)
        .contains(new ShardDayTotal(1, NOV_30, "shardId-000000000007"));
    assertThat(fold.shardId()).isEqualTo("shardId-000000000007");
  }

  private static ItemDelta delta(BatchFold fold, MetricItem item) {
    return fold.deltas().stream().filter(d -> d.item().equals(item)).findFirst().orElseThrow();
  }

  private static Map<MetricItem, String> totals(BatchFold fold) {
    return fold.deltas().stream().collect(Collectors.toMap(ItemDelta::item,
        d -> figures(d.transactions(), d.amount().toPlainString())));
  }

  private static Map<MetricItem, Map<String, ProductFigures>> products(BatchFold fold) {
    return fold.deltas().stream().collect(Collectors.toMap(ItemDelta::item, ItemDelta::products));
  }

  private static ProductFigures product(long transactions, String amount) {
    return new ProductFigures(transactions, new BigDecimal(amount));
  }

  private static String figures(long transactions, String amount) {
    return transactions + " tx, " + amount;
  }

  private static SourcePosition position(long index) {
    return new SourcePosition(new Lsn(0x16), index);
  }

  private static Sale sale(long id, long client, String product, int provider, Instant time, String amount) {
    return new Sale(id, client, product, provider, time, new BigDecimal(amount));
  }
}
