package com.pulso.aggregate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.pulso.aggregate.MetricItem.ClientDay;
import com.pulso.aggregate.MetricItem.ProductMinute;
import com.pulso.aggregate.MetricItem.ShardDayTotal;
import com.pulso.sales.Sale;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.List;
import org.junit.jupiter.api.Test;

class MetricKeysTest {

  private final MetricKeys keys = new MetricKeys(ZoneId.of("America/Bogota"));

  @Test
  void keysFollowTheDocumentedLayout() {
    Sale sale = new Sale(1, 45, "LAC-001", 3, Instant.parse("2026-11-30T04:59:59Z"), new BigDecimal("1.00"));

    assertThat(keys.partitionKey(keys.clientDayOf(sale))).isEqualTo("P#3#D#2026-11-29");
    assertThat(keys.sortKey(keys.clientDayOf(sale))).isEqualTo("C#45");
    assertThat(keys.partitionKey(keys.productMinuteOf(sale))).isEqualTo("P#3#M#2026-11-29");
    assertThat(keys.sortKey(keys.productMinuteOf(sale))).isEqualTo("23:59#LAC-001");
    assertThat(keys.partitionKey(keys.shardDayTotalOf(sale, "shardId-000000000000"))).isEqualTo("P#3#T#2026-11-29");
    assertThat(keys.sortKey(keys.shardDayTotalOf(sale, "shardId-000000000000"))).isEqualTo("S#shardId-000000000000");
    assertThat(keys.checkpointKey("pulso-sale-changes", "shardId-000000000000").get("sk").s())
        .isEqualTo("pulso-sale-changes#shardId-000000000000");
    assertThat(MetricKeys.positionAttribute("shardId-000000000000")).isEqualTo("p_shardId-000000000000");
  }

  @Test
  void everyMetricItemParsesBackFromItsKey() {
    List<MetricItem> items = List.of(
        new ClientDay(1, LocalDate.of(2026, 1, 2), 123456789L),
        new ProductMinute(2, LocalDateTime.of(2026, 1, 2, 7, 5), "A#B-1"),
        new ShardDayTotal(3, LocalDate.of(2026, 1, 2), "shardId-000000000004"));

    assertThat(items).allSatisfy(item -> assertThat(keys.parse(keys.partitionKey(item), keys.sortKey(item))).isEqualTo(item));
  }

  @Test
  void aKeyThatIsNoMetricItemsIsRefusedByName() {
    assertThatThrownBy(() -> keys.parse("CHECKPOINT", "pulso-sale-changes#shardId-0"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("CHECKPOINT");
    assertThatThrownBy(() -> keys.parse("P#1#D#2026-01-02", "S#x")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> keys.parse("P#1#D#2026-01-02", "C#x")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void productAttributesOfAClientDayItemNameTheirProductAndNothingElse() {
    assertThat(MetricKeys.productTransactionsAttribute("A#B-1")).isEqualTo("tx#A#B-1");
    assertThat(MetricKeys.productAmountAttribute("A#B-1")).isEqualTo("amount#A#B-1");
    assertThat(MetricKeys.productOfTransactionsAttribute("tx#A#B-1")).contains("A#B-1");
    assertThat(List.of("tx", "amount", "amount#A", "tx#", "p_shardId-000000000000", "ttl"))
        .allSatisfy(attribute -> assertThat(MetricKeys.productOfTransactionsAttribute(attribute)).isEmpty());
  }

  @Test
  void minuteItemsExpireTheRetentionAfterTheirMinute() {
    ProductMinute item = new ProductMinute(1, LocalDateTime.of(2026, 11, 29, 23, 59), "LAC-001");

    assertThat(keys.expiresAt(item, Duration.ofHours(48)))
        .isEqualTo(Instant.parse("2026-11-30T04:59:00Z").plus(Duration.ofHours(48)).getEpochSecond());
  }
}
