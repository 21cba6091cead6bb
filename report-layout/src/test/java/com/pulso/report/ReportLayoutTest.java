package com.pulso.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.LocalDate;
import org.junit.jupiter.api.Test;

class ReportLayoutTest {

  private static final LocalDate DAY = LocalDate.of(2026, 3, 7);

  @Test
  void aProvidersDayLivesInItsHivePartition() {
    assertThat(ReportLayout.dayPrefix(12, DAY)).isEqualTo("reports/provider=12/year=2026/month=03/day=07/");
    assertThat(ReportLayout.manifestKey(12, DAY)).isEqualTo("reports/provider=12/year=2026/month=03/day=07/_manifest.json");
    assertThat(ReportLayout.fileKey(12, DAY, "part-00000-run1.jsonl"))
        .isEqualTo("reports/provider=12/year=2026/month=03/day=07/part-00000-run1.jsonl");
    assertThat(ReportLayout.dayPrefix(12, DAY)).startsWith(ReportLayout.providerPrefix(12));
  }

  @Test
  void aKeyGivesBackItsProviderAndDay() {
    assertThat(ReportLayout.providerDayOf(ReportLayout.fileKey(12, DAY, "part-1.parquet")))
        .isEqualTo(new ReportLayout.ProviderDay(12, DAY));
    assertThatThrownBy(() -> ReportLayout.providerDayOf("reports/provider=12/year=2026/month=02/day=30/x"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ReportLayout.providerDayOf("dead-letters/x")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aRunsDataFilesCarryItsIdAndOnlyTheParquetFileIsVisibleToTableReaders() {
    assertThat(ReportLayout.dataFileName("jr_0a1b", ReportLayout.PARQUET)).isEqualTo("part-jr_0a1b.parquet");
    assertThat(ReportLayout.dataFileName("jr_0a1b", ReportLayout.JSON_LINES)).isEqualTo("_part-jr_0a1b.jsonl");
    assertThatThrownBy(() -> ReportLayout.dataFileName("../x", ReportLayout.PARQUET))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ReportLayout.dataFileName("run1", "csv")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void fileNamesCannotLeaveTheirDayOrPassForTheManifest() {
    for (String name : new String[] {"../provider=2/x.jsonl", "a/b.jsonl", "", ReportLayout.MANIFEST, null}) {
      assertThatThrownBy(() -> ReportLayout.fileKey(1, DAY, name)).isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> ReportLayout.dayPrefix(0, DAY)).isInstanceOf(IllegalArgumentException.class);
  }
}
