package com.pulso.testing;

import com.pulso.config.PulsoConfig;
import com.pulso.db.Postgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A random sales workload on the source tables, for tests of the real-time pipeline: inserts over
 * three providers' products and two business days (times close to midnight included), with
 * corrections (amount, product, client or time) and voids running at the same time on other
 * connections. Deterministic per seed, apart from the interleaving.
 */
public final class SalesWorkload {

  public static final List<String> PRODUCTS = List.of("LAC-001", "LAC-002", "CAF-001", "CAF-002", "ASE-001", "ASE-002");

  private SalesWorkload() {}

  /** Three providers (1, 2, 3) and two products each, in pulso's mapping. */
  public static void createProviders(PulsoConfig config) throws Exception {
    try (Connection c = Postgres.connect(config.database()); Statement st = c.createStatement()) {
      st.execute("INSERT INTO pulso.providers (id, name) VALUES (1, 'Lácteos'), (2, 'Café'), (3, 'Aseo')"
          + " ON CONFLICT DO NOTHING");
      st.execute("INSERT INTO pulso.products (code, provider_id, name) VALUES"
          + " ('LAC-001', 1, 'Leche'), ('LAC-002', 1, 'Queso'), ('CAF-001', 2, 'Café molido'),"
          + " ('CAF-002', 2, 'Café grano'), ('ASE-001', 3, 'Jabón'), ('ASE-002', 3, 'Detergente') ON CONFLICT DO NOTHING");
    }
  }

  /** The two business days the workload's sales fall on. */
  public static List<LocalDate> days(LocalDate first) {
    return List.of(first, first.plusDays(1));
  }

  /**
   * Inserts {@code sales} sales in transactions of up to 50 on {@code writers} connections while one
   * more connection corrects and voids random earlier sales; returns when all are committed.
   */
  public static void run(PulsoConfig config, LocalDate firstDay, int sales, int writers, long seed) throws Exception {
    ZoneId zone = config.businessZone();
    Instant start = firstDay.atStartOfDay(zone).toInstant();
    AtomicInteger remaining = new AtomicInteger(sales);
    List<Thread> threads = new ArrayList<>();
    for (int w = 0; w < writers; w++) {
      long writerSeed = seed * 31 + w;
      threads.add(new Thread(() -> insert(config, start, remaining, new SplittableRandom(writerSeed)), "writer-" + w));
    }
    Thread corrector = new Thread(() -> correct(config, start, remaining, new SplittableRandom(seed ^ 0x5EED)), "corrector");
    threads.forEach(Thread::start);
    corrector.start();
    for (Thread thread : threads) {
      thread.join();
    }
    corrector.join();
  }

  private static void insert(PulsoConfig config, Instant start, AtomicInteger remaining, SplittableRandom random) {
    try (Connection c = Postgres.connect(config.database());
         PreparedStatement st = c.prepareStatement(
             "INSERT INTO ventas (cliente_id, producto, fecha, monto) VALUES (?, ?, ?, ?)")) {
      c.setAutoCommit(false);
      while (true) {
        int wanted = 1 + random.nextInt(50);
        int batch = Math.min(wanted, remaining.getAndUpdate(left -> Math.max(0, left - wanted)));
        if (batch == 0) {
          return;
        }
        for (int i = 0; i < batch; i++) {
          st.setLong(1, 1 + random.nextInt(200));
          st.setString(2, PRODUCTS.get(random.nextInt(PRODUCTS.size())));
          st.setObject(3, java.time.OffsetDateTime.ofInstant(time(start, random), java.time.ZoneOffset.UTC));
          st.setBigDecimal(4, java.math.BigDecimal.valueOf(random.nextLong(100, 25_000_000), 2));
          st.addBatch();
        }
        st.executeBatch();
        c.commit();
      }
    } catch (Exception e) {
      throw new IllegalStateException("workload writer failed", e);
    }
  }

  private static void correct(PulsoConfig config, Instant start, AtomicInteger remaining, SplittableRandom random) {
    try (Connection c = Postgres.connect(config.database()); Statement st = c.createStatement()) {
      while (remaining.get() > 0) {
        switch (random.nextInt(5)) {
          case 0 -> st.executeUpdate("UPDATE ventas SET monto = monto + 0.01 WHERE id = (SELECT max(id) FROM ventas) - "
              + random.nextInt(100));
          case 1 -> st.executeUpdate("UPDATE ventas SET producto = '" + PRODUCTS.get(random.nextInt(PRODUCTS.size()))
              + "' WHERE id = (SELECT max(id) FROM ventas) - " + random.nextInt(100));
          case 2 -> st.executeUpdate("UPDATE ventas SET cliente_id = " + (1 + random.nextInt(200))
              + " WHERE id = (SELECT max(id) FROM ventas) - " + random.nextInt(100));
          case 3 -> st.executeUpdate("UPDATE ventas SET fecha = '" + time(start, random)
              + "' WHERE id = (SELECT max(id) FROM ventas) - " + random.nextInt(100));
          default -> st.executeUpdate("DELETE FROM ventas WHERE id = (SELECT max(id) FROM ventas) - "
              + random.nextInt(100));
        }
        Thread.sleep(2);
      }
    } catch (Exception e) {
      throw new IllegalStateException("workload corrector failed", e);
    }
  }

  /** A time on the two days, one in ten within a second of the midnight between them. */
  private static Instant time(Instant start, SplittableRandom random) {
    if (random.nextInt(10) == 0) {
      return start.plusSeconds(86_400).plusMillis(random.nextLong(-1_000, 1_000));
    }
    return start.plusMillis(random.nextLong(2 * 86_400_000L));
  }
}
