package com.pulso.testing;

import com.pulso.config.PulsoConfig;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/** A trickle of sales, one every 200 ms, while a test waits: the WAL moves, the capture reads, percentiles have data. */
public final class SalesFeed {

  private SalesFeed() {}

  /** One sale of product LAC-001 (provider 1) to client 7, now. */
  public static void sale(PulsoConfig config) {
    SourceSql.execute(config.database(), "INSERT INTO ventas (cliente_id, producto, fecha, monto)"
        + " VALUES (7, 'LAC-001', now(), 12.50)");
  }

  /** Sells until {@code done}, for at most {@code bound}; fails as {@link Await#waitUntil} does. */
  public static void whileSelling(PulsoConfig config, BooleanSupplier done, Duration bound, String what)
      throws InterruptedException {
    AtomicBoolean selling = new AtomicBoolean(true);
    Thread feed = new Thread(() -> {
      while (selling.get()) {
        sale(config);
        try {
          Thread.sleep(200);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "test-sales-feed");
    feed.start();
    try {
      Await.waitUntil(done, bound, what);
    } finally {
      selling.set(false);
      feed.join();
    }
  }
}
