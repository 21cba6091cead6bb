package com.pulso.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.pulso.config.PulsoConfig;
import com.pulso.db.Postgres;
import com.pulso.testing.SalesGroundTruth.ClientDay;
import com.pulso.testing.SalesGroundTruth.ClientProductDay;
import com.pulso.testing.SalesGroundTruth.Figures;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Every figure endpoint of the provider API, asked over HTTP and held to the SQL ground truth of
 * the source tables ({@link SalesGroundTruth}, computed independently of the pipeline and the API):
 * daily sales of a day and of a range, one client's days, the summary overall and per product, the
 * top clients, and today's total and minutes. Call once the figures are settled.
 */
public final class ApiGroundTruth {

  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private final PulsoConfig config;
  private final String base;
  private final String adminKey;

  public ApiGroundTruth(PulsoConfig config, String base, String adminKey) {
    this.config = config;
    this.base = base;
    this.adminKey = adminKey;
  }

  /** Checks each endpoint of every provider over {@code days} (consecutive, the last one today). */
  public void assertServed(List<Integer> providers, List<LocalDate> days) throws Exception {
    Map<ClientDay, Figures> clientDays = SalesGroundTruth.clientDays(config);
    Map<ClientProductDay, Figures> clientProductDays = SalesGroundTruth.clientProductDays(config);
    String from = days.get(0).toString();
    String to = days.get(days.size() - 1).toString();
    for (int provider : providers) {
      String path = "/v1/providers/" + provider;
      Map<Long, Figures> range = new HashMap<>();
      for (LocalDate day : days) {
        Map<Long, Figures> expected = new TreeMap<>();
        clientDays.forEach((key, figures) -> {
          if (key.providerId() == provider && key.day().equals(day)) {
            expected.put(key.clientId(), figures);
            range.merge(key.clientId(), figures, ApiGroundTruth::plus);
          }
        });
        JsonObject daily = get(path + "/daily-sales?date=" + day + "&limit=1000");
        Map<Long, Figures> served = new TreeMap<>();
        daily.getJsonArray("clients").forEach(c -> {
          JsonObject client = (JsonObject) c;
          served.put(client.getLong("clientId"), figures(client));
          assertThat(client.getString("lastName")).as("client %s's name", client.getLong("clientId"))
              .isEqualTo("Apellido" + client.getLong("clientId"));
        });
        assertThat(served).as("provider %s's daily sales of %s", provider, day).isEqualTo(expected);
        assertThat(daily.getString("nextCursor")).isNull();
      }

      JsonObject rangeDays = get(path + "/daily-sales?from=" + from + "&to=" + to);
      for (int i = 0; i < days.size(); i++) {
        LocalDate day = days.get(i);
        Figures total = clientDays.entrySet().stream()
            .filter(e -> e.getKey().providerId() == provider && e.getKey().day().equals(day))
            .map(Map.Entry::getValue).reduce(zero(), ApiGroundTruth::plus);
        JsonObject served = rangeDays.getJsonArray("days").getJsonObject(i);
        assertThat(served.getString("date")).isEqualTo(day.toString());
        assertThat(figures(served)).as("provider %s's total of %s", provider, day).isEqualTo(total);
      }

      assertSummary(path, from, to, clientProductDays.entrySet().stream()
          .filter(e -> e.getKey().providerId() == provider && !e.getKey().day().isBefore(days.get(0))
              && !e.getKey().day().isAfter(days.get(days.size() - 1)))
          .toList());

      List<Map.Entry<Long, Figures>> top = range.entrySet().stream()
          .sorted(Comparator.<Map.Entry<Long, Figures>, BigDecimal>comparing(e -> e.getValue().amount()).reversed()
              .thenComparing(Comparator.<Map.Entry<Long, Figures>>comparingLong(e -> e.getValue().transactions())
                  .reversed())
              .thenComparing(Map.Entry::getKey))
          .limit(10).toList();
      JsonArray servedTop = get(path + "/top-clients?from=" + from + "&to=" + to + "&limit=10").getJsonArray("clients");
      assertThat(servedTop).hasSize(top.size());
      for (int i = 0; i < top.size(); i++) {
        assertThat(servedTop.getJsonObject(i).getLong("clientId")).isEqualTo(top.get(i).getKey());
        assertThat(figures(servedTop.getJsonObject(i))).isEqualTo(top.get(i).getValue());
      }

      long client = top.get(0).getKey();
      JsonArray clientDaysServed = get(path + "/clients/" + client + "/daily-sales?from=" + from + "&to=" + to)
          .getJsonArray("days");
      for (int i = 0; i < days.size(); i++) {
        Figures expected = clientDays.getOrDefault(new ClientDay(provider, client, days.get(i)), zero());
        assertThat(figures(clientDaysServed.getJsonObject(i))).as("client %s on %s", client, days.get(i))
            .isEqualTo(expected);
      }

      assertRealtime(path, provider, clientDays, days.get(days.size() - 1));
    }
  }

  private void assertSummary(String path, String from, String to, List<Map.Entry<ClientProductDay, Figures>> truth)
      throws Exception {
    JsonObject summary = get(path + "/summary?from=" + from + "&to=" + to);
    Map<String, Figures> perProduct = new TreeMap<>();
    Map<String, Set<Long>> clientsPerProduct = new HashMap<>();
    Set<Long> clients = new HashSet<>();
    Figures all = zero();
    for (Map.Entry<ClientProductDay, Figures> e : truth) {
      perProduct.merge(e.getKey().productCode(), e.getValue(), ApiGroundTruth::plus);
      clientsPerProduct.computeIfAbsent(e.getKey().productCode(), p -> new HashSet<>()).add(e.getKey().clientId());
      clients.add(e.getKey().clientId());
      all = plus(all, e.getValue());
    }
    assertThat(figures(summary)).isEqualTo(all);
    assertThat(summary.getInteger("activeClients")).isEqualTo(clients.size());
    assertThat(summary.getString("averageTicket")).isEqualTo(average(all));
    Map<String, Figures> servedPerProduct = new TreeMap<>();
    summary.getJsonArray("products").forEach(p -> {
      JsonObject product = (JsonObject) p;
      String code = product.getString("productCode");
      servedPerProduct.put(code, figures(product));
      assertThat(product.getInteger("activeClients")).as("active clients of %s", code)
          .isEqualTo(clientsPerProduct.getOrDefault(code, Set.of()).size());
      assertThat(product.getString("averageTicket")).isEqualTo(average(figures(product)));
    });
    assertThat(servedPerProduct).isEqualTo(perProduct);
  }

  /** Today's total, and each product's minutes of the window the answer covers, as SQL counts them. */
  private void assertRealtime(String path, int provider, Map<ClientDay, Figures> clientDays, LocalDate today)
      throws Exception {
    JsonObject realtime = get(path + "/realtime");
    assertThat(realtime.getString("date")).isEqualTo(today.toString());
    Figures total = clientDays.entrySet().stream()
        .filter(e -> e.getKey().providerId() == provider && e.getKey().day().equals(today))
        .map(Map.Entry::getValue).reduce(zero(), ApiGroundTruth::plus);
    assertThat(figures(realtime.getJsonObject("today"))).isEqualTo(total);
    for (Object p : realtime.getJsonArray("products")) {
      JsonObject product = (JsonObject) p;
      JsonArray minutes = product.getJsonArray("minutes");
      LocalDateTime first = LocalDateTime.parse(minutes.getJsonObject(0).getString("minute"));
      Map<LocalDateTime, Figures> expected = minutes(product.getString("productCode"), first, minutes.size());
      for (Object m : minutes) {
        JsonObject minute = (JsonObject) m;
        LocalDateTime at = LocalDateTime.parse(minute.getString("minute"));
        assertThat(figures(minute)).as("%s at %s", product.getString("productCode"), at)
            .isEqualTo(expected.getOrDefault(at, zero()));
      }
    }
  }

  private Map<LocalDateTime, Figures> minutes(String product, LocalDateTime first, int count) throws SQLException {
    String sql = """
        SELECT date_trunc('minute', fecha AT TIME ZONE ?), count(*), sum(monto) FROM ventas
        WHERE producto = ? AND cliente_id IS NOT NULL AND monto IS NOT NULL
          AND fecha AT TIME ZONE ? >= ? AND fecha AT TIME ZONE ? < ?
        GROUP BY 1""";
    Map<LocalDateTime, Figures> minutes = new HashMap<>();
    String zone = config.businessZone().getId();
    try (Connection c = Postgres.connect(config.database()); PreparedStatement st = c.prepareStatement(sql)) {
      st.setString(1, zone);
      st.setString(2, product);
      st.setString(3, zone);
      st.setObject(4, first);
      st.setString(5, zone);
      st.setObject(6, first.plusMinutes(count));
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          minutes.put(rs.getObject(1, LocalDateTime.class), new Figures(rs.getLong(2), rs.getBigDecimal(3)));
        }
      }
    }
    return minutes;
  }

  private JsonObject get(String path) throws Exception {
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(base + path))
        .header("X-API-Key", adminKey).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as("GET %s: %s", path, response.body()).isEqualTo(200);
    return new JsonObject(response.body());
  }

  private static Figures figures(JsonObject json) {
    return new Figures(json.getLong("transactions"), new BigDecimal(json.getString("totalAmount")));
  }

  private static Figures zero() {
    return new Figures(0, new BigDecimal("0.00"));
  }

  private static Figures plus(Figures a, Figures b) {
    return new Figures(a.transactions() + b.transactions(), a.amount().add(b.amount()));
  }

  private static String average(Figures figures) {
    return figures.transactions() == 0 ? "0.00"
        : figures.amount().divide(BigDecimal.valueOf(figures.transactions()), 2, RoundingMode.HALF_UP).toPlainString();
  }
}
