package com.pulso.pipeline;

import static com.pulso.testing.Await.await;
import static com.pulso.testing.Await.waitUntil;
import static org.assertj.core.api.Assertions.assertThat;

import com.pulso.aws.AwsResources;
import com.pulso.config.ConfigLoader;
import com.pulso.config.PulsoConfig;
import com.pulso.db.FreshDatabase;
import com.pulso.db.Migrations;
import com.pulso.db.Postgres;
import com.pulso.stream.TestStreams;
import com.pulso.testing.ExactFigures;
import com.pulso.testing.PipelineMember;
import com.pulso.testing.SalesWorkload;
import com.pulso.testing.SourceSql;
import com.pulso.testing.TestServices;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two clustered members in one JVM, each wired as {@code Main} wires a member: the capture runs on
 * exactly one; when that one dies mid-run, the other captures within the bound and reads every
 * shard, and the figures stay exactly the SQL ground truth.
 */
class TwoMembersFailoverTest {

  /** The bound: a dead member's capture and shards are taken over within 10 s. */
  private static final Duration TAKE_OVER = Duration.ofSeconds(10);
  private static final Duration SETTLE = Duration.ofSeconds(60);
  private static final List<Integer> PROVIDERS = List.of(1, 2, 3);
  private static final int SHARDS = 4;

  private final List<PipelineMember> members = new ArrayList<>();
  private PulsoConfig config;

  @BeforeEach
  void twoMembersOnAFreshSourceStreamAndTable() throws Exception {
    TestServices.config();
    String unique = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    Map<String, String> env = PipelineMember.isolatedEnv(unique);
    List<Integer> ports = List.of(freePort(), freePort());
    env.put(ConfigLoader.envName("cluster.members"), "127.0.0.1:" + ports.get(0) + ",127.0.0.1:" + ports.get(1));
    List<PulsoConfig> configs = new ArrayList<>();
    for (int port : ports) {
      env.put(ConfigLoader.envName("cluster.port"), String.valueOf(port));
      configs.add(ConfigLoader.load(TestServices.home().resolve("conf"), env));
    }
    config = FreshDatabase.create(configs.get(0), true);
    Migrations.migrate(config);
    SalesWorkload.createProviders(config);

    PipelineMember first = PipelineMember.join(config);
    members.add(first);
    TestStreams.create(first.clients(), config.aws().kinesisStream(), SHARDS);
    await(new AwsResources(first.vertx(), first.clients(), config).createTableIfMissing());
    first.deployPipeline(config);
    PipelineMember second = PipelineMember.join(configs.get(1).withDatabase(config.database()));
    members.add(second);
    second.deployPipeline(config);
  }

  @AfterEach
  void leaveAndDropSlotAndStream() throws Exception {
    for (PipelineMember member : members) {
      member.undeploy();
    }
    TestStreams.delete(members.get(0).clients(), config.aws().kinesisStream());
    for (PipelineMember member : members) {
      member.close();
    }
    try (Connection c = Postgres.connect(config.database()); Statement st = c.createStatement()) {
      st.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '"
          + config.capture().slotName() + "'");
    }
  }

  @Test
  void theOtherMemberCapturesAndReadsEveryShardWhenTheCapturingOneDiesAndFiguresStayExact() throws Exception {
    LocalDate firstDay = LocalDate.now(config.businessZone()).minusDays(1);
    waitUntil(() -> capturing() == 1, SETTLE, "exactly one member captures");
    waitUntil(() -> members.stream().allMatch(m -> !m.ownedShards().isEmpty()) && allShardsOwned(members),
        SETTLE, () -> "both members read shards, every shard read once: " + owners());

    CompletableFuture<Void> sales = CompletableFuture.runAsync(() -> workload(firstDay, 12_000, 1L));
    waitUntil(() -> count("SELECT count(*) FROM ventas") >= 2_000 || sales.isDone(), SETTLE, "the workload under way");
    PipelineMember leader = members.stream().filter(PipelineMember::captures).findFirst().orElseThrow();
    assertThat(members.stream().filter(PipelineMember::captures)).as("exactly one member captures").hasSize(1);
    Instant killed = Instant.now();
    leader.kill();
    members.remove(leader);
    PipelineMember survivor = members.get(0);

    waitUntil(survivor::captures, sinceTheKill(killed), "the surviving member captures");
    waitUntil(() -> allShardsOwnedBy(survivor), sinceTheKill(killed),
        () -> "the surviving member reads every shard: " + owners());
    sales.get(SETTLE.toSeconds(), TimeUnit.SECONDS);
    // Sales only the new leader can have captured.
    workload(firstDay, 4_000, 2L);

    ExactFigures.awaitGroundTruth(config, survivor.clients(), PROVIDERS, SalesWorkload.days(firstDay),
        Duration.ofSeconds(120));
    assertThat(survivor.captures()).isTrue();
  }

  /** What is left of the take-over bound, counted from the moment the member was killed. */
  private static Duration sinceTheKill(Instant killed) {
    return TAKE_OVER.minus(Duration.between(killed, Instant.now()));
  }

  private long capturing() {
    return members.stream().filter(PipelineMember::captures).count();
  }

  private boolean allShardsOwned(List<PipelineMember> owners) {
    List<String> owned = new ArrayList<>();
    owners.forEach(m -> owned.addAll(m.ownedShards()));
    return owned.size() == SHARDS && new HashSet<>(owned).size() == SHARDS;
  }

  private boolean allShardsOwnedBy(PipelineMember member) {
    return allShardsOwned(List.of(member));
  }

  private String owners() {
    List<Set<String>> owned = new ArrayList<>();
    members.forEach(m -> owned.add(m.ownedShards()));
    return owned.toString();
  }

  private void workload(LocalDate firstDay, int sales, long seed) {
    try {
      SalesWorkload.run(config, firstDay, sales, 3, 20261129L * 10 + seed);
    } catch (Exception e) {
      throw new IllegalStateException("the sales workload failed", e);
    }
  }

  private long count(String sql) {
    return SourceSql.count(config.database(), sql);
  }

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
