package com.pulso.glue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.pulso.glue.SalesTruth.ClientDay;
import com.pulso.glue.SalesTruth.Figures;
import com.pulso.report.ReportLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A day reported again: the new report replaces the old one whole, and a run that fails leaves the old one readable. */
class ReportRerunTest {

  private static final ZoneId ZONE = ZoneId.of("America/Bogota");
  private static final List<Integer> PROVIDERS = List.of(1, 2, 3, 4);

  @TempDir
  Path output;

  @Test
  void reRunningADayReplacesItsReport() throws Exception {
    LocalDate day = LocalDate.of(2026, 3, 20);
    insertSales(day, 3_000);
    run(day, "run-a");
    Map<ClientDay, Figures> before = truth(day);
    assertThat(figures(day)).isEqualTo(before);

    // The day changes in the source (voids, a correction, a late sale), and is reported again.
    TestSource.get().execute("DELETE FROM ventas WHERE id % 7 = 0 AND " + within(day) + ";"
        + "UPDATE ventas SET monto = monto + 1.11 WHERE id = (SELECT max(id) FROM ventas WHERE " + within(day) + ");"
        + "INSERT INTO ventas (cliente_id, producto, fecha, monto) VALUES (42, 'ASE-002', '" + day + " 12:00 America/Bogota', 99.99);");
    run(day, "run-b");

    Map<ClientDay, Figures> after = truth(day);
    assertThat(after).isNotEqualTo(before);
    assertThat(figures(day)).isEqualTo(after);
    for (int provider : PROVIDERS) {
      StoredReport report = StoredReport.read(output, provider, day);
      assertThat(report.runId()).isEqualTo("run-b");
      // run-a's files are gone: the directory holds the manifest and what it names.
      try (var files = Files.list(StoredReport.manifestPath(output, provider, day).getParent())) {
        assertThat(files.map(path -> path.getFileName().toString()).toList())
            .containsExactlyInAnyOrder(ReportLayout.MANIFEST, ReportLayout.dataFileName("run-b", ReportLayout.PARQUET),
                ReportLayout.dataFileName("run-b", ReportLayout.JSON_LINES));
      }
    }
  }

  @Test
  void aFailedRunLeavesThePreviousReportReadable() throws Exception {
    LocalDate day = LocalDate.of(2026, 3, 21);
    insertSales(day, 3_000);
    run(day, "run-1");
    Map<ClientDay, Figures> reported = figures(day);
    assertThat(reported).isEqualTo(truth(day));

    // The next run fails half-way through writing: provider 2's Parquet file cannot be created.
    TestSource.get().execute("DELETE FROM ventas WHERE id % 5 = 0 AND " + within(day));
    Path provider2 = StoredReport.manifestPath(output, 2, day).getParent();
    Files.createDirectories(provider2.resolve(ReportLayout.dataFileName("run-2", ReportLayout.PARQUET)));
    assertThatThrownBy(() -> run(day, "run-2")).isInstanceOf(java.io.IOException.class);

    // Every provider's report is still run-1's, whole: its manifest, and the files it names, byte for byte.
    for (int provider : PROVIDERS) {
      assertThat(StoredReport.read(output, provider, day).runId()).isEqualTo("run-1");
    }
    assertThat(figures(day)).isEqualTo(reported);
  }

  @Test
  void asOnGlueTheCredentialsComeFromTheSecretAndReportsGoToAnObjectStore() throws Exception {
    LocalDate day = LocalDate.of(2026, 3, 22);
    insertSales(day, 3_000);
    ObjectStoreFileSystem.serve("reports-bucket", output, TestSpark.session().sparkContext().hadoopConfiguration());
    String secretId = "arn:aws:secretsmanager:us-east-1:123456789012:secret:pulso/test/report-reader-AbCdEf";
    try (SecretsManagerStub secrets = new SecretsManagerStub()) {
      secrets.put(secretId, "{\"username\":\"" + TestSource.USER + "\",\"password\":\"s3cr3t-n0t-in-any-message\"}");
      secrets.put("not-json", "s3cr3t-n0t-in-any-message");
      Map<String, String> aws = Map.of("aws.region", "us-east-1", "aws.accessKeyId", "test", "aws.secretAccessKey", "test",
          "aws.endpointUrlSecretsManager", secrets.endpoint());
      aws.forEach(System::setProperty);
      try {
        runOnGlue(day, "jr_g1", secretId);
        assertThat(figures(day)).isEqualTo(truth(day));
        TestSource.get().execute("DELETE FROM ventas WHERE id % 3 = 0 AND " + within(day));
        runOnGlue(day, "jr_g2", secretId);
        assertThat(figures(day)).isEqualTo(truth(day));
        for (int provider : PROVIDERS) {
          try (var files = Files.list(StoredReport.manifestPath(output, provider, day).getParent())) {
            assertThat(files.map(path -> path.getFileName().toString()).toList())
                .containsExactlyInAnyOrder(ReportLayout.MANIFEST, ReportLayout.dataFileName("jr_g2", ReportLayout.PARQUET),
                    ReportLayout.dataFileName("jr_g2", ReportLayout.JSON_LINES));
          }
        }

        assertThatThrownBy(() -> runOnGlue(day, "jr_g3", "pulso/test/missing"))
            .hasMessageContaining("cannot read the source database's credentials from secret pulso/test/missing")
            .hasMessageContaining("can't find the specified secret");
        assertThatThrownBy(() -> runOnGlue(day, "jr_g4", "not-json"))
            .hasMessage("secret not-json is not JSON with string fields username and password");
        assertThat(StoredReport.read(output, 1, day).runId()).isEqualTo("jr_g2");
        assertThatThrownBy(() -> JobArguments.parse(new String[] {"--date", day.toString(), "--jdbc-url",
            TestSource.get().jdbcUrl(), "--jdbc-secret-id", secretId, "--jdbc-user", "someone", "--output", "/tmp/x"},
            Map.of(), Clock.systemUTC(), new ArrayList<>()))
            .hasMessageContaining("either in a secret (--jdbc-secret-id) or as --jdbc-user and --jdbc-password, not both");
      } finally {
        aws.keySet().forEach(System::clearProperty);
      }
    }
  }

  private void runOnGlue(LocalDate day, String runId, String secretId) throws Exception {
    JobArguments args = JobArguments.parse(new String[] {"--date", day.toString(), "--jdbc-url", TestSource.get().jdbcUrl(),
        "--jdbc-secret-id", secretId, "--output", ObjectStoreFileSystem.SCHEME + "://reports-bucket", "--run-id", runId},
        Map.of(), Clock.systemUTC(), new ArrayList<>());
    new DailyReportJob(TestSpark.session(), args, Clock.systemUTC()).run();
  }

  private void run(LocalDate day, String runId) throws Exception {
    TestSource source = TestSource.get();
    JobArguments args = JobArguments.parse(new String[] {"--date", day.toString(), "--jdbc-url", source.jdbcUrl(),
        "--jdbc-user", TestSource.USER, "--output", output.toString(), "--run-id", runId}, Map.of(), Clock.systemUTC(),
        new ArrayList<>());
    new DailyReportJob(TestSpark.session(), args, Clock.systemUTC()).run();
  }

  /** The day's sales, by their time in the business zone. */
  private static String within(LocalDate day) {
    return "fecha >= '" + day.atStartOfDay(ZONE).toInstant() + "' AND fecha < '" + day.plusDays(1).atStartOfDay(ZONE).toInstant()
        + "'";
  }

  /** {@code count} sales spread over the day, for the three providers' products. */
  private static void insertSales(LocalDate day, int count) {
    TestSource.get().execute("INSERT INTO ventas (cliente_id, producto, fecha, monto)"
        + " SELECT 1 + g % 300, (ARRAY['LAC-001', 'CAF-001', 'ASE-001'])[1 + g % 3],"
        + " timestamptz '" + day + " 00:00 America/Bogota' + (g * interval '86399 s') / " + count + ","
        + " round((1 + (g * 7919) % 100000 / 100.0)::numeric, 2)"
        + " FROM generate_series(1, " + count + ") g");
  }

  private static Map<ClientDay, Figures> truth(LocalDate day) throws Exception {
    Map<ClientDay, Figures> truth = new HashMap<>();
    SalesTruth.clientDays(TestSource.get(), ZONE, List.of(day)).forEach((key, figures) -> truth.put(key,
        new Figures(figures.transactions(), figures.amount().setScale(2), figures.firstName(), figures.lastName())));
    return truth;
  }

  /** The figures of the day's reports as a reader finds them. */
  private Map<ClientDay, Figures> figures(LocalDate day) throws Exception {
    Map<ClientDay, Figures> figures = new HashMap<>();
    for (int provider : PROVIDERS) {
      for (StoredReport.Line line : StoredReport.read(output, provider, day).lines()) {
        figures.put(new ClientDay(provider, line.clientId(), day),
            new Figures(line.transactions(), line.totalAmount(), line.firstName(), line.lastName()));
      }
    }
    return figures;
  }
}
