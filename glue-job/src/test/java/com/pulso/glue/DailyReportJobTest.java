package com.pulso.glue;

import static org.assertj.core.api.Assertions.assertThat;

import com.pulso.glue.SalesTruth.ClientDay;
import com.pulso.glue.SalesTruth.Figures;
import com.pulso.report.ReportLayout;
import com.pulso.report.ReportLayout.Manifest;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job over two business days of 200,000 sales across three providers, many of them within a
 * second of a midnight in the business zone, with corrections and voids already applied in the
 * source, and rows the real-time pipeline does not count either. One run, checked against SQL.
 */
class DailyReportJobTest {

  private static final ZoneId ZONE = ZoneId.of("America/Bogota");
  private static final LocalDate FIRST = LocalDate.of(2026, 3, 7);
  private static final LocalDate SECOND = FIRST.plusDays(1);
  private static final List<LocalDate> DAYS = List.of(FIRST, SECOND);
  private static final List<Integer> PROVIDERS = List.of(1, 2, 3, 4);
  private static final String RUN_ID = "jr_test0001";

  @TempDir
  static Path output;
  private static Map<ClientDay, Figures> truth;
  private static Map<Integer, Map<LocalDate, StoredReport>> reports;

  @BeforeAll
  static void runTheJobOverTwoDays() throws Exception {
    TestSource source = TestSource.get();
    source.execute("""
        SELECT setseed(0.42);
        INSERT INTO ventas (cliente_id, producto, fecha, monto)
        SELECT CASE WHEN g % 997 = 0 THEN NULL ELSE 1 + floor(random() * 610)::int END,
               CASE WHEN g % 991 = 0 THEN 'ZZZ-999' WHEN g % 983 = 0 THEN NULL
                    ELSE (ARRAY['LAC-001', 'LAC-002', 'CAF-001', 'CAF-002', 'ASE-001', 'ASE-002'])[1 + floor(random() * 6)::int]
               END,
               CASE WHEN g % 977 = 0 THEN NULL
                    WHEN g % 971 = 0 THEN 'infinity'::timestamptz
                    -- within a second of each midnight in the business zone: before the first day, between, after
                    WHEN g % 10 = 0 THEN timestamptz '2026-03-07 00:00:00 America/Bogota' + (random() - 0.5) * interval '2 s'
                    WHEN g % 10 = 1 THEN timestamptz '2026-03-08 00:00:00 America/Bogota' + (random() - 0.5) * interval '2 s'
                    WHEN g % 10 = 2 THEN timestamptz '2026-03-09 00:00:00 America/Bogota' + (random() - 0.5) * interval '2 s'
                    ELSE timestamptz '2026-03-07 00:00:00 America/Bogota' + random() * interval '48 hours'
               END,
               CASE WHEN g % 967 = 0 THEN NULL WHEN g % 953 = 0 THEN -5.00 WHEN g % 947 = 0 THEN 1.005
                    WHEN g % 941 = 0 THEN 'NaN' WHEN g % 937 = 0 THEN 'Infinity' ELSE round((1 + random() * 250000)::numeric, 2)
               END
        FROM generate_series(1, 200000) g;
        -- Corrections and voids, as the source holds them by the night's run.
        UPDATE ventas SET monto = monto + 0.01 WHERE id % 97 = 0;
        UPDATE ventas SET producto = 'CAF-001' WHERE id % 89 = 0;
        UPDATE ventas SET cliente_id = cliente_id + 1 WHERE id % 79 = 0;
        UPDATE ventas SET fecha = fecha + interval '1 day' WHERE id % 83 = 0;
        DELETE FROM ventas WHERE id % 101 = 0;
        -- Clients 701..703 have one sale each, on a business day UTC would put elsewhere; 704 none on these days.
        INSERT INTO ventas (cliente_id, producto, fecha, monto) VALUES
          (701, 'LAC-001', '2026-03-07 23:59:59 America/Bogota', 10.00),
          (702, 'LAC-001', '2026-03-08 00:00:00 America/Bogota', 20.00),
          (703, 'CAF-001', '2026-03-07 19:30:00 America/Bogota', 30.00),
          (704, 'ASE-001', '2026-03-06 23:59:59.999999 America/Bogota', 40.00),
          (704, 'ASE-001', '2026-03-09 00:00:00 America/Bogota', 50.00);
        ANALYZE ventas;
        """);
    truth = SalesTruth.clientDays(source, ZONE, DAYS);

    JobArguments args = JobArguments.parse(new String[] {"--from", FIRST.toString(), "--to", SECOND.toString(),
        "--jdbc-url", source.jdbcUrl(), "--jdbc-user", TestSource.USER, "--output", output.toString(),
        "--partitions", "3", "--run-id", RUN_ID}, Map.of(), Clock.systemUTC(), new ArrayList<>());
    new DailyReportJob(TestSpark.session(), args, Clock.systemUTC()).run();

    reports = new HashMap<>();
    for (int provider : PROVIDERS) {
      for (LocalDate day : DAYS) {
        reports.computeIfAbsent(provider, p -> new HashMap<>()).put(day, StoredReport.read(output, provider, day));
      }
    }
  }

  @Test
  void everyReportRowEqualsTheSqlGroundTruthToTheCent() {
    Map<ClientDay, Figures> reported = new HashMap<>();
    for (int provider : PROVIDERS) {
      for (LocalDate day : DAYS) {
        for (StoredReport.Line line : reports.get(provider).get(day).lines()) {
          assertThat(line.providerId()).isEqualTo(provider);
          assertThat(line.day()).isEqualTo(day);
          Figures previous = reported.put(new ClientDay(provider, line.clientId(), day),
              new Figures(line.transactions(), line.totalAmount(), line.firstName(), line.lastName()));
          assertThat(previous).as("client %d twice in provider %d's %s", line.clientId(), provider, day).isNull();
        }
      }
    }
    Map<ClientDay, Figures> expected = new HashMap<>();
    truth.forEach((key, figures) -> expected.put(key, new Figures(figures.transactions(), figures.amount().setScale(2),
        figures.firstName(), figures.lastName())));
    assertThat(expected).hasSizeGreaterThan(2_000);
    assertThat(reported).containsExactlyInAnyOrderEntriesOf(expected);
    // A provider without sales still has its report, with no rows: "no sales" is not "no report".
    for (LocalDate day : DAYS) {
      assertThat(reports.get(4).get(day).rows()).isZero();
      assertThat(reports.get(4).get(day).totalAmount()).isEqualTo("0.00");
    }
  }

  @Test
  void aSaleBelongsToTheBusinessDayOfItsLocalTimeNotToUtcs() {
    assertThat(clientsOf(1, FIRST)).containsEntry(701L, new BigDecimal("10.00")).doesNotContainKey(702L);
    assertThat(clientsOf(1, SECOND)).containsEntry(702L, new BigDecimal("20.00")).doesNotContainKey(701L);
    assertThat(clientsOf(2, FIRST)).containsEntry(703L, new BigDecimal("30.00"));
    assertThat(clientsOf(2, SECOND)).doesNotContainKey(703L);
    for (LocalDate day : DAYS) {
      assertThat(clientsOf(3, day)).doesNotContainKey(704L);
    }
  }

  @Test
  void parquetAndJsonLinesGiveTheSameFigures() {
    for (int provider : PROVIDERS) {
      for (LocalDate day : DAYS) {
        StoredReport report = reports.get(provider).get(day);
        assertThat(report.parquetLines(TestSpark.session())).as("provider %d's %s", provider, day)
            .containsExactlyInAnyOrderElementsOf(report.lines());
      }
    }
  }

  @Test
  void manifestTotalsMatchTheirRowsAndFiles() throws Exception {
    for (LocalDate day : DAYS) {
      long highestSaleId = highestSaleIdOf(day);
      for (int provider : PROVIDERS) {
        StoredReport report = reports.get(provider).get(day);
        assertThat(report.rows()).isEqualTo(report.lines().size());
        assertThat(report.transactions()).isEqualTo(report.lines().stream().mapToLong(StoredReport.Line::transactions).sum());
        assertThat(report.totalAmount()).isEqualTo(report.lines().stream().map(StoredReport.Line::totalAmount)
            .reduce(new BigDecimal("0.00"), BigDecimal::add).toPlainString());
        assertThat(report.runId()).isEqualTo(RUN_ID);
        assertThat(report.fileNames()).containsExactlyInAnyOrder(
            ReportLayout.dataFileName(RUN_ID, ReportLayout.PARQUET), ReportLayout.dataFileName(RUN_ID, ReportLayout.JSON_LINES));
        assertThat(Instant.parse(report.manifest().get(Manifest.CREATED_AT).asText())).isBeforeOrEqualTo(Instant.now());
        assertThat(report.manifest().get(Manifest.SOURCE_HIGH_WATER_MARK).get(Manifest.SOURCE_MAX_SALE_ID).asLong())
            .isEqualTo(highestSaleId);
        // Nothing else in the directory: no checksum files, no leftovers.
        try (var files = Files.list(StoredReport.manifestPath(output, provider, day).getParent())) {
          assertThat(files.map(path -> path.getFileName().toString()).toList())
              .containsExactlyInAnyOrder(ReportLayout.MANIFEST, report.fileNames().get(0), report.fileNames().get(1));
        }
      }
    }
  }

  private static Map<Long, BigDecimal> clientsOf(int provider, LocalDate day) {
    Map<Long, BigDecimal> clients = new HashMap<>();
    reports.get(provider).get(day).lines().forEach(line -> clients.put(line.clientId(), line.totalAmount()));
    return clients;
  }

  private static long highestSaleIdOf(LocalDate day) throws Exception {
    try (Connection c = TestSource.get().connect(); Statement st = c.createStatement();
         ResultSet rs = st.executeQuery("SELECT max(id) FROM ventas WHERE fecha >= '" + day.atStartOfDay(ZONE).toInstant()
             + "' AND fecha < '" + day.plusDays(1).atStartOfDay(ZONE).toInstant() + "'")) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
