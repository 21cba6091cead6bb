package com.pulso.glue;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the reports must say, computed by SQL straight over the source, written apart from the job
 * on purpose: the day of a sale is its time's date in the business zone; a sale counts when it has
 * a client, a mapped product, a finite time, and an amount that is a finite number, not negative,
 * with at most two decimals.
 */
final class SalesTruth {

  record ClientDay(int providerId, long clientId, LocalDate day) {}

  record Figures(long transactions, BigDecimal amount, String firstName, String lastName) {}

  private SalesTruth() {}

  static Map<ClientDay, Figures> clientDays(TestSource source, ZoneId zone, List<LocalDate> days) throws SQLException {
    String sql = """
        SELECT p.provider_id, v.cliente_id, (v.fecha AT TIME ZONE ?)::date, count(*), sum(v.monto), c.nombre, c.apellido
        FROM ventas v
        JOIN pulso.products p ON p.code = v.producto
        LEFT JOIN clientes c ON c.id = v.cliente_id
        WHERE v.cliente_id IS NOT NULL
          AND v.fecha IS NOT NULL AND isfinite(v.fecha)
          AND v.monto IS NOT NULL AND v.monto <> 'NaN' AND v.monto >= 0 AND v.monto < 'Infinity' AND v.monto = round(v.monto, 2)
          AND (v.fecha AT TIME ZONE ?)::date = ANY(?)
        GROUP BY 1, 2, 3, 6, 7""";
    Map<ClientDay, Figures> truth = new HashMap<>();
    try (Connection c = source.connect(); PreparedStatement st = c.prepareStatement(sql)) {
      st.setString(1, zone.getId());
      st.setString(2, zone.getId());
      st.setArray(3, c.createArrayOf("date", days.stream().map(java.sql.Date::valueOf).toArray()));
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          truth.put(new ClientDay(rs.getInt(1), rs.getLong(2), rs.getObject(3, LocalDate.class)),
              new Figures(rs.getLong(4), rs.getBigDecimal(5), rs.getString(6), rs.getString(7)));
        }
      }
    }
    return truth;
  }
}
