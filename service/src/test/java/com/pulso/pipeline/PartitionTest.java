package com.pulso.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.pulso.config.PulsoConfig;
import com.pulso.testing.Await;
import com.pulso.testing.SalesWorkload;
import com.pulso.testing.ServerJvm;
import com.pulso.testing.ServerPipeline;
import com.pulso.testing.TestHosts;
import com.pulso.testing.TestServices;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Three server JVMs on three test hosts (network namespaces on a bridge, {@link TestHosts}), one
 * cluster; while sales go on, one member is cut off from the two others (its packets to and from them
 * dropped) for longer than the cluster's failure detection, then the cut is healed. The isolated
 * member still reaches the database: each side has its capture leader, and the fence lets one of them
 * read the slot — no two captures ship at once. The majority side's API answers throughout, the
 * cluster merges back, and the figures end exact. Then the same with a member that does not capture:
 * its shards are taken over, and nothing is applied twice when it returns. One cluster for both: three
 * server JVMs take a while to start on two cores.
 */
class PartitionTest {

  private static final int CLUSTER_PORT = 5701;
  private static final int HTTP_PORT = 8080;
  private static final String ADMIN = "partition-test-admin-key-0123456789abcdef";
  /** Well past cluster.maxNoHeartbeatSeconds (5): each side declares the other gone. */
  private static final Duration CUT = Duration.ofSeconds(30);
  private static final Duration SETTLE = Duration.ofSeconds(240);

  private ServerPipeline pipeline;
  private TestHosts hosts;
  private final List<ServerJvm> members = new ArrayList<>();

  @BeforeEach
  void threeMembersOnThreeHosts() throws Exception {
    // The members' logs stay after the run: what a partition did is read there.
    Path dir = Files.createDirectories(TestServices.home().resolve("service/target/partition-test"));
    for (int i = 1; i <= 3; i++) {
      Files.deleteIfExists(dir.resolve("member-" + i + ".log"));
    }
    pipeline = ServerPipeline.create();
    PulsoConfig config = pipeline.config();
    hosts = TestHosts.create(3, List.of(config.database().port(), config.aws().kinesisEndpoint().getPort(),
        config.aws().dynamoDbEndpoint().getPort(), config.aws().s3Endpoint().getPort()));
    String addresses = String.join(",", List.of(1, 2, 3).stream()
        .map(i -> TestHosts.address(i) + ":" + CLUSTER_PORT).toList());
    for (int i = 1; i <= 3; i++) {
      Map<String, String> env = new HashMap<>();
      env.put("PULSO_CLUSTER_NAME", "partition");
      env.put("PULSO_CLUSTER_HOST", TestHosts.address(i));
      env.put("PULSO_CLUSTER_MEMBERS", addresses);
      env.put("PULSO_ADMIN_KEY", ADMIN);
      members.add(pipeline.startServer(dir.resolve("member-" + i + ".log"), HTTP_PORT, CLUSTER_PORT, env, hosts, i));
    }
    pipeline.awaitCaptureStreaming();
  }

  @AfterEach
  void removeEverything() throws Exception {
    try {
      pipeline.close();
    } finally {
      hosts.close();
    }
  }

  @Test
  void theCapturingMemberThenAnotherCutOffFromTheOthers() throws Exception {
    LocalDate firstDay = LocalDate.now(pipeline.config().businessZone()).minusDays(1);
    SalesWorkload.run(pipeline.config(), firstDay, 2_000, 3, 20261208L);
    Await.waitUntil(() -> capturing() > 0, SETTLE, "a member capturing");

    // The capturing member: it still reaches the database and keeps its fence; the majority's leader is refused.
    int isolated = capturing();
    Observed observed = cutWhileSelling(isolated, isolated == 1 ? 2 : 1, firstDay, 20261209L);
    pipeline.awaitFiguresEqualGroundTruth(SalesWorkload.days(firstDay), SETTLE);
    System.out.printf("Capturing member %d cut off for %d s: %s%n", isolated, CUT.toSeconds(), observed);
    assertSeen(observed);
    int refused = isolated;
    assertThat(List.of(1, 2, 3).stream().filter(i -> i != refused)
        .anyMatch(i -> members.get(i - 1).log().contains("another capture holds slot")))
        .as("the majority's capture leader refused by the fence the isolated member held").isTrue();
    awaitMerged(observed);

    // A member that does not capture: its shards are taken over; back, it applies nothing twice.
    Await.waitUntil(() -> capturing() > 0, SETTLE, "a member capturing after the merge");
    int capturer = capturing();
    isolated = capturer == 3 ? 2 : 3;
    observed = cutWhileSelling(isolated, capturer, firstDay, 20261210L);
    pipeline.awaitFiguresEqualGroundTruth(SalesWorkload.days(firstDay), SETTLE);
    System.out.printf("Member %d (not capturing) cut off for %d s: %s%n", isolated, CUT.toSeconds(), observed);
    assertSeen(observed);
    awaitMerged(observed);
  }

  private static void assertSeen(Observed observed) {
    assertThat(observed.isolatedAlone).as("the isolated member saw itself alone").isTrue();
    assertThat(observed.majorityOfTwo).as("the majority's member saw two members").isTrue();
    assertThat(observed.twoShipping.get()).as("looks during the cut at which two members' captures shipped").isZero();
    assertThat(observed.apiAnswers.get()).as("API answers on the majority side").isPositive();
    assertThat(observed.apiFailures.get()).as("API answers on the majority side that were not 200: %s",
        observed.lastFailure.get()).isZero();
  }

  /** What was seen every 200 ms while a member was cut off and sales went on, and after the cut healed. */
  private static final class Observed {
    /** Looks during the cut at which two members' captures had shipped since the previous look. */
    final AtomicInteger twoShipping = new AtomicInteger();
    final AtomicBoolean cut = new AtomicBoolean();
    volatile long healedAtNanos;
    /** The cut as the members saw it: the isolated one alone, the majority's member with one other. */
    final AtomicBoolean isolatedAlone = new AtomicBoolean();
    final AtomicBoolean majorityOfTwo = new AtomicBoolean();
    final AtomicInteger apiAnswers = new AtomicInteger();
    final AtomicInteger apiFailures = new AtomicInteger();
    final java.util.concurrent.atomic.AtomicLong slowestMillis = new java.util.concurrent.atomic.AtomicLong();
    final AtomicReference<String> lastFailure = new AtomicReference<>();

    @Override
    public String toString() {
      return apiAnswers + " API answers on the majority side (" + apiFailures + " not 200, the slowest "
          + slowestMillis + " ms), " + twoShipping
          + " looks during the cut with two captures shipping; isolated member alone " + isolatedAlone
          + ", majority of two " + majorityOfTwo;
    }
  }

  private Observed cutWhileSelling(int isolated, int majority, LocalDate firstDay, long seed) throws Exception {
    Observed observed = new Observed();
    AtomicBoolean watching = new AtomicBoolean(true);
    Thread watcher = new Thread(() -> watch(isolated, majority, observed, watching), "partition-watcher");
    watcher.start();
    try {
      hosts.cut(isolated);
      observed.cut.set(true);
      long cutAt = System.nanoTime();
      SalesWorkload.run(pipeline.config(), firstDay, 3_000, 3, seed);
      Thread.sleep(Math.max(0, CUT.toMillis() - (System.nanoTime() - cutAt) / 1_000_000));
      // After the cut, the sides merge: a capture may move, stopping on one member before it starts on
      // another (the fence orders them), which two looks 200 ms apart cannot tell from an overlap.
      observed.cut.set(false);
      hosts.heal(isolated);
      observed.healedAtNanos = System.nanoTime();
      SalesWorkload.run(pipeline.config(), firstDay, 2_000, 3, seed + 100);
    } finally {
      hosts.heal(isolated);
      watching.set(false);
      watcher.join();
    }
    return observed;
  }

  /**
   * Every 200 ms: which members' captures shipped since the last look (two at once would be two
   * captures reading the slot), and one API request on a majority member.
   */
  private void watch(int isolated, int majority, Observed observed, AtomicBoolean watching) {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    URI today = URI.create("http://" + TestHosts.address(majority) + ":" + HTTP_PORT + "/v1/providers/1/daily-sales"
        + "?date=" + LocalDate.now(pipeline.config().businessZone()));
    long[] shipped = new long[members.size()];
    for (int i = 0; i < members.size(); i++) {
      shipped[i] = members.get(i).publishedChanges();
    }
    while (watching.get()) {
      try {
        Thread.sleep(200);
        int shipping = 0;
        for (int i = 0; i < members.size(); i++) {
          long now = members.get(i).publishedChanges();
          // 0: the member did not answer (cut off from the test too? it is not): nothing concluded.
          if (now > shipped[i]) {
            shipping++;
          }
          shipped[i] = Math.max(shipped[i], now);
        }
        if (observed.cut.get()) {
          if (shipping > 1) {
            observed.twoShipping.incrementAndGet();
          }
          observed.isolatedAlone.compareAndSet(false, members.get(isolated - 1).clusterSize() == 1);
          observed.majorityOfTwo.compareAndSet(false, members.get(majority - 1).clusterSize() == 2);
        }
        long asked = System.nanoTime();
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(today).header("X-API-Key", ADMIN)
            .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        observed.slowestMillis.accumulateAndGet((System.nanoTime() - asked) / 1_000_000, Math::max);
        observed.apiAnswers.incrementAndGet();
        if (answer.statusCode() != 200) {
          observed.apiFailures.incrementAndGet();
          observed.lastFailure.set(answer.statusCode() + " " + answer.body());
        }
      } catch (Exception e) {
        observed.apiFailures.incrementAndGet();
        observed.lastFailure.set(e + " at " + java.time.LocalTime.now());
      }
    }
  }

  /** The member (1-based) whose capture runs now, 0 when none (by each one's log: its last word on it). */
  private int capturing() {
    for (int i = 0; i < members.size(); i++) {
      List<String> said = members.get(i).log().lines()
          .filter(line -> line.contains("Singleton capture running on this member")
              || line.contains("Singleton capture no longer runs on this member"))
          .toList();
      if (!said.isEmpty() && said.get(said.size() - 1).contains("running on this member")) {
        return i + 1;
      }
    }
    return 0;
  }

  /** Hazelcast merged the two sides back: every member counts three members again. */
  private void awaitMerged(Observed observed) throws InterruptedException {
    Await.waitUntil(() -> members.stream().allMatch(member -> member.clusterSize() == 3), SETTLE,
        "the cluster merged back");
    System.out.printf("Merged back %d s after the cut healed%n",
        (System.nanoTime() - observed.healedAtNanos) / 1_000_000_000);
  }
}
