package com.pulso.devservices;

import com.pulso.config.ConfigException;
import com.pulso.config.Loopback;
import com.pulso.config.PulsoConfig;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything the local profile and the tests need on loopback, in place of AWS and RDS: embedded
 * PostgreSQL, the Kinesis and DynamoDB emulators and S3, on the ports of {@code database.port} and
 * {@code aws.endpoints.*}. Blocking: call it before Vert.x starts or from a worker thread. Every one of
 * those hosts must be loopback by {@link Loopback#isLoopback}, the rule that also gives an AWS
 * endpoint the emulator credentials: real AWS and RDS never get here. The aws profile cannot enable
 * dev services ({@code PulsoConfig} refuses {@code devServices.enabled} there), and its real endpoints
 * would fail that check anyway.
 */
public final class DevServices implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(DevServices.class);

  private final EmbeddedDatabase database;
  private final Emulators emulators;
  private final S3Server s3;
  private final List<String> summary;

  private DevServices(EmbeddedDatabase database, Emulators emulators, S3Server s3, List<String> summary) {
    this.database = database;
    this.emulators = emulators;
    this.s3 = s3;
    this.summary = summary;
  }

  /** Starts the three services (concurrently: PostgreSQL's and node's cold starts dominate) and returns once all answer. */
  public static DevServices start(PulsoConfig config) {
    requireLoopback(config.database().host(), "database.host");
    int kinesisPort = loopbackPort(config.aws().kinesisEndpoint(), "aws.endpoints.kinesis");
    int dynamoDbPort = loopbackPort(config.aws().dynamoDbEndpoint(), "aws.endpoints.dynamodb");
    int s3Port = loopbackPort(config.aws().s3Endpoint(), "aws.endpoints.s3");
    Path dataDir = config.devServices().dataDir();

    CompletableFuture<EmbeddedDatabase> database = startAsync("postgres", () -> EmbeddedDatabase.start(config));
    CompletableFuture<Emulators> emulators = startAsync("emulators",
        () -> Emulators.start(config.devServices().emulatorsDir(), kinesisPort, dynamoDbPort));
    CompletableFuture<S3Server> s3 = startAsync("s3", () -> S3Server.start(s3Port, dataDir.resolve("s3")));
    try {
      CompletableFuture.allOf(database, emulators, s3).join();
    } catch (CompletionException e) {
      RuntimeException failure = new IllegalStateException("dev services did not start: " + e.getCause().getMessage(),
          e.getCause());
      for (CompletableFuture<? extends AutoCloseable> service : List.of(s3, emulators, database)) {
        service.handle((started, error) -> {
          if (started != null) {
            closeInto(started, failure);
          } else if (error != e.getCause()) {
            failure.addSuppressed(error);
          }
          return null;
        }).join();
      }
      throw failure;
    }

    return running(database.join(), emulators.join(), s3.join(), dataDir);
  }

  private static DevServices running(EmbeddedDatabase database, Emulators emulators, S3Server s3, Path dataDir) {
    List<String> summary = List.of(
        "PostgreSQL " + database.serverVersion() + " " + Loopback.ADDRESS + ":" + database.port()
            + " (data " + dataDir.resolve("postgres") + ")",
        "Kinesis " + emulators.kinesisEndpoint() + " (kinesalite)",
        "DynamoDB " + emulators.dynamoDbEndpoint() + " (dynalite)",
        "S3 " + s3.endpoint() + " (s3proxy, objects in " + dataDir.resolve("s3") + ")");
    LOG.info("Dev services running: {}", String.join(", ", summary));
    return new DevServices(database, emulators, s3, summary);
  }

  /** One line per service: what runs where. */
  public List<String> summary() {
    return summary;
  }

  public EmbeddedDatabase database() {
    return database;
  }

  public Emulators emulators() {
    return emulators;
  }

  public S3Server s3() {
    return s3;
  }

  /** Stops S3, the emulators, then PostgreSQL; a failure to stop one does not keep the others running. */
  @Override
  public void close() {
    RuntimeException failure = new IllegalStateException("dev services did not stop cleanly");
    closeInto(s3, failure);
    closeInto(emulators, failure);
    closeInto(database, failure);
    if (failure.getSuppressed().length > 0) {
      throw failure;
    }
    LOG.info("Dev services stopped");
  }

  private static <T> CompletableFuture<T> startAsync(String name, Supplier<T> start) {
    CompletableFuture<T> result = new CompletableFuture<>();
    Thread thread = new Thread(() -> {
      try {
        result.complete(start.get());
      } catch (Throwable e) {
        result.completeExceptionally(e);
      }
    }, "dev-services-" + name);
    thread.setDaemon(true);
    thread.start();
    return result;
  }

  private static void closeInto(AutoCloseable service, RuntimeException failure) {
    try {
      service.close();
    } catch (Exception e) {
      failure.addSuppressed(e);
    }
  }

  static int loopbackPort(URI endpoint, String key) {
    if (endpoint == null || endpoint.getPort() < 0) {
      throw new ConfigException(key + ": dev services need a loopback endpoint with a port, e.g. http://127.0.0.1:4567"
          + " (got " + (endpoint == null ? "none" : "'" + endpoint + "'") + ")");
    }
    requireLoopback(endpoint.getHost(), key);
    return endpoint.getPort();
  }

  private static void requireLoopback(String host, String key) {
    if (!Loopback.isLoopback(host)) {
      throw new ConfigException(key + ": dev services serve loopback only, and '" + host + "' is not localhost"
          + " or a loopback IP literal (names are not resolved); use " + Loopback.ADDRESS);
    }
  }
}
