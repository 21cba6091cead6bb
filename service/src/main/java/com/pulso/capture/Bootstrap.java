package com.pulso.capture;

import com.pulso.aggregate.BaselineFigure;
import com.pulso.aggregate.BaselineWriter;
import com.pulso.aggregate.MetricItem.ClientDay;
import com.pulso.aggregate.MetricItem.ProductMinute;
import com.pulso.aggregate.MetricKeys;
import com.pulso.capture.BootstrapQueries.Query;
import com.pulso.config.PulsoConfig;
import com.pulso.report.SaleTimeType;
import com.pulso.sales.Lsn;
import com.pulso.stream.BootstrapGate;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Cursor;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts the sales that predate the replication slot, exactly once (docs/realtime.md, "Bootstrap"):
 * reads them in the slot's exported snapshot — the rows committed before the slot's first change —
 * aggregated by PostgreSQL, writes them to DynamoDB as absolute base figures, and records in
 * {@code pulso.capture_state} that the slot's bootstrap completed. Streaming the slot may start only
 * then ({@link #ensureBootstrapped()}). Run it under the {@link CaptureFence}: one bootstrapper at a time.
 *
 * <p>The reading transaction stays open while its chunks are written to DynamoDB (the cursor reads
 * the next chunk only once the previous one is written), holding back VACUUM on the source for as
 * long: the horizons keep that short.
 */
public final class Bootstrap {

  /**
   * What a bootstrap counted: the slot's consistent point and the figures written per kind (those per
   * client, product and day go into the client-day items).
   */
  public record Baseline(Lsn consistentPoint, long clientDays, long clientProductDays, long productMinutes,
                         long dayTotals) {}

  private static final Logger LOG = LoggerFactory.getLogger(Bootstrap.class);
  /** What PostgreSQL names exported snapshots (e.g. 00000003-00000002-1): checked before it is spliced into SQL. */
  private static final Pattern SNAPSHOT_NAME = Pattern.compile("[0-9A-Fa-f-]+");

  private final Vertx vertx;
  private final Pool pool;
  private final PulsoConfig config;
  private final BaselineWriter writer;
  private final MetricKeys keys;
  private final Clock clock;

  /**
   * @param pool       the source database (the capture's pool)
   * @param writer     writes to the metrics table the stream's consumers apply deltas to
   * @param clock      "now", for today and for the minutes still within {@code aggregate.minuteRetention}
   */
  public Bootstrap(Vertx vertx, Pool pool, PulsoConfig config, BaselineWriter writer, Clock clock) {
    this.vertx = vertx;
    this.pool = pool;
    this.config = config;
    this.writer = writer;
    this.keys = new MetricKeys(config.businessZone());
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * Makes sure the capture slot exists and its bootstrap completed; completes with where the slot
   * streams from (its confirmed position). When {@code pulso.capture_state} says the slot was
   * bootstrapped and the slot exists and is usable, nothing is done. Otherwise — no slot yet, a slot
   * lost or invalidated, or a bootstrap that died half-way — the bootstrap is redone from scratch:
   * completion unmarked, slot dropped, every metric item deleted, slot and snapshot created again,
   * base figures rewritten, completion recorded. Safe to call again after a crash at any point of that.
   *
   * <p>The capture creates its slot only through here: a slot created elsewhere after a lost one
   * would pass for the bootstrapped slot.
   */
  public Future<Lsn> ensureBootstrapped() {
    String slot = config.capture().slotName();
    return pool.preparedQuery("SELECT (SELECT confirmed_flush_lsn::text FROM pg_replication_slots s"
            + " WHERE slot_name = $1 AND database = current_database() AND " + ReplicationSlot.USABLE + "),"
            + " (SELECT confirmed_lsn::text FROM pulso.capture_state WHERE slot_name = $1 AND bootstrapped_at IS NOT NULL)")
        .execute(Tuple.of(slot))
        .compose(rows -> {
          Row row = rows.iterator().next();
          String slotPosition = row.getString(0);
          String bootstrappedFrom = row.getString(1);
          boolean bootstrapped = bootstrappedFrom != null;
          if (slotPosition != null && bootstrapped) {
            // The slot and its bootstrap are there; are its figures? A metrics table created or emptied
            // since (the local emulators start empty) lacks the marker the bootstrap wrote last.
            return writer.bootstrappedFrom(slot).compose(marker -> {
              if (marker.isPresent() && marker.get().equals(Lsn.parse(bootstrappedFrom))) {
                return Future.succeededFuture(Lsn.parse(slotPosition));
              }
              LOG.info("Capture slot {}: the metrics table does not hold its base figures (new or emptied table);"
                  + " bootstrapping again", slot);
              return redo().map(Baseline::consistentPoint);
            });
          }
          LOG.info("Capture slot {}: {}; bootstrapping the sales that predate it", slot, slotPosition == null
              ? (bootstrapped ? "bootstrapped once but the slot is gone or invalidated" : "no slot yet")
              : "slot exists but its bootstrap never completed");
          return redo().map(Baseline::consistentPoint);
        });
  }

  /**
   * Counts everything again from a new slot, as when the figures were lost: for when the figures no
   * longer match what the source and the product mapping say. Completes with the new slot's
   * consistent point. Run it under the fence, between polls.
   */
  public Future<Lsn> rebuild() {
    return redo().map(Baseline::consistentPoint);
  }

  /**
   * Reads the base figures in {@code snapshot} and writes them, then records the bootstrap of the
   * snapshot's slot as complete. The snapshot must still be open; closing it is the caller's.
   */
  public Future<Baseline> run(ExportedSnapshot snapshot) {
    String name = snapshot.snapshotName();
    if (!SNAPSHOT_NAME.matcher(name).matches()) {
      return Future.failedFuture(new IllegalStateException("unexpected exported snapshot name '" + name + "'"));
    }
    return pool.withTransaction(connection -> connection
            // Both before any query of the transaction: it then sees exactly what the snapshot saw.
            .query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute()
            .compose(v -> connection.query("SET TRANSACTION SNAPSHOT '" + name + "'").execute())
            .compose(v -> saleTimeType(connection))
            .compose(type -> readAndWrite(connection, new BootstrapQueries(config.source(), type, config.businessZone()),
                snapshot.consistentPoint())))
        .compose(baseline -> writer.markBootstrapped(config.capture().slotName(), baseline.consistentPoint())
            .onSuccess(v -> vertx.eventBus().publish(BootstrapGate.ADDRESS, config.capture().slotName()))
            .compose(v -> recordCompletion(baseline.consistentPoint()))
            .map(baseline))
        .onSuccess(baseline -> LOG.info("Capture slot {} bootstrapped from {}: {} client-day items (with {} figures"
                + " per product), {} product-minute and {} day-total items", config.capture().slotName(), baseline.consistentPoint(),
            baseline.clientDays(), baseline.clientProductDays(), baseline.productMinutes(), baseline.dayTotals()));
  }

  private Future<Baseline> redo() {
    return unmarkCompletion()
        .compose(v -> stopConsumers())
        // Any slot of the name: one left half-made by a crashed bootstrap, or invalidated by the server.
        .compose(v -> dropSlot())
        .compose(v -> writer.deleteAllMetrics())
        .compose(deleted -> new ReplicationSlot(pool, config.capture(), config.source()).ensurePublication())
        .compose(v -> vertx.executeBlocking(() -> ExportedSnapshot.createSlot(config.database(),
            config.capture().slotName())))
        .compose(snapshot -> run(snapshot).eventually(() -> vertx.executeBlocking(() -> {
          snapshot.close();
          return null;
        })));
  }

  /**
   * The shard consumers apply changes only under the bootstrap marker ({@link BootstrapGate}): with it
   * removed, and once any of them has read it again and finished its DynamoDB call in flight, none
   * writes to the figures being rebuilt. Records of the old slot still in Kinesis are skipped later:
   * they were committed before the new base's consistent point.
   */
  private Future<Void> stopConsumers() {
    String slot = config.capture().slotName();
    return writer.bootstrappedFrom(slot).compose(marker -> {
      if (marker.isEmpty()) {
        // No marker: no consumer applies anything (none was written yet, or the table was emptied).
        return Future.succeededFuture();
      }
      Duration quiet = BootstrapGate.REFRESH.plus(config.aws().http().apiCallTimeout()).plusSeconds(1);
      LOG.info("Capture slot {}: stopping the shard consumers before the figures are rebuilt ({} s)", slot,
          quiet.toSeconds());
      return writer.unmarkBootstrapped(slot)
          .onSuccess(v -> vertx.eventBus().publish(BootstrapGate.ADDRESS, slot))
          .compose(v -> {
            Promise<Void> waited = Promise.promise();
            vertx.setTimer(quiet.toMillis(), id -> waited.complete());
            return waited.future();
          });
    });
  }

  private Future<Baseline> readAndWrite(SqlConnection connection, BootstrapQueries queries, Lsn consistentPoint) {
    Instant now = clock.instant();
    // Today and capture.bootstrapDays before it. Older days are the batch's (the API serves closed days
    // from its reports); a streamed correction of an older sale moves only the real-time items of its
    // day, which nothing reads once that day's report exists.
    LocalDate firstDay = keys.dayOf(now).minusDays(config.capture().bootstrapDays());
    // A minute item outlives its minute by the retention: older minutes would be written already expired.
    LocalDateTime firstMinute = LocalDateTime.ofInstant(now.minus(config.aggregate().minuteRetention()),
        config.businessZone()).truncatedTo(ChronoUnit.MINUTES);
    Future<Long> clientDays = stream(connection, queries.clientDays(firstDay), row -> new BaselineFigure(
        new ClientDay(row.getInteger(0), row.getLocalDate(2), row.getLong(1)), row.getLong(3), amount(row, 4)));
    // One query at a time: they share the snapshot's one connection.
    Future<Long> clientProductDays = clientDays.compose(v -> stream(connection, queries.clientProductDays(firstDay),
        row -> new BaselineFigure(new ClientDay(row.getInteger(0), row.getLocalDate(3), row.getLong(1)),
            row.getString(2), row.getLong(4), amount(row, 5))));
    Future<Long> productMinutes = clientProductDays.compose(v -> stream(connection, queries.productMinutes(firstMinute),
        row -> new BaselineFigure(new ProductMinute(row.getInteger(0), row.getLocalDateTime(2), row.getString(1)),
            row.getLong(3), amount(row, 4))));
    Future<Long> dayTotals = productMinutes.compose(v -> stream(connection, queries.dayTotals(firstDay),
        row -> new BaselineFigure(keys.bootstrapDayTotal(row.getInteger(0), row.getLocalDate(1)), row.getLong(2),
            amount(row, 3))));
    return dayTotals.map(v -> new Baseline(consistentPoint, clientDays.result(), clientProductDays.result(),
        productMinutes.result(), dayTotals.result()));
  }

  /** Streams a query's rows through a cursor into the writer, one chunk at a time; completes with the row count. */
  private Future<Long> stream(SqlConnection connection, Query query, Function<Row, BaselineFigure> figure) {
    return connection.prepare(query.sql()).compose(statement -> {
      Cursor cursor = statement.cursor(query.params());
      return writeChunks(cursor, figure, 0L).eventually(cursor::close).eventually(statement::close);
    });
  }

  private Future<Long> writeChunks(Cursor cursor, Function<Row, BaselineFigure> figure, long written) {
    return cursor.read(config.capture().fetchSize()).compose(rows -> {
      List<BaselineFigure> chunk = new ArrayList<>(rows.size());
      rows.forEach(row -> chunk.add(figure.apply(row)));
      long total = written + chunk.size();
      return writer.write(chunk)
          .compose(v -> cursor.hasMore() ? writeChunks(cursor, figure, total) : Future.succeededFuture(total));
    });
  }

  private Future<SaleTimeType> saleTimeType(SqlConnection connection) {
    PulsoConfig.Source source = config.source();
    return connection.preparedQuery(BootstrapQueries.COLUMN_TYPE)
        .execute(Tuple.of(source.salesTable(), source.saleTimeColumn()))
        .map(rows -> {
          if (rows.size() == 0) {
            throw new IllegalStateException("source.saleTimeColumn: table " + source.salesTable() + " has no column "
                + source.saleTimeColumn());
          }
          return SaleTimeType.of(rows.iterator().next().getString(0), source.salesTable(), source.saleTimeColumn());
        });
  }

  private static BigDecimal amount(Row row, int column) {
    return new BigDecimal(row.getString(column));
  }

  /** First of a redo: a crash later in it must not leave a new slot that passes for bootstrapped. */
  private Future<Void> unmarkCompletion() {
    return pool.preparedQuery("UPDATE pulso.capture_state SET bootstrapped_at = NULL, confirmed_lsn = NULL,"
            + " updated_at = now() WHERE slot_name = $1")
        .execute(Tuple.of(config.capture().slotName()))
        .mapEmpty();
  }

  private Future<Void> recordCompletion(Lsn consistentPoint) {
    return pool.preparedQuery("INSERT INTO pulso.capture_state (slot_name, confirmed_lsn, bootstrapped_at, updated_at)"
            + " VALUES ($1, $2::text::pg_lsn, now(), now()) ON CONFLICT (slot_name) DO UPDATE SET"
            + " confirmed_lsn = EXCLUDED.confirmed_lsn, bootstrapped_at = EXCLUDED.bootstrapped_at, updated_at = now()")
        .execute(Tuple.of(config.capture().slotName(), consistentPoint.toString()))
        .mapEmpty();
  }

  private Future<Void> dropSlot() {
    String slot = config.capture().slotName();
    return pool.preparedQuery("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
            + " WHERE slot_name = $1 AND database = current_database()")
        .execute(Tuple.of(slot))
        .<Void>mapEmpty()
        .recover(error -> Future.failedFuture(new IllegalStateException("cannot drop capture slot " + slot
            + " to redo its bootstrap (is another session reading it?): " + error.getMessage(), error)));
  }
}
