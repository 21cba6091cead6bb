package com.pulso.devservices;

import com.pulso.config.PulsoConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plays the company's shops: inserts live sales into the source table at {@code demo.rate} per
 * second, and now and then corrects or voids a recent one, so that every kind of change reaches
 * the capture pipeline. Dev services only. The pool is borrowed: its owner closes it.
 */
public final class DemoSalesVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(DemoSalesVerticle.class);
  private static final long TICK_MILLIS = 100;
  private static final int TICKS_PER_SECOND = 10;
  /** Clients the generator picks from: a random sample, so a huge clients table costs one query. */
  private static final int CLIENT_SAMPLE = 10_000;
  /** Corrections and voids hit one of the newest sales. */
  private static final int RECENT_SALES = 50;

  private final DemoDataSql sql;
  private final Pool pool;
  private final MeterRegistry registry;
  private final int rate;
  private final int changeOneIn;
  private final SplittableRandom random = new SplittableRandom();
  private final AtomicLong inserted = new AtomicLong();
  private final AtomicLong corrected = new AtomicLong();
  private final AtomicLong voided = new AtomicLong();

  // Touched only on this verticle's event loop.
  private List<Long> clients;
  private List<String> products;
  private long timerId = -1;
  /** Sales owed, in 1/TICKS_PER_SECOND of a sale: each tick adds the rate, a batch pays the whole sales. */
  private int owed;
  /** The batch under way, if any: stop() lets it finish so every committed sale is counted. */
  private Future<?> inFlight;
  private int failedTicks;
  private Counter insertedMeter;

  /** Live sales at {@code config.demo().rate()} per second; about one change in 200 sales. */
  public DemoSalesVerticle(PulsoConfig config, Pool pool, MeterRegistry registry) {
    this(config, pool, registry, 200);
  }

  /** With {@code changeOneIn} sales per correction or void, on average. */
  DemoSalesVerticle(PulsoConfig config, Pool pool, MeterRegistry registry, int changeOneIn) {
    this.sql = new DemoDataSql(config.source());
    this.pool = pool;
    this.registry = registry;
    this.rate = config.demo().rate();
    this.changeOneIn = changeOneIn;
  }

  @Override
  public Future<?> start() {
    if (rate == 0) {
      return Future.succeededFuture();
    }
    insertedMeter = Counter.builder("pulso.demo.sales.inserted").description("Demo sales inserted into the source")
        .register(registry);
    Future<List<Long>> sampledClients = pool.preparedQuery(sql.sampleClients).execute(Tuple.of(CLIENT_SAMPLE))
        .map(rows -> column(rows, row -> row.getLong(0)));
    Future<List<String>> productCodes = pool.query(DemoDataSql.PRODUCT_CODES).execute()
        .map(rows -> column(rows, row -> row.getString(0)));
    return Future.all(sampledClients, productCodes).compose(loaded -> {
      clients = sampledClients.result();
      products = productCodes.result();
      if (clients.isEmpty() || products.isEmpty()) {
        return Future.failedFuture(new IllegalStateException("demo sales need clients in the source table and products"
            + " in pulso.products (found " + clients.size() + " and " + products.size() + "): seed the demo data first"));
      }
      timerId = vertx.setPeriodic(TICK_MILLIS, id -> tick());
      LOG.info("Demo sales: {} per second, picking among {} clients and {} products", rate, clients.size(),
          products.size());
      return Future.succeededFuture();
    });
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timerId);
    return inFlight == null ? Future.succeededFuture() : inFlight.transform(done -> Future.succeededFuture());
  }

  /** Sales inserted since the start. */
  public long insertedSales() {
    return inserted.get();
  }

  /** Recent sales whose amount or product was changed since the start. */
  public long correctedSales() {
    return corrected.get();
  }

  /** Recent sales deleted since the start. */
  public long voidedSales() {
    return voided.get();
  }

  private void tick() {
    // While a batch is still in flight the debt grows, capped at one second of sales, so a slow or
    // restarting database gets no unbounded burst afterwards.
    owed = Math.min(owed + rate, rate * TICKS_PER_SECOND);
    int count = owed / TICKS_PER_SECOND;
    if (inFlight != null || count == 0) {
      return;
    }
    owed -= count * TICKS_PER_SECOND;
    Long[] saleClients = new Long[count];
    String[] saleProducts = new String[count];
    int changes = 0;
    for (int i = 0; i < count; i++) {
      saleClients[i] = clients.get(random.nextInt(clients.size()));
      saleProducts[i] = anyProduct();
      if (random.nextInt(changeOneIn) == 0) {
        changes++;
      }
    }
    Future<?> batch = pool.preparedQuery(sql.insertSales)
        .execute(Tuple.tuple().addArrayOfLong(saleClients).addArrayOfString(saleProducts))
        .onSuccess(rows -> {
          inserted.addAndGet(rows.rowCount());
          insertedMeter.increment(rows.rowCount());
        });
    for (int i = 0; i < changes; i++) {
      batch = batch.compose(done -> changeRecentSale());
    }
    inFlight = batch; // before onComplete: a batch that fails at once completes inside it
    batch.onComplete(done -> {
      inFlight = null;
      if (done.succeeded() && failedTicks > 0) {
        LOG.info("Demo sales resumed after {} failed batches", failedTicks);
        failedTicks = 0;
      } else if (done.failed() && failedTicks++ == 0) {
        LOG.warn("Demo sales: a batch failed, retrying every {} ms until the database answers: {}", TICK_MILLIS,
            done.cause().toString());
      }
    });
  }

  /** A correction (new amount or new product) or a void, chosen at random, of one of the newest sales. */
  private Future<?> changeRecentSale() {
    Tuple whichSale = Tuple.of(random.nextInt(RECENT_SALES));
    return switch (random.nextInt(3)) {
      case 0 -> pool.preparedQuery(sql.correctAmount).execute(whichSale)
          .onSuccess(rows -> corrected.addAndGet(rows.rowCount()));
      case 1 -> pool.preparedQuery(sql.correctProduct).execute(whichSale.addString(anyProduct()))
          .onSuccess(rows -> corrected.addAndGet(rows.rowCount()));
      default -> pool.preparedQuery(sql.voidSale).execute(whichSale)
          .onSuccess(rows -> voided.addAndGet(rows.rowCount()));
    };
  }

  private String anyProduct() {
    return products.get(random.nextInt(products.size()));
  }

  private static <T> List<T> column(Iterable<Row> rows, Function<Row, T> value) {
    List<T> values = new ArrayList<>();
    rows.forEach(row -> values.add(value.apply(row)));
    return List.copyOf(values);
  }
}
