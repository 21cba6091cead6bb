package com.pulso.capture;

import static com.pulso.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.pulso.config.PulsoConfig;
import com.pulso.testing.TestServices;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CaptureFenceTest {

  private static final Duration LEASE = Duration.ofSeconds(2);

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    await(vertx.close());
  }

  @Test
  void onlyOneCaptureHoldsASlotUntilItReleasesIt() throws Exception {
    PulsoConfig.Database db = TestServices.config().database();
    String slot = "fence_" + UUID.randomUUID().toString().replace("-", "");

    CaptureFence first = await(CaptureFence.acquire(vertx, db, slot, LEASE));
    assertThatThrownBy(() -> await(CaptureFence.acquire(vertx, db, slot, LEASE)))
        .hasRootCauseMessage("another capture holds slot " + slot + " (advisory lock taken): not capturing here");
    CaptureFence otherSlot = await(CaptureFence.acquire(vertx, db, slot + "_other", LEASE));
    await(first.renew());

    await(first.release());
    CaptureFence second = await(CaptureFence.acquire(vertx, db, slot, LEASE));
    assertThat(second).isNotNull();
    await(second.release());
    await(otherSlot.release());
  }

  @Test
  void aHolderThatStopsUsingItsFenceLosesItToTheNextCandidateAndFindsItGone() throws Exception {
    PulsoConfig.Database db = TestServices.config().database();
    String slot = "fence_" + UUID.randomUUID().toString().replace("-", "");
    CaptureFence holder = await(CaptureFence.acquire(vertx, db, slot, LEASE));

    // Renewing, it keeps the fence past its lease.
    for (int i = 0; i < 6; i++) {
      Thread.sleep(LEASE.dividedBy(3).toMillis());
      await(holder.renew());
      assertThatThrownBy(() -> await(CaptureFence.acquire(vertx, db, slot, LEASE)))
          .rootCause().hasMessageContaining("another capture holds slot");
    }

    // Silent past the lease, as the session of a frozen process is: its session is ended, the fence taken.
    Thread.sleep(LEASE.plusMillis(500).toMillis());
    CaptureFence next = await(CaptureFence.acquire(vertx, db, slot, LEASE));
    assertThatThrownBy(() -> await(holder.renew())).as("the old holder finds its fence gone");
    assertThatThrownBy(() -> await(CaptureFence.acquire(vertx, db, slot, LEASE)))
        .rootCause().hasMessageContaining("another capture holds slot");
    await(next.release());
  }
}
