package com.pulso.testing;

import com.pulso.config.PulsoConfig;
import com.pulso.db.Postgres;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.HashMap;
import java.util.Map;

/**
 * What the real-time figures must equal: the provider × client (× product) × day and provider × product ×
 * minute figures computed by SQL over the source tables, days and minutes in the business zone. Written independently of the pipeline on purpose.
 * Sales that belong to no provider (unknown product) or cannot be counted (no client, no amount, a
 * negative or NaN amount, an infinite sale time) are not part of any provider's figures.
 */
public final class SalesGroundTruth {

  /** One provider × client × day. */
  public record ClientDay(int providerId, long clientId, LocalDate day) {}

  /** One provider × client × product × day. */
  public record ClientProductDay(int providerId, long clientId, String productCode, LocalDate day) {}

  /** One provider × product × minute (the minute's start, business zone). */
  public record ProductMinute(int providerId, String productCode, LocalDateTime minute) {}

  /** Transactions and exact amount. */
  public record Figures(long transactions, BigDecimal amount) {}

  private SalesGroundTruth() {}

  public static Map<ClientDay, Figures> clientDays(PulsoConfig config) throws SQLException {
    String sql = """
        SELECT p.provider_id, v.cliente_id, (v.fecha AT TIME ZONE ?)::date AS day, count(*), sum(v.monto)
        FROM ventas v JOIN pulso.products p ON p.code = v.producto
        WHERE v.cliente_id IS NOT NULL AND v.monto IS NOT NULL AND v.monto <> 'NaN' AND v.monto >= 0
          AND isfinite(v.fecha)
        GROUP BY 1, 2, 3""";
    Map<ClientDay, Figures> truth = new HashMap<>();
    query(config, sql, rs -> truth.put(new ClientDay(rs.getInt(1), rs.getLong(2), rs.getObject(3, LocalDate.class)),
        new Figures(rs.getLong(4), rs.getBigDecimal(5))));
    return truth;
  }

  public static Map<ClientProductDay, Figures> clientProductDays(PulsoConfig config) throws SQLException {
    String sql = """
        SELECT p.provider_id, v.cliente_id, p.code, (v.fecha AT TIME ZONE ?)::date AS day, count(*), sum(v.monto)
        FROM ventas v JOIN pulso.products p ON p.code = v.producto
        WHERE v.cliente_id IS NOT NULL AND v.monto IS NOT NULL AND v.monto <> 'NaN' AND v.monto >= 0
          AND isfinite(v.fecha)
        GROUP BY 1, 2, 3, 4""";
    Map<ClientProductDay, Figures> truth = new HashMap<>();
    query(config, sql, rs -> truth.put(new ClientProductDay(rs.getInt(1), rs.getLong(2), rs.getString(3),
        rs.getObject(4, LocalDate.class)), new Figures(rs.getLong(5), rs.getBigDecimal(6))));
    return truth;
  }

  public static Map<ProductMinute, Figures> productMinutes(PulsoConfig config) throws SQLException {
    String sql = """
        SELECT p.provider_id, p.code, date_trunc('minute', v.fecha AT TIME ZONE ?) AS minute, count(*), sum(v.monto)
        FROM ventas v JOIN pulso.products p ON p.code = v.producto
        WHERE v.cliente_id IS NOT NULL AND v.monto IS NOT NULL AND v.monto <> 'NaN' AND v.monto >= 0
          AND isfinite(v.fecha)
        GROUP BY 1, 2, 3""";
    Map<ProductMinute, Figures> truth = new HashMap<>();
    query(config, sql, rs -> truth.put(new ProductMinute(rs.getInt(1), rs.getString(2),
        rs.getObject(3, LocalDateTime.class)), new Figures(rs.getLong(4), rs.getBigDecimal(5))));
    return truth;
  }

  private interface RowReader {
    void read(ResultSet row) throws SQLException;
  }

  /** Runs {@code sql} with the business zone as its one parameter. */
  private static void query(PulsoConfig config, String sql, RowReader reader) throws SQLException {
    try (Connection c = Postgres.connect(config.database()); PreparedStatement st = c.prepareStatement(sql)) {
      st.setString(1, config.businessZone().getId());
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          reader.read(rs);
        }
      }
    }
  }
}
