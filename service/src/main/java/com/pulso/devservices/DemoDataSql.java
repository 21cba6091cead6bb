package com.pulso.devservices;

import com.pulso.config.PulsoConfig;
import com.pulso.db.Postgres;

/**
 * The SQL of the demo data, written once against the configured source names: the seed's
 * statements (JDBC, {@code ?} parameters) and the live generator's (Vert.x, {@code $n}).
 * Names are quoted so a configured name is used exactly as written.
 */
final class DemoDataSql {

  static final String LOCK = "SELECT pg_advisory_xact_lock(hashtext('pulso.demo-data'))";
  static final String ANY_PROVIDER = "SELECT EXISTS (SELECT 1 FROM pulso.providers)";
  static final String SET_SEED = "SELECT setseed(0.4242)";
  static final String INSERT_PROVIDER = "INSERT INTO pulso.providers (name) VALUES (?) RETURNING id";
  static final String INSERT_PRODUCT = "INSERT INTO pulso.products (code, provider_id, name) VALUES (?, ?, ?)";
  static final String PRODUCT_CODES = "SELECT code FROM pulso.products ORDER BY code";

  /** Clients 1..n named by a fixed combination of the name lists. Parameters: n, first names, last names. */
  final String insertClients;
  /**
   * The sales history: the last d days and today until now, local days of the business zone, each
   * hour getting weight[hour] × k sales (× a weekday factor, ±10 %) of random clients 1..n and
   * products. Parameters: n, zone, zone, d, weights (int[24]), k.
   */
  final String insertHistory;
  final String analyze;

  /** One batch of live sales, one statement (one transaction): clients $1, products $2. */
  final String insertSales;
  /** A random sample of at most $1 client ids, for the live generator to choose from. */
  final String sampleClients;
  /** Corrections and voids hit the sale $1 places from the newest one. */
  final String correctAmount;
  final String correctProduct;
  final String voidSale;

  DemoDataSql(PulsoConfig.Source s) {
    String clients = q(s.clientsTable());
    String sales = q(s.salesTable());
    String saleId = q(s.saleIdColumn());
    String saleColumns = "(" + q(s.saleClientColumn()) + ", " + q(s.saleProductColumn()) + ", "
        + q(s.saleTimeColumn()) + ", " + q(s.saleAmountColumn()) + ")";
    String amount = DemoDataCatalog.AMOUNT_SQL;

    insertClients = "INSERT INTO " + clients + " (" + q(s.clientIdColumn()) + ", " + q(s.clientFirstNameColumn())
        + ", " + q(s.clientLastNameColumn()) + ")\n"
        // Client g: first name from g's position in the list of first names, first surname from the
        // round through it, second from a mix of both: every client up to |f|·|l|·|l| differs.
        + "SELECT g, f[1 + (g * 37) % cardinality(f)],\n"
        + "       l[1 + (g / cardinality(f) * 53) % cardinality(l)] || ' ' ||\n"
        + "       l[1 + (g * 11 + g / cardinality(f) * 29 + g / (cardinality(f) * cardinality(l)) * 13 + 17) % cardinality(l)]\n"
        + "FROM generate_series(1, ?::bigint) AS g, (SELECT ?::text[] AS f, ?::text[] AS l) AS names\n"
        + "ON CONFLICT DO NOTHING";

    // generate_series over timestamp (not date, which would pick the timestamptz variant and the
    // session's time zone): days are local days of the business zone.
    insertHistory = "INSERT INTO " + sales + " " + saleColumns + "\n"
        + "SELECT client, product, at, amount FROM (\n"
        + "  SELECT 1 + floor(random() * ?::bigint)::bigint AS client,\n"
        + "         codes[1 + floor(random() * cardinality(codes))::int] AS product,\n"
        + "         (slot.day + make_interval(hours => slot.hour) + random() * interval '1 hour') AT TIME ZONE ? AS at,\n"
        + "         " + amount + " AS amount\n"
        + "  FROM (SELECT array_agg(code ORDER BY code) AS codes FROM pulso.products) AS catalog,\n"
        + "       (SELECT day, w.hour::int - 1 AS hour, w.weight,\n"
        + "               CASE extract(isodow FROM day) WHEN 6 THEN 1.15 WHEN 7 THEN 0.7 ELSE 1 END AS day_factor\n"
        + "        FROM (SELECT (now() AT TIME ZONE ?)::date::timestamp AS today) AS t,\n"
        + "             generate_series(t.today - make_interval(days => ?), t.today, interval '1 day') AS day,\n"
        + "             unnest(?::int[]) WITH ORDINALITY AS w(weight, hour)) AS slot,\n"
        + "       generate_series(1, round(slot.weight * ? * slot.day_factor * (0.9 + random() * 0.2))::int) AS n\n"
        + ") AS sale\n"
        + "WHERE at <= now()\n"
        + "ORDER BY at";
    analyze = "ANALYZE " + clients + ", " + sales;

    insertSales = "INSERT INTO " + sales + " " + saleColumns + "\n"
        + "SELECT c, p, now(), " + amount + " FROM unnest($1::bigint[], $2::text[]) AS t(c, p)";
    sampleClients = "SELECT " + q(s.clientIdColumn()) + " FROM " + clients + " ORDER BY random() LIMIT $1";
    String recentSale = saleId + " = (SELECT " + saleId + " FROM " + sales + " ORDER BY " + saleId
        + " DESC OFFSET $1 LIMIT 1)";
    correctAmount = "UPDATE " + sales + " SET " + q(s.saleAmountColumn()) + " = " + amount + " WHERE " + recentSale;
    correctProduct = "UPDATE " + sales + " SET " + q(s.saleProductColumn()) + " = $2 WHERE " + recentSale;
    voidSale = "DELETE FROM " + sales + " WHERE " + recentSale;
  }

  private static String q(String identifier) {
    return Postgres.quoteIdentifier(identifier);
  }
}
