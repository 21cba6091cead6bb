package com.pulso.stream;

import com.pulso.aggregate.BaselineWriter;
import com.pulso.sales.Lsn;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Whether, and from where, the shard consumers of a member may apply changes (docs/realtime.md,
 * "Bootstrap"). The base figures hold every sale committed before the bootstrap marker's consistent
 * point, so a change below it is skipped; with no marker — no bootstrap yet, or one being redone —
 * nothing is applied. A batch goes on only while the marker it started under is still the marker
 * ({@link #still}), checked before each item: a redo waits {@link #REFRESH} plus one DynamoDB call
 * after removing the marker, and then no consumer writes under the old one any more.
 *
 * <p>The marker is read at most once per {@link #REFRESH}, and again at once when the capture
 * announces a bootstrap on {@link #ADDRESS}. Bound to the Vert.x context of its user: a member's
 * consumers, or its API (which serves real-time figures only under a marker).
 */
public final class BootstrapGate {

  /** Where the capture announces that a bootstrap starts and ends. */
  public static final String ADDRESS = "pulso.capture.bootstrap";
  /** The longest a member applies under a marker it read before. */
  public static final Duration REFRESH = Duration.ofSeconds(1);

  private final Vertx vertx;
  private final BaselineWriter markers;
  private final String slot;
  private Optional<Lsn> from = Optional.empty();
  private long readAtNanos;
  private boolean known;
  private Future<Optional<Lsn>> reading;
  private MessageConsumer<Object> announcements;

  /** The gate of the bootstrap of capture slot {@code slot}, whose marker {@code markers} reads. */
  public BootstrapGate(Vertx vertx, BaselineWriter markers, String slot) {
    this.vertx = vertx;
    this.markers = Objects.requireNonNull(markers, "markers");
    this.slot = Objects.requireNonNull(slot, "slot");
  }

  /** Listens to the capture's announcements (cluster-wide). */
  public Future<Void> start() {
    announcements = vertx.eventBus().consumer(ADDRESS, message -> known = false);
    return announcements.completion();
  }

  public Future<Void> stop() {
    return announcements == null ? Future.succeededFuture() : announcements.unregister();
  }

  /** The marker's consistent point; empty while there is no bootstrap to apply changes on. */
  public Future<Optional<Lsn>> from() {
    if (known && System.nanoTime() - readAtNanos < REFRESH.toNanos()) {
      return Future.succeededFuture(from);
    }
    if (reading == null || reading.isComplete()) {
      long started = System.nanoTime();
      reading = markers.bootstrappedFrom(slot).onSuccess(read -> {
        from = read;
        readAtNanos = started;
        known = true;
      });
    }
    return reading;
  }

  /** Whether {@code from} is still the marker: a batch begun under it may go on. */
  public Future<Boolean> still(Lsn from) {
    return from().map(now -> now.isPresent() && now.get().equals(from));
  }
}
