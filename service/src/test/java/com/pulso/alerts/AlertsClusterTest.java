package com.pulso.alerts;

import static com.pulso.testing.Await.await;
import static com.pulso.testing.Await.waitUntil;
import static org.assertj.core.api.Assertions.assertThat;

import com.pulso.aws.AwsClients;
import com.pulso.cluster.ClusterSetup;
import com.pulso.cluster.ClusterSingleton;
import com.pulso.config.ConfigLoader;
import com.pulso.config.PulsoConfig;
import com.pulso.config.PulsoConfig.AlertRule;
import com.pulso.db.FreshDatabase;
import com.pulso.db.Migrations;
import com.pulso.db.Postgres;
import com.pulso.observability.Metrics;
import com.pulso.testing.SnsStub;
import com.pulso.testing.TestServices;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.sqlclient.Pool;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The alerts of a cluster of two members, each with its own meters: one voice (a signal on one member, or
 * spread over both, is judged once, on the cluster's figures), and a failover of the evaluating member that
 * neither re-sends a firing alert nor forgets it.
 */
class AlertsClusterTest {

  private static final Duration WAIT = Duration.ofSeconds(60);

  /** A member: its Vert.x in the cluster, its meters, and the lag of "its" shard. */
  private record Member(Vertx vertx, AwsClients aws, Pool pool, MeterRegistry registry, AtomicLong lag) {}

  private final List<Member> members = new ArrayList<>();
  private SnsStub sns;

  @BeforeEach
  void twoMembers() throws Exception {
    sns = new SnsStub();
    TestServices.config();
    Map<String, String> env = new HashMap<>(TestServices.env());
    env.put(ConfigLoader.envName("cluster.name"), "alerts-" + UUID.randomUUID().toString().substring(0, 8));
    env.put(ConfigLoader.envName("aws.endpoints.sns"), sns.endpoint());
    List<Integer> ports = List.of(freePort(), freePort());
    env.put(ConfigLoader.envName("cluster.members"), "127.0.0.1:" + ports.get(0) + ",127.0.0.1:" + ports.get(1));
    PulsoConfig database = null;
    for (int port : ports) {
      env.put(ConfigLoader.envName("cluster.port"), String.valueOf(port));
      PulsoConfig config = ConfigLoader.load(TestServices.home().resolve("conf"), env);
      if (database == null) {
        database = FreshDatabase.create(config, false);
        Migrations.migrate(database);
      }
      config = config.withDatabase(database.database()).withAlerts(alerts());
      members.add(join(config));
    }
  }

  private static PulsoConfig.Alerts alerts() {
    return new PulsoConfig.Alerts(true, "arn:aws:sns:us-east-1:123456789012:pulso-test-alerts", "",
        Duration.ofHours(1), Duration.ofHours(1), Duration.ofMillis(250), Duration.ofHours(1),
        new PulsoConfig.BusinessHours(EnumSet.allOf(DayOfWeek.class), LocalTime.MIN, LocalTime.MAX),
        List.of(new AlertRule("consumerLag", Signal.CONSUMER_LAG, true, 60, Duration.ZERO, Duration.ofSeconds(1),
                Duration.ofSeconds(1), "critical"),
            new AlertRule("apiErrors", Signal.API_ERROR_RATIO, true, 0.3, Duration.ofSeconds(30), Duration.ZERO,
                Duration.ofSeconds(1), "critical")));
  }

  private static Member join(PulsoConfig config) throws Exception {
    Vertx vertx = await(ClusterSetup.join(config.cluster(), new VertxOptions(), Vertx.builder()));
    MeterRegistry registry = new Metrics().registry();
    AwsClients aws = new AwsClients(vertx, config, registry);
    Pool pool = Postgres.pool(vertx, config.database());
    AtomicLong lag = new AtomicLong();
    Gauge.builder("pulso.stream.consume.lag", lag, AtomicLong::get)
        .tags("stream", "s", "shard", "shardId-" + config.cluster().port()).register(registry);
    await(vertx.deployVerticle(new SignalSampler(config.alerts(), registry, Clock.systemUTC())));
    await(vertx.deployVerticle(new ClusterSingleton("alerts", () -> new AlertEvaluator(config, pool, aws,
        Clock.systemUTC()), new DeploymentOptions())));
    return new Member(vertx, aws, pool, registry, lag);
  }

  @AfterEach
  void leave() throws Exception {
    for (Member member : members) {
      member.aws().close();
      await(member.vertx().close());
    }
    sns.close();
  }

  private static void answers(Member member, String status, int count) {
    Timer answers = Timer.builder("pulso.api.requests").tags("route", "/v1/x", "method", "GET", "status", status)
        .register(member.registry());
    for (int i = 0; i < count; i++) {
      answers.record(5, TimeUnit.MILLISECONDS);
    }
  }

  @Test
  void aSignalOnOneMemberIsNotifiedOnceAndAFailoverOfTheEvaluatorNeitherResendsNorForgetsIt() throws Exception {
    Member first = members.get(0);
    Member second = members.get(1);
    second.lag().set(90_000);

    waitUntil(() -> sns.about("consumerLag fired").size() == 1, WAIT, "the lag on the second member, notified");
    Thread.sleep(1500);
    assertThat(sns.about("consumerLag fired")).as("one notification for the cluster").hasSize(1);

    // The evaluating member (the oldest: the first) dies; the second takes the judging over.
    ClusterSetup.hazelcast(first.vertx()).getLifecycleService().terminate();
    try {
      await(first.vertx().close());
    } catch (ExecutionException e) {
      // Leaving a cluster it was thrown out of fails: the member is gone, which is the point.
    }
    first.aws().close();
    members.remove(first);
    Thread.sleep(3000);
    assertThat(sns.about("consumerLag fired")).as("the firing alert is not notified again").hasSize(1);

    second.lag().set(0);
    waitUntil(() -> sns.about("consumerLag resolved").size() == 1, WAIT, "the resolution, by the new evaluator");
  }

  @Test
  void answersSpreadOverMembersAreJudgedOnTheirSum() throws Exception {
    // Half of the second member's answers fail (50 %), none of the first's: 25 % for the cluster, under 30 %.
    answers(members.get(0), "200", 20);
    answers(members.get(1), "200", 10);
    answers(members.get(1), "503", 10);
    Thread.sleep(2000);
    assertThat(sns.about("apiErrors")).as("the cluster's ratio, not one member's").isEmpty();

    // Now the first fails too: 20 of 50 answers, 40 %.
    answers(members.get(0), "500", 10);
    waitUntil(() -> sns.about("apiErrors fired").size() == 1, WAIT, "the cluster's 5xx ratio over 30 %");
    assertThat(sns.about("apiErrors fired").get(0).message()).contains("Figure: 0.400");
  }

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
