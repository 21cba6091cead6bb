package com.pulso.capture;

import static org.assertj.core.api.Assertions.assertThat;

import com.pulso.config.PulsoConfig;
import com.pulso.db.FreshDatabase;
import com.pulso.db.Migrations;
import com.pulso.sales.Lsn;
import com.pulso.sales.Sale;
import com.pulso.sales.SaleChange;
import com.pulso.sales.SourcePosition;
import com.pulso.testing.TestServices;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Peek → decode → assemble → map on the demo source's {@code ventas}, as the capture will run it. */
class SalesCaptureFromPostgresTest {

  @Test
  void insertCorrectionAndVoidInTheSourceComeOutAsSaleChangesInCommitOrder() throws Exception {
    PulsoConfig config = FreshDatabase.create(TestServices.config(), true);
    Migrations.migrate(config);
    PulsoConfig.Source s = config.source();
    try (Connection conn = FreshDatabase.connect(config); Statement st = conn.createStatement()) {
      st.execute("INSERT INTO pulso.providers (id, name) VALUES (1, 'Lácteos'), (2, 'Aseo')");
      st.execute("INSERT INTO pulso.products (code, provider_id, name) VALUES ('LAC-001', 1, 'Leche'),"
          + " ('ASE-010', 2, 'Jabón')");
      st.execute("CREATE PUBLICATION capture_test FOR TABLE " + s.salesTable());
      String slotName;
      try (TestSlot slot = TestSlot.create(conn, "capture_test")) {
        slotName = slot.name();
        conn.setAutoCommit(false);
        st.execute("INSERT INTO ventas (id, cliente_id, producto, fecha, monto) VALUES"
            + " (1, 45, 'LAC-001', '2026-11-29 23:59:59.5-05', 12500.00),"
            + " (2, 46, 'XXX-999', '2026-11-29 10:00:00-05', 1.00)");
        conn.commit();
        st.execute("UPDATE ventas SET cliente_id = 47, producto = 'ASE-010', fecha = '2026-11-30 08:00:00-05',"
            + " monto = 0.10 WHERE id = 1");
        conn.commit();
        st.execute("DELETE FROM ventas WHERE id = 1");
        conn.commit();
        conn.setAutoCommit(true);
        // The text pgoutput sends follows the reading session's time zone: an offset unlike the writer's.
        st.execute("SET TimeZone = 'Asia/Kolkata'");

        List<TransactionEvent> events = new ArrayList<>();
        ChangeAssembler assembler = new ChangeAssembler();
        slot.peekDecoded().forEach(m -> assembler.accept(m).ifPresent(events::add));
        SaleChangeMapper mapper = new SaleChangeMapper(s, config.businessZone(), productProviders(conn));
        List<SaleMapping> mappings = events.stream().filter(RowChange.class::isInstance).map(RowChange.class::cast)
            .filter(mapper::isSalesTable).map(mapper::map).toList();

        List<Lsn> commits = events.stream().filter(TransactionEvent.Committed.class::isInstance)
            .map(TransactionEvent::commitLsn).toList();
        assertThat(commits).hasSize(3).isSorted().doesNotHaveDuplicates();
        Instant insertCommit = events.get(0).commitTime();
        Instant correctionCommit = events.get(3).commitTime();
        Instant voidCommit = events.get(5).commitTime();
        Sale original = new Sale(1, 45, "LAC-001", 1, Instant.parse("2026-11-30T04:59:59.500Z"), new BigDecimal("12500.00"));
        Sale corrected = new Sale(1, 47, "ASE-010", 2, Instant.parse("2026-11-30T13:00:00Z"), new BigDecimal("0.10"));
        assertThat(mappings).hasSize(4);
        assertThat(mappings.get(0)).isEqualTo(new SaleMapping.Mapped(
            new SaleChange.Inserted(new SourcePosition(commits.get(0), 0), insertCommit, original)));
        assertThat(mappings.get(1)).isInstanceOf(SaleMapping.Rejected.class);
        DeadLetter unknown = ((SaleMapping.Rejected) mappings.get(1)).deadLetter();
        assertThat(unknown.position()).isEqualTo(new SourcePosition(commits.get(0), 1));
        assertThat(unknown.reason()).isEqualTo("unknown product 'XXX-999' (inserted row)");
        assertThat(unknown.row()).containsEntry("id", "2").containsEntry("fecha", "2026-11-29 20:30:00+05:30");
        assertThat(mappings.get(2)).isEqualTo(new SaleMapping.Mapped(new SaleChange.Corrected(
            new SourcePosition(commits.get(1), 0), correctionCommit, original, corrected)));
        assertThat(mappings.get(3)).isEqualTo(new SaleMapping.Mapped(
            new SaleChange.Voided(new SourcePosition(commits.get(2), 0), voidCommit, corrected)));
      }
      try (ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + slotName + "'")) {
        rs.next();
        assertThat(rs.getInt(1)).as("slot left behind").isZero();
      }
    }
  }

  @Test
  void aDateSaleColumnCountsAtTheStartOfItsDayAndACorrectionFindsItThere() throws Exception {
    PulsoConfig config = FreshDatabase.create(TestServices.config(), true);
    Migrations.migrate(config);
    try (Connection conn = FreshDatabase.connect(config); Statement st = conn.createStatement()) {
      st.execute("ALTER TABLE ventas ALTER COLUMN fecha TYPE date");
      st.execute("INSERT INTO pulso.providers (id, name) VALUES (1, 'Lácteos')");
      st.execute("INSERT INTO pulso.products (code, provider_id, name) VALUES ('LAC-001', 1, 'Leche')");
      st.execute("CREATE PUBLICATION capture_test FOR TABLE ventas");
      try (TestSlot slot = TestSlot.create(conn, "capture_test")) {
        st.execute("INSERT INTO ventas (id, cliente_id, producto, fecha, monto) VALUES (1, 45, 'LAC-001', '2026-11-28', 5)");
        st.execute("UPDATE ventas SET monto = 7 WHERE id = 1");

        ChangeAssembler assembler = new ChangeAssembler();
        List<RowChange> changes = slot.peekDecoded().stream().map(assembler::accept).flatMap(Optional::stream)
            .filter(RowChange.class::isInstance).map(RowChange.class::cast).toList();
        SaleChangeMapper mapper = new SaleChangeMapper(config.source(), config.businessZone(), productProviders(conn));
        assertThat(changes.get(0).newRow().get("fecha")).isEqualTo("2026-11-28");
        Sale inserted = ((SaleMapping.Mapped) mapper.map(changes.get(0))).change().current();
        SaleChange.Corrected corrected = (SaleChange.Corrected) ((SaleMapping.Mapped) mapper.map(changes.get(1))).change();

        ZonedDateTime local = inserted.time().atZone(config.businessZone());
        assertThat(local.toLocalDate()).isEqualTo(LocalDate.parse("2026-11-28"));
        assertThat(local.toLocalTime()).isEqualTo(LocalTime.MIDNIGHT);
        assertThat(corrected.before()).as("the correction subtracts the sale where its insert counted it")
            .isEqualTo(inserted);
        assertThat(corrected.after().time()).isEqualTo(inserted.time());
        assertThat(corrected.after().amount()).isEqualTo(new BigDecimal("7.00"));
      }
    }
  }

  private static Map<String, Integer> productProviders(Connection conn) throws SQLException {
    Map<String, Integer> providers = new HashMap<>();
    try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("SELECT code, provider_id FROM pulso.products")) {
      while (rs.next()) {
        providers.put(rs.getString(1), rs.getInt(2));
      }
    }
    return providers;
  }
}
