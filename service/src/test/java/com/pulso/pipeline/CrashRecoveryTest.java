package com.pulso.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.pulso.testing.Await;
import com.pulso.testing.SalesWorkload;
import com.pulso.testing.ServerJvm;
import com.pulso.testing.ServerPipeline;
import com.pulso.testing.TestPorts;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server JVM is SIGKILLed three times while sales, corrections and voids pour into the source,
 * and started again each time: capture and consumers die mid-work (PostgreSQL and the emulators live
 * on in the test JVM), and once the workload is over every DynamoDB figure equals SQL to the cent.
 */
class CrashRecoveryTest {

  private static final int HTTP_PORT = TestPorts.port(28090);
  private static final int CLUSTER_PORT = TestPorts.port(25810);
  private static final int SALES = 30_000;
  private static final int KILLS = 3;
  /** Sales per run of the workload; kill k comes once k quarters of the sales are committed (and some applied). */
  private static final int SLICE = 500;
  private static final int SALES_BETWEEN_KILLS = SALES / (KILLS + 1);
  /** A pause between runs: the workload outlasts the restarts, so sales are usually being written when the server dies. */
  private static final long PAUSE_MILLIS = 400;
  /** How far the workload may run past a kill's mark before that kill happened: it never ends before the kills. */
  private static final int AHEAD_OF_KILLS = 5_000;

  private ServerPipeline pipeline;

  @BeforeEach
  void freshPipeline() throws Exception {
    pipeline = ServerPipeline.create();
  }

  @AfterEach
  void stopServerAndDropSlotAndStream() throws Exception {
    pipeline.close();
  }

  @Test
  void figuresAreExactAfterTheServerIsKilledThreeTimesMidWorkload(@TempDir Path dir) throws Exception {
    ServerJvm server = pipeline.startServer(dir.resolve("server.log"), HTTP_PORT, CLUSTER_PORT, Map.of());
    pipeline.awaitCaptureStreaming();
    LocalDate firstDay = LocalDate.now(pipeline.config().businessZone()).minusDays(1);

    AtomicInteger committed = new AtomicInteger();
    AtomicInteger kills = new AtomicInteger();
    AtomicReference<Throwable> workloadFailure = new AtomicReference<>();
    Thread workload = new Thread(() -> {
      try {
        for (int slice = 0; committed.get() < SALES; slice++) {
          // Never far ahead of the kills: each kill must land while sales are still coming.
          while (committed.get() >= (kills.get() + 1) * SALES_BETWEEN_KILLS + AHEAD_OF_KILLS && kills.get() < KILLS) {
            Thread.sleep(50);
          }
          SalesWorkload.run(pipeline.config(), firstDay, SLICE, 3, 20261130L + slice);
          committed.addAndGet(SLICE);
          Thread.sleep(PAUSE_MILLIS);
        }
      } catch (Throwable e) {
        workloadFailure.set(e);
      }
    }, "crash-workload");
    workload.start();

    for (int kill = 1; kill <= KILLS; kill++) {
      int mark = kill * SALES_BETWEEN_KILLS;
      // Kill only a server that is applying changes: capture and consumers are mid-work.
      Await.waitUntil(() -> committed.get() >= mark && server.appliedChanges() > 0 || workloadFailure.get() != null,
          Duration.ofSeconds(180), () -> "workload past " + mark + " sales (at " + committed.get()
              + ") and the server applying changes; log:\n" + server.tail());
      assertThat(workloadFailure.get()).as("workload failure").isNull();
      long applied = server.appliedChanges();
      server.kill();
      System.out.printf("kill %d: %,d sales committed, %,d changes applied by the killed JVM%n", kill, committed.get(),
          applied);
      assertThat(committed.get()).as("sales committed at kill %d", kill).isLessThan(SALES);
      kills.incrementAndGet();
      server.restart();
      server.awaitReady(Duration.ofSeconds(180));
    }

    workload.join(TimeUnit.MINUTES.toMillis(3));
    assertThat(workload.isAlive()).as("workload finished").isFalse();
    assertThat(workloadFailure.get()).as("workload failure").isNull();
    assertThat(pipeline.count("SELECT count(*) FROM ventas")).as("some sales were voided").isLessThan(SALES);

    pipeline.awaitFiguresEqualGroundTruth(SalesWorkload.days(firstDay), Duration.ofSeconds(180));
    assertThat(server.isAlive()).as("server alive; log:%n%s", server.tail()).isTrue();
    assertThat(server.log().lines().filter(line -> line.contains("Pulso ready")))
        .as("the server came up once and after every kill").hasSize(KILLS + 1);
  }
}
