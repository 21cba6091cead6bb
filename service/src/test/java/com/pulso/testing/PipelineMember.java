package com.pulso.testing;

import static com.pulso.testing.Await.await;

import com.pulso.aws.AwsClients;
import com.pulso.aws.AwsResources;
import com.pulso.capture.CaptureVerticle;
import com.pulso.cluster.ClusterSetup;
import com.pulso.cluster.ClusterSingleton;
import com.pulso.config.ConfigLoader;
import com.pulso.config.PulsoConfig;
import com.pulso.db.Migrations;
import com.pulso.db.Postgres;
import com.pulso.observability.Metrics;
import com.pulso.stream.ConsumerVerticle;
import com.pulso.stream.TestStreams;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;

/**
 * One cluster member of a test, wired for the real-time pipeline as {@code Main} wires it: the capture
 * in a {@link ClusterSingleton}, a {@link ConsumerVerticle} for this member's shards.
 */
public final class PipelineMember implements AutoCloseable {

  private final Vertx vertx;
  private final AwsClients clients;
  /** The server's own registry: its histograms are the ones the alerts and CloudWatch read. */
  private final PrometheusMeterRegistry registry;
  private ClusterSingleton capture;
  private ConsumerVerticle consumer;

  private PipelineMember(Vertx vertx, AwsClients clients, PrometheusMeterRegistry registry) {
    this.vertx = vertx;
    this.clients = clients;
    this.registry = registry;
  }

  /**
   * The test services' environment with names of the test's own: slot, publication, stream, table
   * and cluster, so that nothing another test left behind is seen.
   */
  public static Map<String, String> isolatedEnv(String unique) {
    Map<String, String> env = new HashMap<>(TestServices.env());
    env.put(ConfigLoader.envName("capture.slotName"), "slot_" + unique);
    env.put(ConfigLoader.envName("capture.publicationName"), "pub_" + unique);
    env.put(ConfigLoader.envName("aws.kinesis.stream"), "pipeline-" + unique);
    env.put(ConfigLoader.envName("aws.dynamodb.table"), "pipeline-" + unique);
    env.put(ConfigLoader.envName("cluster.name"), "pipeline-" + unique);
    return env;
  }

  /** Joins (or forms) the cluster of {@code config}; nothing is deployed yet. */
  public static PipelineMember join(PulsoConfig config) throws Exception {
    Vertx vertx = await(ClusterSetup.join(config.cluster(), new VertxOptions(), Vertx.builder()));
    PrometheusMeterRegistry registry = new Metrics().registry();
    return new PipelineMember(vertx, new AwsClients(vertx, config, registry), registry);
  }

  /**
   * The one member of a test's own pipeline: {@code config}'s fresh database migrated with the
   * providers, the cluster joined, the stream (two shards) and the table created; nothing deployed.
   * {@link #closeAndDropPipeline} ends it.
   */
  public static PipelineMember onFreshPipeline(PulsoConfig config) throws Exception {
    Migrations.migrate(config);
    SalesWorkload.createProviders(config);
    PipelineMember member = join(config);
    TestStreams.create(member.clients, config.aws().kinesisStream(), 2);
    await(new AwsResources(member.vertx, member.clients, config).createTableIfMissing());
    return member;
  }

  /** Undeploys (consumers stop before their stream goes), deletes the stream, leaves, drops the slot. */
  public void closeAndDropPipeline(PulsoConfig config) throws Exception {
    undeploy();
    TestStreams.delete(clients, config.aws().kinesisStream());
    close();
    SourceSql.execute(config.database(), "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
        + " WHERE slot_name = '" + config.capture().slotName() + "'");
  }

  /** Deploys the capture singleton and the shard consumer (the stream and the table must exist). */
  public void deployPipeline(PulsoConfig config) throws Exception {
    var pool = Postgres.pool(vertx, config.database());
    capture = new ClusterSingleton("capture", () -> new CaptureVerticle(config, pool, clients, registry),
        new DeploymentOptions());
    consumer = new ConsumerVerticle(clients, config, registry);
    await(vertx.deployVerticle(capture));
    await(vertx.deployVerticle(consumer));
  }

  public Vertx vertx() {
    return vertx;
  }

  public AwsClients clients() {
    return clients;
  }

  /** The meters of this member's pipeline and AWS calls. */
  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** Whether the cluster's capture runs on this member now. */
  public boolean captures() {
    return capture != null && capture.isRunningHere();
  }

  /** The shards this member's consumer reads now. */
  public Set<String> ownedShards() {
    return consumer == null ? Set.of() : consumer.ownedShards();
  }

  /**
   * Dies without a goodbye: its Hazelcast is terminated, as when the process crashes, then what is
   * left of its Vert.x is closed (its sockets, PostgreSQL's included, go away as a dead process's do).
   */
  public void kill() throws Exception {
    ClusterSetup.hazelcast(vertx).getLifecycleService().terminate();
    try {
      await(vertx.close());
    } catch (ExecutionException e) {
      // Leaving a cluster it was already thrown out of fails: the member is gone, which is the point.
    }
    clients.close();
  }

  /** Undeploys everything (the capture hands over); the member stays in the cluster. */
  public void undeploy() throws Exception {
    for (String deployment : List.copyOf(vertx.deploymentIDs())) {
      // A singleton's verticle is its child: undeploying the singleton may have taken it already.
      if (vertx.deploymentIDs().contains(deployment)) {
        await(vertx.undeploy(deployment));
      }
    }
  }

  /** Leaves in order: undeploys, closes the clients, leaves the cluster. */
  @Override
  public void close() throws Exception {
    undeploy();
    clients.close();
    await(vertx.close());
  }
}
