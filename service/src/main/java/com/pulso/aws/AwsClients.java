package com.pulso.aws;

import com.pulso.config.Loopback;
import com.pulso.config.PulsoConfig;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.SdkSystemSetting;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.client.builder.SdkAsyncClientBuilder;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.client.config.SdkAdvancedAsyncClientOption;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudwatch.CloudWatchAsyncClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.glue.GlueAsyncClient;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.sns.SnsAsyncClient;

/**
 * The AWS clients of one Pulso member, all on one shared {@link VertxSdkHttpClient}, and the way back
 * from an SDK future to the caller's Vert.x context ({@link #call}). An endpoint on a loopback host is
 * an emulator ({@link Loopback}): it alone gets dummy credentials and the emulator-only protocol
 * settings. Real endpoints use the default credentials chain (IRSA on EKS), refreshed in the
 * background once {@link #resolveCredentials()} has fetched them. Closing this closes every client it built.
 */
public final class AwsClients implements AutoCloseable {

  /**
   * The dummy credentials of the emulators: the clients sign with them, the local S3 checks them.
   * Never sent to a non-loopback endpoint.
   */
  public static final AwsBasicCredentials EMULATOR_CREDENTIALS = AwsBasicCredentials.create("pulso-local", "pulso-local");

  private static final AwsCredentialsProvider EMULATOR_CREDENTIALS_PROVIDER =
      StaticCredentialsProvider.create(EMULATOR_CREDENTIALS);

  private static final Object CBOR_SETTING_LOCK = new Object();

  private final Vertx vertx;
  private final PulsoConfig.Aws config;
  private final VertxSdkHttpClient http;
  private final ScheduledExecutorService sdkScheduler;
  private final AwsCallMetrics callMetrics;
  private final DefaultCredentialsProvider awsCredentials;
  private final KinesisAsyncClient kinesis;
  private final DynamoDbAsyncClient dynamoDb;
  private final S3AsyncClient s3;
  private final S3Presigner s3Presigner;
  private final GlueAsyncClient glue;
  private final SnsAsyncClient sns;
  private final CloudWatchAsyncClient cloudWatch;

  public AwsClients(Vertx vertx, PulsoConfig config, MeterRegistry registry) {
    this.vertx = vertx;
    this.config = config.aws();
    this.callMetrics = new AwsCallMetrics(registry);
    this.http = new VertxSdkHttpClient(vertx, this.config.http());
    this.sdkScheduler = Executors.newScheduledThreadPool(1, daemonThreads("pulso-aws-sdk-scheduler-"));
    // Refreshes happen on an SDK thread ahead of expiry, never on the event loop that makes a call;
    // the first fetch is resolveCredentials()'s, at start.
    this.awsCredentials = DefaultCredentialsProvider.builder().asyncCredentialUpdateEnabled(true).build();
    this.kinesis = buildKinesis();
    this.dynamoDb = configure(DynamoDbAsyncClient.builder(), this.config.dynamoDbEndpoint()).build();
    this.s3 = buildS3();
    this.s3Presigner = buildS3Presigner();
    this.glue = configure(GlueAsyncClient.builder(), this.config.glueEndpoint()).build();
    this.sns = configure(SnsAsyncClient.builder(), this.config.snsEndpoint()).build();
    this.cloudWatch = configure(CloudWatchAsyncClient.builder(), this.config.cloudWatchEndpoint()).build();
  }

  public KinesisAsyncClient kinesis() {
    return kinesis;
  }

  public DynamoDbAsyncClient dynamoDb() {
    return dynamoDb;
  }

  public S3AsyncClient s3() {
    return s3;
  }

  /**
   * Signs S3 download links (no I/O: credentials are refreshed ahead of expiry off the event loop),
   * for the same endpoint, region and addressing as {@link #s3()}.
   */
  public S3Presigner s3Presigner() {
    return s3Presigner;
  }

  /** A PutObject of ours: SSE-KMS with {@code aws.s3.kmsKeyId} when one is configured, the bucket's default otherwise. */
  public PutObjectRequest putObject(String bucket, String key) {
    PutObjectRequest.Builder put = PutObjectRequest.builder().bucket(bucket).key(key);
    if (config.s3Kms()) {
      put.serverSideEncryption(ServerSideEncryption.AWS_KMS).ssekmsKeyId(config.s3KmsKeyId());
    }
    return put.build();
  }

  public GlueAsyncClient glue() {
    return glue;
  }

  public SnsAsyncClient sns() {
    return sns;
  }

  public CloudWatchAsyncClient cloudWatch() {
    return cloudWatch;
  }

  /**
   * Runs an SDK call and completes the returned future on the caller's Vert.x context (the SDK
   * completes its own futures on the AWS HTTP client's thread). Failures arrive unwrapped: the
   * service's exception (e.g. {@code ConditionalCheckFailedException}), not a CompletionException.
   *
   * <pre>{@code clients.call(() -> clients.dynamoDb().updateItem(request)).onSuccess(...)}</pre>
   */
  public <T> Future<T> call(Supplier<? extends CompletionStage<T>> request) {
    Context caller = vertx.getOrCreateContext();
    CompletionStage<T> stage;
    try {
      stage = request.get();
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    Promise<T> promise = Promise.promise();
    stage.whenComplete((value, error) -> caller.runOnContext(v -> {
      if (error == null) {
        promise.complete(value);
      } else {
        promise.fail(unwrap(error));
      }
    }));
    return promise.future();
  }

  /**
   * Fetches the AWS credentials of the real (non-emulator) Kinesis, DynamoDB and S3 endpoints, which
   * every member calls, and does nothing when all three are emulators. Blocking (on EKS an STS
   * web-identity call, or IMDS): call it once at start, off the event loop, before the first AWS call;
   * later refreshes run in the background.
   *
   * @throws IllegalStateException when the default credentials chain finds no credentials
   */
  public void resolveCredentials() {
    if (isEmulator(config.kinesisEndpoint()) && isEmulator(config.dynamoDbEndpoint()) && isEmulator(config.s3Endpoint())) {
      return;
    }
    try {
      awsCredentials.resolveCredentials();
    } catch (SdkClientException e) {
      throw new IllegalStateException("no AWS credentials for region " + config.region() + " (default chain: environment,"
          + " system properties, web identity token (IRSA), profile, container, instance metadata): " + e.getMessage(), e);
    }
  }

  /** An endpoint is an emulator iff its host is loopback by {@link Loopback#isLoopback}. */
  public static boolean isEmulator(URI endpoint) {
    return endpoint != null && Loopback.isLoopback(endpoint.getHost());
  }

  /**
   * Closes the SDK clients, then the shared HTTP client, scheduler and credentials they do not own.
   * Every one is closed even when another fails; the first failure is thrown, the others suppressed in it.
   */
  @Override
  public void close() {
    List<RuntimeException> failures = new ArrayList<>();
    for (AutoCloseable resource : List.<AutoCloseable>of(kinesis, dynamoDb, s3, s3Presigner, glue, sns, cloudWatch, http,
        awsCredentials)) {
      try {
        resource.close();
      } catch (Exception e) {
        failures.add(e instanceof RuntimeException runtime ? runtime : new IllegalStateException(e.getMessage(), e));
      }
    }
    sdkScheduler.shutdownNow();
    if (!failures.isEmpty()) {
      RuntimeException first = failures.get(0);
      failures.subList(1, failures.size()).forEach(first::addSuppressed);
      throw first;
    }
  }

  private KinesisAsyncClient buildKinesis() {
    URI endpoint = config.kinesisEndpoint();
    // kinesalite speaks JSON, not CBOR, and the SDK has no per-client switch: the Kinesis protocol
    // factory reads the JVM-wide setting aws.cborEnabled once, while the client is built. So the
    // property is set only around building a client for an emulator endpoint, then restored; every
    // Kinesis client is built under the lock, so a real endpoint's never sees it switched off.
    synchronized (CBOR_SETTING_LOCK) {
      if (!isEmulator(endpoint)) {
        return configure(KinesisAsyncClient.builder(), endpoint).build();
      }
      String property = SdkSystemSetting.CBOR_ENABLED.property();
      String previous = System.getProperty(property);
      System.setProperty(property, "false");
      try {
        return configure(KinesisAsyncClient.builder(), endpoint).build();
      } finally {
        if (previous == null) {
          System.clearProperty(property);
        } else {
          System.setProperty(property, previous);
        }
      }
    }
  }

  private S3AsyncClient buildS3() {
    URI endpoint = config.s3Endpoint();
    var builder = configure(S3AsyncClient.builder(), endpoint);
    if (isEmulator(endpoint)) {
      // S3 emulators serve buckets by path and do not implement the newer default checksums.
      builder.forcePathStyle(true)
          .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
          .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
    }
    return builder.build();
  }

  private S3Presigner buildS3Presigner() {
    URI endpoint = config.s3Endpoint();
    S3Presigner.Builder builder = S3Presigner.builder()
        .region(Region.of(config.region()))
        .credentialsProvider(isEmulator(endpoint) ? EMULATOR_CREDENTIALS_PROVIDER : awsCredentials)
        .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(isEmulator(endpoint)).build());
    if (endpoint != null) {
      builder.endpointOverride(endpoint);
    }
    return builder.build();
  }

  private <B extends AwsClientBuilder<B, ?> & SdkAsyncClientBuilder<B, ?>> B configure(B builder, URI endpoint) {
    PulsoConfig.AwsHttp limits = config.http();
    builder.region(Region.of(config.region()))
        .credentialsProvider(isEmulator(endpoint) ? EMULATOR_CREDENTIALS_PROVIDER : awsCredentials)
        .httpClient(http) // a built client: the SDK leaves closing it to us
        .asyncConfiguration(async -> async
            // The SDK would hop to its own executor; our call() hops to the caller's context anyway.
            .advancedOption(SdkAdvancedAsyncClientOption.FUTURE_COMPLETION_EXECUTOR, Runnable::run))
        .overrideConfiguration(ClientOverrideConfiguration.builder()
            .retryStrategy(AwsRetryStrategy.standardRetryStrategy().toBuilder()
                .maxAttempts(limits.maxRetries() + 1)
                .build())
            // No per-attempt timeout: a stuck attempt ends at the HTTP client's read (idle) timeout and
            // is retried, while a large transfer that keeps moving is bounded only by the whole call's.
            .apiCallTimeout(limits.apiCallTimeout())
            .addMetricPublisher(callMetrics)
            .scheduledExecutorService(sdkScheduler)
            .build());
    if (endpoint != null) {
      builder.endpointOverride(endpoint);
    }
    return builder;
  }

  private static Throwable unwrap(Throwable error) {
    Throwable cause = error;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }

  private static ThreadFactory daemonThreads(String prefix) {
    AtomicInteger count = new AtomicInteger();
    return task -> {
      Thread thread = new Thread(task, prefix + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }
}
