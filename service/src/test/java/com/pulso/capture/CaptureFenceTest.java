package com.pulso.capture;

import static com.pulso.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.pulso.config.PulsoConfig;
import com.pulso.testing.TestServices;
import io.vertx.core.Vertx;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CaptureFenceTest {

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    await(vertx.close());
  }

  @Test
  void onlyOneCaptureHoldsASlotUntilItReleasesIt() throws Exception {
    PulsoConfig.Database db = TestServices.config().database();
    String slot = "fence_" + UUID.randomUUID().toString().replace("-", "");

    CaptureFence first = await(CaptureFence.acquire(vertx, db, slot));
    assertThatThrownBy(() -> await(CaptureFence.acquire(vertx, db, slot)))
        .hasRootCauseMessage("another capture holds slot " + slot + " (advisory lock taken): not capturing here");
    CaptureFence otherSlot = await(CaptureFence.acquire(vertx, db, slot + "_other"));
    await(first.check());

    await(first.release());
    CaptureFence second = await(CaptureFence.acquire(vertx, db, slot));
    assertThat(second).isNotNull();
    await(second.release());
    await(otherSlot.release());
  }
}
