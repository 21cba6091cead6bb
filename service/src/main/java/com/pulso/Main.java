package com.pulso;

import ch.qos.logback.classic.LoggerContext;
import com.pulso.api.ApiKeys;
import com.pulso.api.ApiVerticle;
import com.pulso.aws.AwsClients;
import com.pulso.aws.AwsResources;
import com.pulso.capture.CaptureVerticle;
import com.pulso.cluster.ClusterSetup;
import com.pulso.batch.BatchOrchestrator;
import com.pulso.alerts.AlertEvaluator;
import com.pulso.alerts.SignalSampler;
import com.pulso.cluster.ClusterSingleton;
import com.pulso.config.ConfigException;
import com.pulso.config.ConfigLoader;
import com.pulso.config.PulsoConfig;
import com.pulso.db.Migrations;
import com.pulso.db.Postgres;
import com.pulso.devservices.DemoData;
import com.pulso.devservices.DemoSalesVerticle;
import com.pulso.devservices.DevServices;
import com.pulso.observability.CloudWatchMetrics;
import com.pulso.observability.EventLoopDelayProbe;
import com.pulso.observability.Metrics;
import com.pulso.observability.Readiness;
import com.pulso.stream.ConsumerVerticle;
import io.micrometer.core.instrument.Gauge;
import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.sqlclient.Pool;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * A Pulso member: the one place where the server is wired together at deploy time.
 *
 * <p>Start: configuration (a bad value exits 2 naming the key), dev services in the local profile,
 * schema migrations, demo data, the clustered Vert.x instance, AWS clients and resources, then the
 * verticles. SIGTERM/SIGINT stop it in order — stop accepting and drain HTTP, undeploy, leave the
 * cluster, close clients, stop dev services — and the process exits 0. Any start failure exits 1.
 */
public final class Main {

  private static final long STEP_TIMEOUT_SECONDS = 120;
  private static final int KEY_POOL_SIZE = 2;

  private final PulsoConfig config;
  private final Logger log = LoggerFactory.getLogger(Main.class);
  private final Metrics metrics = new Metrics();
  private final Readiness readiness = new Readiness();
  /** Set by SIGTERM/SIGINT; start() checks it between steps and gives up. */
  private volatile boolean stopRequested;
  private final CountDownLatch startFinished = new CountDownLatch(1);
  private DevServices devServices;
  private Vertx vertx;
  private AwsClients aws;
  private final Deque<String> deployments = new ArrayDeque<>();
  private boolean stopped;

  private Main(PulsoConfig config) {
    this.config = config;
  }

  public static void main(String[] args) {
    Map<String, String> env = System.getenv();
    PulsoConfig config;
    try {
      config = ConfigLoader.load(ConfigLoader.confDir(env), env);
    } catch (ConfigException e) {
      System.err.println("Pulso cannot start, configuration error: " + e.getMessage());
      System.exit(2);
      return;
    }
    // Before the first logger exists: JSON lines on AWS, readable text elsewhere.
    if (Main.class.getResource("/logback-" + config.profile() + ".xml") != null) {
      System.setProperty("logback.configurationFile", "logback-" + config.profile() + ".xml");
    }

    Main member = new Main(config);
    Runnable stopAndExit = () -> {
      // A signal during start: let start() reach its next step and give up, then stop what it started.
      member.stopRequested = true;
      awaitQuietly(member.startFinished);
      member.stop();
      System.exit(0);
    };
    Signal.handle(new Signal("TERM"), signal -> new Thread(stopAndExit, "pulso-shutdown").start());
    Signal.handle(new Signal("INT"), signal -> new Thread(stopAndExit, "pulso-shutdown").start());
    // Any other way out of the JVM still releases what it can (dev services above all).
    Runtime.getRuntime().addShutdownHook(new Thread(member::stop, "pulso-shutdown-hook"));

    try {
      member.start();
    } catch (Exception e) {
      if (!member.stopRequested) {
        member.log.error("Pulso failed to start: {}", e.getMessage(), e);
        member.stop();
        System.exit(1);
      }
    } finally {
      member.startFinished.countDown();
    }
  }

  /** The keys of the configuration (api.adminKey, api.demoKeys), stored when missing. */
  private Future<Void> configuredKeys(ApiKeys keys) {
    List<Future<Void>> stored = new ArrayList<>();
    if (!config.api().adminKey().isEmpty()) {
      stored.add(keys.ensure(config.api().adminKey(), null));
    }
    config.api().demoKeys().forEach((provider, key) -> stored.add(keys.ensure(key, provider)));
    return Future.all(stored).mapEmpty();
  }

  private void start() throws Exception {
    long begin = System.nanoTime();
    log.info("Pulso starting, profile {}", config.profile());
    if (config.devServices().enabled()) {
      devServices = DevServices.start(config);
    }
    checkpoint();
    Migrations.migrate(config);
    if (config.demo().enabled()) {
      DemoData.seed(config);
    }
    checkpoint();

    VertxOptions options = new VertxOptions();
    vertx = await(ClusterSetup.join(config.cluster(), options, metrics.instrument(Vertx.builder(), options)));
    Gauge.builder("pulso.cluster.members", ClusterSetup.hazelcast(vertx), hazelcast -> hazelcast.getCluster()
            .getMembers().size())
        .description("Members this member sees in its cluster: fewer than deployed is a member gone, or a partition")
        .register(metrics.registry());
    checkpoint();
    Pool pool = Postgres.pool(vertx, config.database());
    aws = new AwsClients(vertx, config, metrics.registry());
    aws.resolveCredentials(); // here, on this thread: never the first time on an event loop
    AwsResources resources = new AwsResources(vertx, aws, config);
    if (config.aws().manageResources()) {
      await(resources.createIfMissing());
    }
    checkpoint();

    readiness
        .probe("postgresql", () -> pool.query("SELECT 1").execute())
        .probe("kinesis", resources::kinesisReady)
        .probe("dynamodb", resources::dynamoDbReady)
        .probe("s3", resources::s3Ready)
        .probe("cluster", () -> ClusterSetup.hazelcast(vertx).getLifecycleService().isRunning()
            ? Future.succeededFuture() : Future.failedFuture("not a member of cluster " + config.cluster().name()));

    deploy(() -> new EventLoopDelayProbe(metrics.registry()),
        new DeploymentOptions().setInstances(options.getEventLoopPoolSize()));
    // Real time: one capture for the cluster, shards consumed on every member.
    deploy(() -> new ClusterSingleton("capture", () -> new CaptureVerticle(config, pool, aws, metrics.registry()),
        new DeploymentOptions()), new DeploymentOptions());
    deploy(() -> new ConsumerVerticle(aws, config, metrics.registry()), new DeploymentOptions());
    if (config.demo().enabled() && config.demo().rate() > 0) {
      // One generator for the whole cluster: the configured rate is the shops' rate, not per member.
      deploy(() -> new ClusterSingleton("demo-sales", () -> new DemoSalesVerticle(config, pool, metrics.registry()), new DeploymentOptions()),
          new DeploymentOptions());
    }
    if (config.batch().enabled()) {
      // Batch: one leader schedules, runs and checks the nightly reports.
      deploy(() -> new ClusterSingleton("batch", () -> BatchOrchestrator.of(vertx, config, pool, aws, metrics.registry()),
          new DeploymentOptions()), new DeploymentOptions());
    }
    if (config.alerts().enabled()) {
      // Alerts: every member samples its signals, one judges the rules for the cluster and notifies.
      deploy(() -> new SignalSampler(config.alerts(), metrics.registry(), Clock.systemUTC()), new DeploymentOptions());
      deploy(() -> new ClusterSingleton("alerts", () -> new AlertEvaluator(config, pool, aws, Clock.systemUTC()),
          new DeploymentOptions()), new DeploymentOptions());
    }
    if (config.cloudWatch().enabled()) {
      deploy(() -> new CloudWatchMetrics(config.cloudWatch(), metrics.registry(), aws, Clock.systemUTC()),
          new DeploymentOptions());
    }
    // Keys on a pool of their own: a flood of made-up keys must not take the capture's connections.
    ApiKeys keys = new ApiKeys(Postgres.pool(vertx, config.database(), KEY_POOL_SIZE),
        config.api().unauthenticated().keyLookupsPerSecond());
    await(configuredKeys(keys));
    // Last in, so first out: HTTP stops (and drains) before what answers it.
    deploy(() -> new ApiVerticle(config, pool, aws, keys, readiness, metrics.registry()), new DeploymentOptions());

    List<String> lines = new ArrayList<>();
    lines.add("HTTP        http://" + config.http().host() + ":" + config.http().port()
        + "  (/dashboard, /docs, /v1); operators: http://" + config.http().host() + ":"
        + config.http().managementPort() + "  (/health/ready, /metrics)");
    lines.add("Cluster     " + config.cluster().name() + " " + config.cluster().host() + ":" + config.cluster().port()
        + ", " + ClusterSetup.hazelcast(vertx).getCluster().getMembers().size() + " member(s)");
    if (devServices != null) {
      lines.addAll(devServices.summary());
    }
    if (config.demo().enabled()) {
      lines.add("Demo        " + config.demo().rate() + " live sales/s into " + config.source().salesTable());
    }
    if ("local".equals(config.profile())) {
      // Local demo keys only: a production key is never printed.
      String base = "http://127.0.0.1:" + config.http().port();
      if (!config.api().adminKey().isEmpty()) {
        lines.add("Admin key   " + config.api().adminKey());
      }
      config.api().demoKeys().forEach((provider, key) -> lines.add("Provider " + provider + "  curl -H '"
          + ApiKeys.HEADER + ": " + key + "' '" + base + "/v1/providers/" + provider + "/daily-sales?date="
          + java.time.LocalDate.now(config.businessZone()) + "'"));
    }
    log.info("Pulso ready in {} ms:\n  {}", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin),
        String.join("\n  ", lines));
  }

  private void deploy(Supplier<? extends Deployable> verticle, DeploymentOptions options) throws Exception {
    deployments.push(await(vertx.deployVerticle(verticle, options)));
  }

  private void checkpoint() {
    if (stopRequested) {
      throw new IllegalStateException("start abandoned: stop requested");
    }
  }

  /**
   * Idempotent: the signal handler and the JVM shutdown hook may both call it. In order: answer
   * not-ready for {@code http.preStopSeconds}, undeploy in reverse (HTTP drains first, singletons
   * hand over), close the clients the verticles used, leave the cluster, stop dev services.
   */
  private synchronized void stop() {
    if (stopped) {
      return;
    }
    stopped = true;
    log.info("Pulso stopping");
    readiness.drain();
    if (vertx != null) {
      quietly("waiting for load balancers", () -> Thread.sleep(config.http().preStop().toMillis()));
      while (!deployments.isEmpty()) {
        String deployment = deployments.pop();
        quietly("undeploying " + deployment, () -> await(vertx.undeploy(deployment)));
      }
    }
    if (aws != null) {
      quietly("closing AWS clients", aws::close);
    }
    if (vertx != null) {
      quietly("leaving the cluster", () -> await(vertx.close()));
    }
    if (devServices != null) {
      quietly("stopping dev services", devServices::close);
    }
    log.info("Pulso stopped");
    // Last: the access log's queue and buffer are written out before the JVM exits.
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext logging) {
      logging.stop();
    }
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void quietly(String what, ThrowingRunnable step) {
    try {
      step.run();
    } catch (Exception e) {
      log.warn("While {}: {}", what, e.toString());
    }
  }

  private interface ThrowingRunnable {
    void run() throws Exception;
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(STEP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
  }
}
