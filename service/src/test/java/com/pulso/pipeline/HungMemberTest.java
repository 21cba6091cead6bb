package com.pulso.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.pulso.testing.Await;
import com.pulso.testing.ServerJvm;
import com.pulso.testing.ServerPipeline;
import com.pulso.testing.SalesWorkload;
import com.pulso.testing.TestPorts;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two server JVMs in one cluster; the one capturing is frozen (SIGSTOP) for longer than the cluster's
 * failure detection and the capture fence's lease while sales go on, then resumed (SIGCONT). The
 * frozen JVM's database session still holds the fence — its kernel answers for its sockets — so the
 * other member can take over the capture only by ending that session (the lease). The figures end
 * exact, and the resumed member ships nothing more: its fence is gone.
 */
class HungMemberTest {

  private static final int FIRST_CLUSTER_PORT = TestPorts.port(25830);
  private static final int SECOND_CLUSTER_PORT = TestPorts.port(25831);
  private static final int FIRST_HTTP_PORT = TestPorts.port(25832);
  private static final int SECOND_HTTP_PORT = TestPorts.port(25833);
  /** Longer than cluster.maxNoHeartbeatSeconds (5) and capture.fenceLeaseSeconds (10) together. */
  private static final Duration FREEZE = Duration.ofSeconds(25);
  private static final Duration SETTLE = Duration.ofSeconds(180);

  private ServerPipeline pipeline;

  @BeforeEach
  void freshPipeline() throws Exception {
    pipeline = ServerPipeline.create();
  }

  @AfterEach
  void stopServers() throws Exception {
    pipeline.close();
  }

  @Test
  void aFrozenCaptureLosesItsFenceToTheOtherMemberAndShipsNothingOnceResumed(@TempDir Path dir) throws Exception {
    Map<String, String> cluster = Map.of("PULSO_CLUSTER_NAME", "hung-" + FIRST_CLUSTER_PORT,
        "PULSO_CLUSTER_MEMBERS", "127.0.0.1:" + FIRST_CLUSTER_PORT + ",127.0.0.1:" + SECOND_CLUSTER_PORT);
    ServerJvm first = pipeline.startServer(dir.resolve("first.log"), FIRST_HTTP_PORT, FIRST_CLUSTER_PORT, cluster);
    ServerJvm second = pipeline.startServer(dir.resolve("second.log"), SECOND_HTTP_PORT, SECOND_CLUSTER_PORT, cluster);
    pipeline.awaitCaptureStreaming();
    LocalDate firstDay = LocalDate.now(pipeline.config().businessZone()).minusDays(1);
    SalesWorkload.run(pipeline.config(), firstDay, 3_000, 3, 20261205L);
    Await.waitUntil(() -> captures(first) || captures(second), SETTLE, "a member capturing");
    ServerJvm hung = captures(first) ? first : second;
    ServerJvm other = hung == first ? second : first;
    Await.waitUntil(() -> hung.publishedChanges() > 0, SETTLE, "the capturing member shipping");

    hung.freeze();
    Instant frozen = Instant.now();
    try {
      SalesWorkload.run(pipeline.config(), firstDay, 3_000, 3, 20261206L);
      // The other member takes the capture over: after the cluster declares the frozen one dead, and
      // once the fence's session has been silent for a lease, it ends that session.
      Await.waitUntil(() -> captures(other), SETTLE, () -> "the other member capturing; its log:\n" + other.tail());
      assertThat(other.log()).contains("ending that session to take the fence");
      Thread.sleep(Math.max(0, FREEZE.minus(Duration.between(frozen, Instant.now())).toMillis()));
    } finally {
      hung.thaw();
    }
    long shippedWhenResumed = hung.publishedChanges();
    SalesWorkload.run(pipeline.config(), firstDay, 3_000, 3, 20261207L);

    pipeline.awaitFiguresEqualGroundTruth(SalesWorkload.days(firstDay), SETTLE);
    System.out.printf("Frozen for %d s; the other member took the capture over (fence taken after the lease)%n",
        Duration.between(frozen, Instant.now()).toSeconds());
    // Resumed, the old capture ships nothing more: at most the poll it was frozen in, whose changes it had read.
    Thread.sleep(2_000);
    assertThat(hung.publishedChanges() - shippedWhenResumed).as("changes shipped by the resumed member")
        .isLessThanOrEqualTo(pipeline.config().capture().maxChangesPerPoll());
    assertThat(hung.log()).as("the resumed member found its fence gone")
        .containsAnyOf("not renewed", "lost with its connection", "lease may have lapsed");
    for (ServerJvm server : List.of(first, second)) {
      assertThat(server.isAlive()).as("alive; log:%n%s", server.tail()).isTrue();
    }
  }

  /** Whether this JVM's capture has started and runs now (its log's last word on it). */
  private static boolean captures(ServerJvm server) {
    List<String> said = server.log().lines()
        .filter(line -> line.contains("Singleton capture running on this member")
            || line.contains("Singleton capture no longer runs on this member")
            || line.contains("Singleton capture stopping on this member"))
        .toList();
    return !said.isEmpty() && said.get(said.size() - 1).contains("running on this member")
        && server.log().contains("Capture on slot");
  }
}
