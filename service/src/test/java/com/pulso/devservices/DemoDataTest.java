package com.pulso.devservices;

import static org.assertj.core.api.Assertions.assertThat;

import com.pulso.config.PulsoConfig;
import com.pulso.db.FreshDatabase;
import com.pulso.db.Migrations;
import com.pulso.testing.TestServices;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class DemoDataTest {

  private static PulsoConfig config;
  /**
   * The business day when seeding began and when it ended: the seed takes "today" from the
   * database's clock while it runs, so its day is one of these two (the same, unless midnight
   * passed in the business zone meanwhile).
   */
  private static LocalDate seedStartDay;
  private static LocalDate seedEndDay;

  @BeforeAll
  static void seedFreshDatabase() {
    config = FreshDatabase.create(TestServices.config(), true);
    Migrations.migrate(config);
    seedStartDay = LocalDate.now(config.businessZone());
    DemoData.seed(config);
    seedEndDay = LocalDate.now(config.businessZone());
  }

  @Test
  void seedCreatesThreeProvidersOwningEveryProduct() throws SQLException {
    assertThat(longOf("SELECT count(*) FROM pulso.providers")).isEqualTo(3);
    assertThat(longOf("SELECT count(*) FROM pulso.products WHERE provider_id NOT IN (SELECT id FROM pulso.providers)"))
        .isZero();
    assertThat(longsOf("SELECT count(*) FROM pulso.providers p JOIN pulso.products x ON x.provider_id = p.id GROUP BY p.id"))
        .hasSize(3).allSatisfy(count -> assertThat(count).isBetween(4L, 6L));
  }

  @Test
  void seedCreatesTheConfiguredClientsWithSpanishNames() throws SQLException {
    PulsoConfig.Source s = config.source();
    assertThat(longOf("SELECT count(*) FROM " + s.clientsTable())).isEqualTo(config.demo().clients());
    assertThat(longOf("SELECT count(*) FROM " + s.clientsTable() + " WHERE btrim(coalesce(" + s.clientFirstNameColumn()
        + ", '')) = '' OR btrim(coalesce(" + s.clientLastNameColumn() + ", '')) = ''")).isZero();
    try (Connection conn = FreshDatabase.connect(config); Statement st = conn.createStatement();
         ResultSet rs = st.executeQuery("SELECT " + s.clientFirstNameColumn() + ", " + s.clientLastNameColumn()
             + " FROM " + s.clientsTable() + " ORDER BY " + s.clientIdColumn() + " LIMIT 200")) {
      while (rs.next()) {
        assertThat(rs.getString(1)).isIn(DemoDataCatalog.FIRST_NAMES);
        assertThat(rs.getString(2).split(" ")).allSatisfy(last -> assertThat(last).isIn(DemoDataCatalog.LAST_NAMES));
      }
    }
    // A deterministic combination, but not a handful of names repeated.
    assertThat(longOf("SELECT count(DISTINCT (" + s.clientFirstNameColumn() + ", " + s.clientLastNameColumn() + "))"
        + " FROM " + s.clientsTable())).isGreaterThan(config.demo().clients() * 9L / 10);
  }

  @Test
  void historyHasSalesOnEveryConfiguredDayWithALunchPeak() throws SQLException {
    PulsoConfig.Source s = config.source();
    String zone = config.businessZone().getId();
    String localTime = "(" + s.saleTimeColumn() + " AT TIME ZONE '" + zone + "')";
    // The whole days of history, whichever of the two days the seed took as today: from
    // historyDays before its latest possible today up to the day before its earliest.
    int historyDays = config.demo().historyDays();
    LocalDate firstDay = seedEndDay.minusDays(historyDays);
    LocalDate lastDay = seedStartDay.minusDays(1);
    List<String> daysWithSales = new ArrayList<>();
    try (Connection conn = FreshDatabase.connect(config); Statement st = conn.createStatement();
         ResultSet rs = st.executeQuery("SELECT DISTINCT " + localTime + "::date::text FROM " + s.salesTable())) {
      while (rs.next()) {
        daysWithSales.add(rs.getString(1));
      }
    }
    assertThat(firstDay.datesUntil(lastDay.plusDays(1)).map(LocalDate::toString).toList())
        .hasSizeGreaterThanOrEqualTo(historyDays - 1)
        .allSatisfy(day -> assertThat(daysWithSales).contains(day));

    long lunch = longOf("SELECT count(*) FROM " + s.salesTable() + " WHERE extract(hour FROM " + localTime + ") IN (12, 13)");
    long night = longOf("SELECT count(*) FROM " + s.salesTable() + " WHERE extract(hour FROM " + localTime + ") IN (2, 3)");
    assertThat(lunch).isGreaterThan(night * 3);
    long wholeDays = firstDay.datesUntil(lastDay.plusDays(1)).count();
    long perDay = longOf("SELECT count(*) / " + wholeDays + " FROM " + s.salesTable()
        + " WHERE " + localTime + " >= '" + firstDay + "' AND " + localTime + " < '" + lastDay.plusDays(1) + "'");
    assertThat(perDay).isBetween(1_000L, 10_000L);
  }

  @Test
  void everySaleHasAPositiveTwoDecimalAmountAndKnownClientAndProduct() throws SQLException {
    PulsoConfig.Source s = config.source();
    assertThat(longOf("SELECT count(*) FROM " + s.salesTable() + " WHERE NOT (" + s.saleAmountColumn() + " > 0 AND scale("
        + s.saleAmountColumn() + ") = 2)")).isZero();
    assertThat(longOf("SELECT count(*) FROM " + s.salesTable() + " WHERE " + s.saleClientColumn()
        + " NOT IN (SELECT " + s.clientIdColumn() + " FROM " + s.clientsTable() + ")"
        + " OR " + s.saleProductColumn() + " NOT IN (SELECT code FROM pulso.products)")).isZero();
    assertThat(longOf("SELECT count(DISTINCT " + s.saleProductColumn() + ") FROM " + s.salesTable()))
        .isEqualTo(longOf("SELECT count(*) FROM pulso.products"));
  }

  @Test
  void seedingAgainChangesNothing() throws SQLException {
    List<Long> before = counts();

    DemoData.seed(config);

    assertThat(counts()).isEqualTo(before);
  }

  @Test
  void seedWritesToTheConfiguredSourceNames() throws SQLException {
    PulsoConfig.Source renamed = new PulsoConfig.Source("customers", "customer_no", "first_name", "Last_Name",
        "sales", "sale_no", "customer_no", "sku", "sold_at", "total");
    PulsoConfig other = FreshDatabase.create(TestServices.config(), true, renamed);
    Migrations.migrate(other);

    DemoData.seed(other);

    try (Connection conn = FreshDatabase.connect(other); Statement st = conn.createStatement();
         ResultSet rs = st.executeQuery("SELECT (SELECT count(*) FROM customers WHERE \"Last_Name\" <> ''),"
             + " (SELECT count(*) FROM sales WHERE total > 0 AND sku IS NOT NULL)")) {
      rs.next();
      assertThat(rs.getLong(1)).isEqualTo(other.demo().clients());
      assertThat(rs.getLong(2)).isPositive();
    }
  }

  private static List<Long> counts() throws SQLException {
    PulsoConfig.Source s = config.source();
    return List.of(longOf("SELECT count(*) FROM pulso.providers"), longOf("SELECT count(*) FROM pulso.products"),
        longOf("SELECT count(*) FROM " + s.clientsTable()), longOf("SELECT count(*) FROM " + s.salesTable()));
  }

  private static long longOf(String sql) throws SQLException {
    return longsOf(sql).get(0);
  }

  private static List<Long> longsOf(String sql) throws SQLException {
    List<Long> values = new ArrayList<>();
    try (Connection conn = FreshDatabase.connect(config); Statement st = conn.createStatement();
         ResultSet rs = st.executeQuery(sql)) {
      while (rs.next()) {
        values.add(rs.getLong(1));
      }
    }
    return values;
  }
}
