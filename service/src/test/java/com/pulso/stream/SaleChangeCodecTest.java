package com.pulso.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.pulso.sales.Lsn;
import com.pulso.sales.Sale;
import com.pulso.sales.SaleChange;
import com.pulso.sales.SourcePosition;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SaleChangeCodecTest {

  private static final Instant COMMIT = Instant.parse("2026-11-29T15:00:00.123456Z");

  @Test
  void everyChangeKindSurvivesARoundTripExactly() {
    Sale sale = new Sale(1, 45, "LAC-001", 1, Instant.parse("2026-11-29T14:59:59.000001Z"), new BigDecimal("0.10"));
    Sale moved = new Sale(1, 46, "QUE-002", 2, Instant.parse("2026-11-30T00:00:00Z"), new BigDecimal("12345678901.99"));
    List<SaleChange> changes = List.of(
        new SaleChange.Inserted(position("16/B374D848", 0), COMMIT, sale),
        new SaleChange.Corrected(position("16/B374D900", 3), COMMIT.plusNanos(1_000), sale, moved),
        new SaleChange.Voided(position("FFFFFFFF/FFFFFFFF", Long.MAX_VALUE), COMMIT.plusSeconds(1), moved));

    List<SaleChange> decoded = SaleChangeCodec.decode(SaleChangeCodec.encode(changes));

    assertThat(decoded).containsExactlyElementsOf(changes);
    assertThat(((SaleChange.Inserted) decoded.get(0)).sale().amount()).isEqualByComparingTo("0.10").hasToString("0.10");
    assertThat(((SaleChange.Corrected) decoded.get(1)).after().amount()).hasToString("12345678901.99");
  }

  @Test
  void amountsAreStringsWithTwoDecimalsAndTimesCarryMicroseconds() {
    Sale sale = new Sale(7, 9, "LAC-001", 3, Instant.parse("2026-11-29T14:59:59.500Z"), new BigDecimal("-5.00"));

    JsonObject record = new JsonObject(new String(
        SaleChangeCodec.encode(List.of(new SaleChange.Inserted(new SourcePosition(Lsn.parse("0/16B3748"), 7), COMMIT, sale))),
        StandardCharsets.UTF_8));

    JsonObject change = record.getJsonArray("changes").getJsonObject(0);
    assertThat(record.getValue("v")).isEqualTo(1);
    assertThat(change.getString("pos")).isEqualTo(new SourcePosition(Lsn.parse("0/16B3748"), 7).sortable());
    assertThat(change.getString("commit")).isEqualTo("2026-11-29T15:00:00.123456Z");
    assertThat(change.getString("op")).isEqualTo("insert");
    assertThat(change.getJsonObject("sale").getValue("amount")).isEqualTo("-5.00");
    assertThat(change.getJsonObject("sale").getString("time")).isEqualTo("2026-11-29T14:59:59.500000Z");
  }

  @Test
  void manyChangesPackedInOneRecordComeBackInOrder() {
    Random random = new Random(3);
    List<SaleChange> changes = new ArrayList<>();
    for (int i = 0; i < 5_000; i++) {
      Sale sale = new Sale(i, random.nextInt(1000), "P-" + random.nextInt(50), 1 + random.nextInt(3),
          COMMIT.minusMillis(random.nextInt(1_000_000)).plusNanos(random.nextInt(1000) * 1_000L),
          BigDecimal.valueOf(random.nextLong() % 10_000_000_000L, 2));
      changes.add(new SaleChange.Inserted(position("1/0", i), COMMIT.plusNanos(i * 1_000L), sale));
    }

    byte[] record = SaleChangeCodec.encode(changes);
    List<SaleChangeCodec.EncodedChange> encoded = changes.stream().map(SaleChangeCodec::encodeChange).toList();

    assertThat(SaleChangeCodec.decode(record)).containsExactlyElementsOf(changes);
    assertThat(record).hasSize((int) SaleChangeCodec.recordSize(encoded.size(),
        encoded.stream().mapToLong(SaleChangeCodec.EncodedChange::size).sum()));
  }

  @Test
  void aRecordOfTheDocumentedShapeDecodes() {
    String documented = """
        {"v":1,"changes":[
          {"pos":"00000016000000000000000000000000001","commit":"2026-11-29T15:00:00.123456Z","op":"insert",
           "sale":{"id":1,"client":45,"product":"LAC-001","provider":1,"time":"2026-11-29T14:59:59.5Z","amount":"12500.00"}},
          {"pos":"00000016000000000000000000000000002","commit":"2026-11-29T15:00:00.123456Z","op":"correct",
           "before":{"id":1,"client":45,"product":"LAC-001","provider":1,"time":"2026-11-29T14:59:59.5Z","amount":"12500.00"},
           "after":{"id":1,"client":46,"product":"LAC-001","provider":1,"time":"2026-11-29T14:59:59.5Z","amount":"12000.00"}},
          {"pos":"00000016000000000000000000000000003","commit":"2026-11-29T15:00:01Z","op":"void",
           "sale":{"id":1,"client":46,"product":"LAC-001","provider":1,"time":"2026-11-29T14:59:59.5Z","amount":"12000.00"}}]}
        """;
    Sale before = new Sale(1, 45, "LAC-001", 1, Instant.parse("2026-11-29T14:59:59.5Z"), new BigDecimal("12500.00"));
    Sale after = new Sale(1, 46, "LAC-001", 1, Instant.parse("2026-11-29T14:59:59.5Z"), new BigDecimal("12000.00"));

    List<SaleChange> decoded = SaleChangeCodec.decode(documented.getBytes(StandardCharsets.UTF_8));

    assertThat(decoded).containsExactly(
        new SaleChange.Inserted(new SourcePosition(Lsn.parse("16/0"), 1), COMMIT, before),
        new SaleChange.Corrected(new SourcePosition(Lsn.parse("16/0"), 2), COMMIT, before, after),
        new SaleChange.Voided(new SourcePosition(Lsn.parse("16/0"), 3), Instant.parse("2026-11-29T15:00:01Z"), after));
  }

  @Test
  void anUnknownVersionIsRejectedAsSuch() {
    assertThatThrownBy(() -> SaleChangeCodec.decode(utf8("{\"v\":2,\"changes\":[]}")))
        .isInstanceOfSatisfying(UnreadableRecordException.class, e -> assertThat(e.unknownVersion()).isTrue())
        .hasMessageContaining("version 2");
    assertThatThrownBy(() -> SaleChangeCodec.decode(utf8("{\"v\":\"1\",\"changes\":[]}")))
        .isInstanceOfSatisfying(UnreadableRecordException.class, e -> assertThat(e.unknownVersion()).isTrue());
  }

  @Test
  void malformedRecordsAreRejectedWithTheTypedException() {
    String sale = "{\"id\":1,\"client\":45,\"product\":\"L\",\"provider\":1,\"time\":\"2026-11-29T14:59:59Z\",\"amount\":\"%s\"}";
    String change = "{\"pos\":\"00000016000000000000000000000000001\",\"commit\":\"2026-11-29T15:00:00Z\",\"op\":\"insert\",\"sale\":"
        + sale + "}";
    // The unaltered record reads, so each case below fails for its one alteration.
    assertThat(SaleChangeCodec.decode(utf8("{\"v\":1,\"changes\":[" + change.formatted("1.00") + "]}"))).hasSize(1);
    List<String> malformed = List.of(
        "",
        "not json",
        "[1,2]",
        "{\"changes\":[]}",
        "{\"v\":1}",
        "{\"v\":1,\"changes\":[]}",
        "{\"v\":1,\"changes\":[42]}",
        "{\"v\":1,\"changes\":[" + change.formatted("12.5") + "]}", // one decimal
        "{\"v\":1,\"changes\":[" + change.formatted("abc") + "]}",
        "{\"v\":1,\"changes\":[" + change.formatted("1.00").replace("insert", "upsert") + "]}",
        "{\"v\":1,\"changes\":[" + change.formatted("1.00").replace("\"id\":1", "\"id\":1.5") + "]}",
        "{\"v\":1,\"changes\":[" + change.formatted("1.00").replace("2026-11-29T15:00:00Z", "yesterday") + "]}",
        "{\"v\":1,\"changes\":[" + change.formatted("1.00").replace("00000016000000000000000000000000001", "16/0#1") + "]}",
        "{\"v\":1,\"changes\":[" + change.formatted("1.00").replace("\"op\":\"insert\",\"sale\"", "\"op\":\"insert\",\"x\"") + "]}",
        "{\"v\":1,\"changes\":[" + change.formatted("1.00") + "]");
    for (String record : malformed) {
      assertThatThrownBy(() -> SaleChangeCodec.decode(utf8(record)), record)
          .isInstanceOfSatisfying(UnreadableRecordException.class, e -> assertThat(e.unknownVersion()).isFalse());
    }
  }

  @Test
  void theSameProviderAndClientShareAPartitionKeyWhateverTheChange() {
    Sale before = new Sale(1, 45, "LAC-001", 1, COMMIT, new BigDecimal("1.00"));
    Sale after = new Sale(1, 46, "QUE-001", 2, COMMIT, new BigDecimal("1.00"));

    assertThat(SaleChangeCodec.partitionKey(new SaleChange.Inserted(position("1/0", 0), COMMIT, before))).isEqualTo("1:45");
    assertThat(SaleChangeCodec.partitionKey(new SaleChange.Corrected(position("1/0", 1), COMMIT, before, after))).isEqualTo("2:46");
    assertThat(SaleChangeCodec.partitionKey(new SaleChange.Voided(position("1/0", 2), COMMIT, after))).isEqualTo("2:46");
  }

  @Test
  void subMicrosecondTimesAreRefusedRatherThanTruncated() {
    Sale sale = new Sale(1, 45, "LAC-001", 1, COMMIT.plusNanos(1), new BigDecimal("1.00"));

    assertThatThrownBy(() -> SaleChangeCodec.encode(List.of(new SaleChange.Inserted(position("1/0", 0), COMMIT, sale))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("microsecond");
  }

  private static SourcePosition position(String lsn, long index) {
    return new SourcePosition(Lsn.parse(lsn), index);
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
