package com.pulso.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.pulso.capture.RowChange.Kind;
import com.pulso.capture.RowChange.Row;
import com.pulso.config.PulsoConfig;
import com.pulso.sales.Lsn;
import com.pulso.sales.Sale;
import com.pulso.sales.SaleChange;
import com.pulso.sales.SourcePosition;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Mapping logic only (rows as pgoutput's text values): no boundary crossed, so no database here. */
class SaleChangeMapperTest {

  private static final PulsoConfig.Source SOURCE = new PulsoConfig.Source("clientes", "id", "nombre", "apellido",
      "ventas", "id", "cliente_id", "producto", "fecha", "monto");
  private static final ZoneId BOGOTA = ZoneId.of("America/Bogota");
  private static final Lsn LSN = Lsn.parse("16/B374D848");
  private static final Instant COMMIT = Instant.parse("2026-11-29T20:00:00.250Z");
  private static final Map<String, Integer> PROVIDERS = Map.of("LAC-001", 1, "LAC-002", 1, "ASE-010", 2);

  private final SaleChangeMapper mapper = new SaleChangeMapper(SOURCE, BOGOTA, PROVIDERS);

  @Test
  void insertIsANewSaleOfItsProductsProvider() {
    SaleMapping mapping = mapper.map(insert(row(7, "45", "ASE-010", "2026-11-29 14:59:59.123456-05", "12500.00")));

    assertThat(mapping).isEqualTo(new SaleMapping.Mapped(new SaleChange.Inserted(new SourcePosition(LSN, 3), COMMIT,
        new Sale(7, 45, "ASE-010", 2, Instant.parse("2026-11-29T19:59:59.123456Z"), new BigDecimal("12500.00")))));
  }

  @Test
  void correctionCarriesTheSaleBeforeAndAfter() {
    Row before = row(7, "45", "LAC-001", "2026-11-29 10:00:00-05", "10.00");
    Row after = row(7, "45", "LAC-001", "2026-11-29 10:00:00-05", "12.00");

    SaleMapping mapping = mapper.map(update(before, after));

    assertThat(mapping).isEqualTo(new SaleMapping.Mapped(new SaleChange.Corrected(new SourcePosition(LSN, 3), COMMIT,
        sale(7, 45, "LAC-001", 1, "2026-11-29T15:00:00Z", "10.00"),
        sale(7, 45, "LAC-001", 1, "2026-11-29T15:00:00Z", "12.00"))));
  }

  @Test
  void correctionMayMoveTheSaleToAnotherClientProductProviderAndDay() {
    Row before = row(7, "45", "LAC-001", "2026-11-29 23:59:59.999999-05", "10.00");
    Row after = row(7, "46", "ASE-010", "2026-11-30 00:00:00-05", "99.99");

    SaleChange change = mapped(mapper.map(update(before, after)));

    assertThat(change).isEqualTo(new SaleChange.Corrected(new SourcePosition(LSN, 3), COMMIT,
        sale(7, 45, "LAC-001", 1, "2026-11-30T04:59:59.999999Z", "10.00"),
        sale(7, 46, "ASE-010", 2, "2026-11-30T05:00:00Z", "99.99")));
    assertThat(change.current().providerId()).isEqualTo(2);
  }

  @Test
  void deleteVoidsTheSale() {
    SaleMapping mapping = mapper.map(delete(row(7, "45", "LAC-002", "2026-11-29 10:00:00-05", "3.50")));

    assertThat(mapping).isEqualTo(new SaleMapping.Mapped(new SaleChange.Voided(new SourcePosition(LSN, 3), COMMIT,
        sale(7, 45, "LAC-002", 1, "2026-11-29T15:00:00Z", "3.50"))));
  }

  @Test
  void saleTimeIsTheSameInstantWhateverOffsetPostgresPrints() {
    assertThat(time("2026-11-29 23:59:59.999999-05")).isEqualTo("2026-11-30T04:59:59.999999Z");
    assertThat(time("2026-11-30 04:59:59.999999+00")).isEqualTo("2026-11-30T04:59:59.999999Z");
    assertThat(time("2026-11-30 10:29:59.5+05:30")).isEqualTo("2026-11-30T04:59:59.500Z");
    assertThat(time("1890-01-01 00:00:00-04:56:16")).isEqualTo("1890-01-01T04:56:16Z"); // Bogotá's LMT
    assertThat(time("2026-11-29T14:59:59Z".replace("T", " ").replace("Z", "+00"))).isEqualTo("2026-11-29T14:59:59Z");
  }

  @Test
  void timestampWithoutZoneIsReadInTheBusinessZone() {
    assertThat(time("2026-11-29 23:30:00")).isEqualTo("2026-11-30T04:30:00Z");
  }

  @Test
  void aDateColumnCountsAtTheStartOfItsDayInTheBusinessZoneWhateverTheCommitTime() {
    // Committed at 23:30 in Bogotá (04:30 UTC the next day): the sale stays on its own day.
    assertThat(time("2026-11-29", Instant.parse("2026-11-30T04:30:00Z"))).isEqualTo("2026-11-29T05:00:00Z");
    // Recorded the next morning for the day before; corrected later still: always the same minute.
    assertThat(time("2026-11-28", Instant.parse("2026-11-29T15:00:00Z"))).isEqualTo("2026-11-28T05:00:00Z");
    assertThat(time("2026-11-28", Instant.parse("2026-11-30T09:12:00Z"))).isEqualTo("2026-11-28T05:00:00Z");
  }

  @Test
  void amountsAreExactWithTwoDecimals() {
    assertThat(amount("12500.00")).isEqualTo(new BigDecimal("12500.00"));
    assertThat(amount("5")).isEqualTo(new BigDecimal("5.00"));
    assertThat(amount("0.1")).isEqualTo(new BigDecimal("0.10"));
    assertThat(amount("12.500")).isEqualTo(new BigDecimal("12.50"));
    assertThat(amount("999999999999.99")).isEqualTo(new BigDecimal("999999999999.99"));
    assertThat(amount("0.00")).isEqualTo(new BigDecimal("0.00"));
  }

  @Test
  void rowsThatCannotBeCountedAreDeadLetteredWithTheReason() {
    assertThat(reason(row(7, "45", "XXX-999", "2026-11-29 10:00:00-05", "1.00"))).startsWith("unknown product 'XXX-999'");
    assertThat(reason(row(7, "45", null, "2026-11-29 10:00:00-05", "1.00"))).startsWith("unknown product (null)");
    assertThat(reason(row(7, null, "LAC-001", "2026-11-29 10:00:00-05", "1.00"))).startsWith("null client");
    assertThat(reason(row(7, "4x5", "LAC-001", "2026-11-29 10:00:00-05", "1.00"))).startsWith("malformed client '4x5'");
    assertThat(reason(row(7, "45", "LAC-001", "2026-11-29 10:00:00-05", null))).startsWith("null amount");
    assertThat(reason(row(7, "45", "LAC-001", "2026-11-29 10:00:00-05", "-1.00"))).startsWith("negative amount -1.00");
    assertThat(reason(row(7, "45", "LAC-001", "2026-11-29 10:00:00-05", "NaN"))).startsWith("malformed amount 'NaN'");
    assertThat(reason(row(7, "45", "LAC-001", "2026-11-29 10:00:00-05", "Infinity"))).startsWith("malformed amount");
    assertThat(reason(row(7, "45", "LAC-001", "2026-11-29 10:00:00-05", "0.005")))
        .startsWith("malformed amount 0.005: more than two decimals");
    assertThat(reason(row(7, "45", "LAC-001", "infinity", "1.00"))).startsWith("malformed sale time 'infinity'");
    assertThat(reason(row(7, "45", "LAC-001", "0044-03-15 12:00:00+00 BC", "1.00"))).startsWith("malformed sale time");
    assertThat(reason(row(7, "45", "LAC-001", "2026-02-30 10:00:00-05", "1.00"))).startsWith("malformed sale time");
    assertThat(reason(row(7, "45", "LAC-001", null, "1.00"))).startsWith("null sale time");
  }

  @Test
  void deadLetterKeepsThePositionAndTheWholeRow() {
    Row row = row(7, "45", "XXX-999", "2026-11-29 10:00:00-05", "1.00");

    DeadLetter letter = rejected(mapper.map(insert(row)));

    assertThat(letter.position()).isEqualTo(new SourcePosition(LSN, 3));
    assertThat(letter.reason()).isEqualTo("unknown product 'XXX-999' (inserted row)");
    assertThat(letter.row()).containsExactly(Map.entry("id", "7"), Map.entry("cliente_id", "45"),
        Map.entry("producto", "XXX-999"), Map.entry("fecha", "2026-11-29 10:00:00-05"), Map.entry("monto", "1.00"));
  }

  @Test
  void correctionFromAnUncountedRowToAValidOneIsANewSale() {
    Row before = row(7, "45", "XXX-999", "2026-11-29 10:00:00-05", "10.00");
    Row after = row(7, "45", "LAC-001", "2026-11-29 10:00:00-05", "10.00");

    assertThat(mapped(mapper.map(update(before, after)))).isEqualTo(new SaleChange.Inserted(new SourcePosition(LSN, 3),
        COMMIT, sale(7, 45, "LAC-001", 1, "2026-11-29T15:00:00Z", "10.00")));
  }

  @Test
  void correctionFromAValidRowToAnUncountableOneVoidsTheSaleAndDeadLettersTheNewRow() {
    Row before = row(7, "45", "LAC-001", "2026-11-29 10:00:00-05", "10.00");
    Row after = row(7, null, "LAC-001", "2026-11-29 10:00:00-05", "10.00");

    SaleMapping mapping = mapper.map(update(before, after));

    assertThat(mapping).isInstanceOf(SaleMapping.VoidedAndRejected.class);
    SaleMapping.VoidedAndRejected voided = (SaleMapping.VoidedAndRejected) mapping;
    assertThat(voided.change()).isEqualTo(new SaleChange.Voided(new SourcePosition(LSN, 3), COMMIT,
        sale(7, 45, "LAC-001", 1, "2026-11-29T15:00:00Z", "10.00")));
    assertThat(voided.deadLetter().reason()).isEqualTo("null client (corrected row)");
    assertThat(voided.deadLetter().row()).containsEntry("cliente_id", null);
  }

  @Test
  void correctionBetweenTwoUncountableRowsIsDeadLettered() {
    Row before = row(7, "45", "XXX-999", "2026-11-29 10:00:00-05", "10.00");
    Row after = row(7, "45", "XXX-998", "2026-11-29 10:00:00-05", "10.00");

    assertThat(rejected(mapper.map(update(before, after))).reason())
        .isEqualTo("unknown product 'XXX-998' (corrected row)");
  }

  @Test
  void voidOfARowThatNeverCountedIsDeadLettered() {
    Row row = row(7, "45", "LAC-001", "2026-11-29 10:00:00-05", "-4.00");

    assertThat(rejected(mapper.map(delete(row))).reason()).isEqualTo("negative amount -4.00 (voided row)");
  }

  @Test
  void unchangedToastValueIsTakenFromTheOldRow() {
    Row before = row(7, "45", "LAC-001", "2026-11-29 10:00:00-05", "10.00");
    Row after = withUnchangedToast(row(7, "45", "LAC-001", "2026-11-29 10:00:00-05", "11.00"), "producto");

    assertThat(mapped(mapper.map(update(before, after)))).isEqualTo(new SaleChange.Corrected(
        new SourcePosition(LSN, 3), COMMIT, sale(7, 45, "LAC-001", 1, "2026-11-29T15:00:00Z", "10.00"),
        sale(7, 45, "LAC-001", 1, "2026-11-29T15:00:00Z", "11.00")));
  }

  @Test
  void valuesPostgresDidNotSendMakeTheWholeChangeADeadLetter() {
    Row valid = row(7, "45", "LAC-001", "2026-11-29 10:00:00-05", "10.00");
    Row toasted = withUnchangedToast(row(7, "45", "LAC-001", "2026-11-29 10:00:00-05", "11.00"), "producto");
    Row keyOnly = new Row(Map.of("id", "7"), Set.of());

    assertThat(rejected(mapper.map(update(null, toasted))).reason())
        .isEqualTo("old row not sent: the sales table must have REPLICA IDENTITY FULL (row before the correction)");
    Map<String, String> withoutAmount = new LinkedHashMap<>(valid.values());
    withoutAmount.remove("monto");
    assertThat(rejected(mapper.map(update(valid, new Row(withoutAmount, Set.of())))).reason())
        .isEqualTo("column monto not sent (is it in the sales table, with REPLICA IDENTITY FULL?) (corrected row)");
    assertThat(rejected(mapper.map(update(keyOnly, valid))).reason()).startsWith("column cliente_id not sent");
    assertThat(rejected(mapper.map(delete(keyOnly))).reason()).startsWith("column cliente_id not sent");
    assertThat(rejected(mapper.map(insert(toasted))).reason())
        .isEqualTo("unchanged-TOAST value of column producto and no old value to take it from (inserted row)");
  }

  @Test
  void changeOfAnotherTableIsRefused() {
    RowChange other = new RowChange(1, LSN, COMMIT, 0, "public", "clientes", Kind.INSERT, null,
        new Row(Map.of("id", "1"), Set.of()));

    assertThat(mapper.isSalesTable(other)).isFalse();
    assertThatThrownBy(() -> mapper.map(other)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("public.clientes");
  }

  // --- helpers -----------------------------------------------------------------------------------

  private static Row row(long id, String client, String product, String time, String amount) {
    Map<String, String> values = new LinkedHashMap<>();
    values.put("id", Long.toString(id));
    values.put("cliente_id", client);
    values.put("producto", product);
    values.put("fecha", time);
    values.put("monto", amount);
    return new Row(values, Set.of());
  }

  private static Row withUnchangedToast(Row row, String column) {
    Map<String, String> values = new HashMap<>(row.values());
    values.remove(column);
    Set<String> toast = new HashSet<>(row.unchangedToast());
    toast.add(column);
    return new Row(values, toast);
  }

  private static RowChange insert(Row row) {
    return new RowChange(900, LSN, COMMIT, 3, "public", "ventas", Kind.INSERT, null, row);
  }

  private static RowChange update(Row before, Row after) {
    return new RowChange(900, LSN, COMMIT, 3, "public", "ventas", Kind.UPDATE, before, after);
  }

  private static RowChange delete(Row row) {
    return new RowChange(900, LSN, COMMIT, 3, "public", "ventas", Kind.DELETE, row, null);
  }

  private static Sale sale(long id, long client, String product, int provider, String time, String amount) {
    return new Sale(id, client, product, provider, Instant.parse(time), new BigDecimal(amount));
  }

  private String time(String text) {
    return time(text, COMMIT);
  }

  private String time(String text, Instant commit) {
    RowChange change = new RowChange(900, LSN, commit, 3, "public", "ventas", Kind.INSERT, null,
        row(7, "45", "LAC-001", text, "1.00"));
    return mapped(mapper.map(change)).current().time().toString();
  }

  private BigDecimal amount(String text) {
    return mapped(mapper.map(insert(row(7, "45", "LAC-001", "2026-11-29 10:00:00-05", text)))).current().amount();
  }

  private String reason(Row row) {
    return rejected(mapper.map(insert(row))).reason();
  }

  private static SaleChange mapped(SaleMapping mapping) {
    assertThat(mapping).isInstanceOf(SaleMapping.Mapped.class);
    return ((SaleMapping.Mapped) mapping).change();
  }

  private static DeadLetter rejected(SaleMapping mapping) {
    assertThat(mapping).isInstanceOf(SaleMapping.Rejected.class);
    return ((SaleMapping.Rejected) mapping).deadLetter();
  }
}
