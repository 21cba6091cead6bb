package com.pulso.aws;

import com.pulso.config.PulsoConfig;
import com.pulso.report.AwsLayout;
import com.pulso.report.ReportLayout;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.SdkPlugin;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.TableStatus;
import software.amazon.awssdk.services.kinesis.model.KinesisException;
import software.amazon.awssdk.services.kinesis.model.StreamStatus;
import software.amazon.awssdk.services.s3.model.BucketAlreadyExistsException;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;
import software.amazon.awssdk.services.s3.model.BucketLocationConstraint;
import software.amazon.awssdk.services.s3.model.CreateBucketRequest;
import software.amazon.awssdk.services.s3.model.ExpirationStatus;
import software.amazon.awssdk.services.s3.model.LifecycleRule;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;
import software.amazon.awssdk.services.s3.model.Transition;
import software.amazon.awssdk.services.s3.model.TransitionStorageClass;

/**
 * The AWS resources Pulso runs on — the Kinesis stream, the DynamoDB table and the S3 bucket named
 * under {@code aws.*} — created when missing (local profile and tests; on AWS, infrastructure code
 * owns them), and a cheap readiness probe per service for health checks. A probe makes one attempt
 * bounded by {@link #PROBE_TIMEOUT}: it must answer within a health check, and during an outage
 * retried probes would only pile up behind it.
 */
public final class AwsResources {

  /** The table's key attributes; what goes in them is the aggregate package's key scheme. */
  public static final String PARTITION_KEY = AwsLayout.TABLE_PARTITION_KEY;
  public static final String SORT_KEY = AwsLayout.TABLE_SORT_KEY;
  /** Files written on the way to a report (the job's temporary output): expired by the bucket's rules. */
  public static final String STAGING_PREFIX = AwsLayout.STAGING_PREFIX;
  private static final Logger LOG = LoggerFactory.getLogger(AwsResources.class);

  /** Under the health check's own timeout (3 s), so a probe ends before the check gives up on it. */
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);
  /** One attempt, bounded by PROBE_TIMEOUT: the SDK applies a request's plugins to that request only. */
  private static final AwsRequestOverrideConfiguration PROBE = AwsRequestOverrideConfiguration.builder()
      .apiCallTimeout(PROBE_TIMEOUT)
      .addPlugin(noRetries())
      .build();
  /** The client's own timeout and retries: for waiting on a resource being created. */
  private static final AwsRequestOverrideConfiguration CLIENT_DEFAULTS = AwsRequestOverrideConfiguration.builder().build();

  private static final long POLL_MILLIS = 500;
  private static final Duration ACTIVE_WAIT = Duration.ofMinutes(5);
  /** Only for an emulator that refuses on-demand billing. */
  private static final long FALLBACK_CAPACITY_UNITS = 10;

  private final Vertx vertx;
  private final AwsClients clients;
  private final PulsoConfig.Aws config;

  public AwsResources(Vertx vertx, AwsClients clients, PulsoConfig config) {
    this.vertx = vertx;
    this.clients = clients;
    this.config = config.aws();
  }

  /**
   * Creates whatever of the stream, table and bucket is missing and waits until they are usable, and
   * sets the bucket's hygiene ({@link #configureBucket}). Idempotent.
   */
  public Future<Void> createIfMissing() {
    return Future.all(createStreamIfMissing(), createTableIfMissing(),
        createBucketIfMissing().compose(v -> configureBucket())).mapEmpty();
  }

  /**
   * The bucket's rules, as {@link AwsLayout} has them (infra/ sets the same): reports move to
   * Infrequent Access, then Glacier; staging files expire; with {@code aws.s3.kmsKeyId}, SSE-KMS is the default encryption.
   * A rule the endpoint does not implement (an emulator) is left with a warning, not a failure:
   * completes with the warnings.
   */
  public Future<List<String>> configureBucket() {
    List<String> warnings = new ArrayList<>();
    LifecycleRule reports = LifecycleRule.builder().id(AwsLayout.REPORTS_RULE).status(ExpirationStatus.ENABLED)
        .filter(f -> f.prefix(ReportLayout.ROOT))
        .transitions(
            Transition.builder().days(AwsLayout.REPORTS_TO_INFREQUENT_ACCESS_DAYS).storageClass(TransitionStorageClass.STANDARD_IA).build(),
            Transition.builder().days(AwsLayout.REPORTS_TO_GLACIER_DAYS).storageClass(TransitionStorageClass.GLACIER).build())
        .build();
    LifecycleRule staging = LifecycleRule.builder().id(AwsLayout.STAGING_RULE).status(ExpirationStatus.ENABLED)
        .filter(f -> f.prefix(STAGING_PREFIX))
        .expiration(e -> e.days(AwsLayout.STAGING_EXPIRY_DAYS))
        .build();
    Future<Void> lifecycle = clients.call(() -> clients.s3().putBucketLifecycleConfiguration(b -> b
            .bucket(config.s3Bucket()).lifecycleConfiguration(c -> c.rules(reports, staging))))
        .<Void>mapEmpty()
        .recover(error -> warn(warnings, "lifecycle rules", error));
    Future<Void> encryption = !config.s3Kms() ? Future.succeededFuture()
        : clients.call(() -> clients.s3().putBucketEncryption(b -> b.bucket(config.s3Bucket())
                .serverSideEncryptionConfiguration(c -> c.rules(r -> r.bucketKeyEnabled(true)
                    .applyServerSideEncryptionByDefault(d -> d.sseAlgorithm(ServerSideEncryption.AWS_KMS)
                        .kmsMasterKeyID(config.s3KmsKeyId()))))))
            .<Void>mapEmpty()
            .recover(error -> warn(warnings, "default SSE-KMS encryption", error));
    return Future.join(lifecycle, encryption).map(done -> List.copyOf(warnings));
  }

  private Future<Void> warn(List<String> warnings, String what, Throwable error) {
    String warning = bucketName() + ": " + what + " not set (" + error.getMessage() + ")";
    LOG.warn("{}; the endpoint may not implement it (an emulator)", warning);
    warnings.add(warning);
    return Future.succeededFuture();
  }

  public Future<Void> createStreamIfMissing() {
    String resource = streamName();
    return clients.call(() -> clients.kinesis().createStream(b -> b
            .streamName(config.kinesisStream())
            .shardCount(config.kinesisShards())))
        .<Void>mapEmpty()
        .recover(error -> streamExists(error) ? Future.succeededFuture() : Future.failedFuture(error))
        .compose(v -> awaitActive(resource, () -> streamActive(CLIENT_DEFAULTS)))
        .recover(error -> Future.failedFuture(failure(resource, "could not be created", error)));
  }

  public Future<Void> createTableIfMissing() {
    String resource = tableName();
    return createTable(BillingMode.PAY_PER_REQUEST)
        .recover(error -> refusesOnDemandBilling(error) ? createTable(BillingMode.PROVISIONED) : Future.failedFuture(error))
        .recover(error -> error instanceof ResourceInUseException ? Future.succeededFuture() : Future.failedFuture(error))
        .compose(v -> awaitActive(resource, () -> tableActive(CLIENT_DEFAULTS)))
        .recover(error -> Future.failedFuture(failure(resource, "could not be created", error)));
  }

  public Future<Void> createBucketIfMissing() {
    String resource = bucketName();
    CreateBucketRequest.Builder request = CreateBucketRequest.builder().bucket(config.s3Bucket());
    if (!Region.US_EAST_1.id().equals(config.region())) {
      // us-east-1 is the one region that refuses an explicit location constraint.
      request.createBucketConfiguration(c -> c.locationConstraint(BucketLocationConstraint.fromValue(config.region())));
    }
    return clients.call(() -> clients.s3().createBucket(request.build()))
        .<Void>mapEmpty()
        .recover(error -> error instanceof BucketAlreadyOwnedByYouException
            ? Future.succeededFuture()
            : Future.failedFuture(error))
        .recover(error -> Future.failedFuture(error instanceof BucketAlreadyExistsException
            ? failure(resource, "belongs to another AWS account: choose another aws.s3.bucket", error)
            : failure(resource, "could not be created", error)));
  }

  /** Succeeds when the stream exists and takes records (DescribeStreamSummary). */
  public Future<Void> kinesisReady() {
    return streamActive(PROBE)
        .compose(active -> active ? Future.<Void>succeededFuture() : Future.failedFuture(notActive(streamName())))
        .recover(error -> Future.failedFuture(failure(streamName(), "is not ready", error)));
  }

  /** Succeeds when the table exists and is ACTIVE (DescribeTable). */
  public Future<Void> dynamoDbReady() {
    return tableActive(PROBE)
        .compose(active -> active ? Future.<Void>succeededFuture() : Future.failedFuture(notActive(tableName())))
        .recover(error -> Future.failedFuture(failure(tableName(), "is not ready", error)));
  }

  /** Succeeds when the bucket exists and is reachable with our credentials (HeadBucket). */
  public Future<Void> s3Ready() {
    return clients.call(() -> clients.s3().headBucket(b -> b.bucket(config.s3Bucket()).overrideConfiguration(PROBE)))
        .<Void>mapEmpty()
        .recover(error -> Future.failedFuture(failure(bucketName(), "is not ready", error)));
  }

  private Future<Void> createTable(BillingMode billing) {
    CreateTableRequest.Builder request = CreateTableRequest.builder()
        .tableName(config.dynamoDbTable())
        .attributeDefinitions(stringAttribute(PARTITION_KEY), stringAttribute(SORT_KEY))
        .keySchema(key(PARTITION_KEY, KeyType.HASH), key(SORT_KEY, KeyType.RANGE))
        .billingMode(billing);
    if (billing == BillingMode.PROVISIONED) {
      request.provisionedThroughput(t -> t.readCapacityUnits(FALLBACK_CAPACITY_UNITS).writeCapacityUnits(FALLBACK_CAPACITY_UNITS));
    }
    return clients.call(() -> clients.dynamoDb().createTable(request.build())).mapEmpty();
  }

  private Future<Boolean> streamActive(AwsRequestOverrideConfiguration override) {
    return clients.call(() -> clients.kinesis().describeStreamSummary(b -> b.streamName(config.kinesisStream())
            .overrideConfiguration(override)))
        .map(response -> {
          StreamStatus status = response.streamDescriptionSummary().streamStatus();
          return status == StreamStatus.ACTIVE || status == StreamStatus.UPDATING;
        });
  }

  private Future<Boolean> tableActive(AwsRequestOverrideConfiguration override) {
    return clients.call(() -> clients.dynamoDb().describeTable(b -> b.tableName(config.dynamoDbTable())
            .overrideConfiguration(override)))
        .map(response -> response.table().tableStatus() == TableStatus.ACTIVE);
  }

  private Future<Void> awaitActive(String resource, Supplier<Future<Boolean>> isActive) {
    return pollUntilActive(resource, isActive, System.nanoTime() + ACTIVE_WAIT.toNanos());
  }

  private Future<Void> pollUntilActive(String resource, Supplier<Future<Boolean>> isActive, long deadlineNanos) {
    return isActive.get().compose(active -> {
      if (active) {
        return Future.succeededFuture();
      }
      if (System.nanoTime() - deadlineNanos > 0) {
        return Future.failedFuture(new AwsResourceException(resource + " is still not ACTIVE after " + ACTIVE_WAIT.toMinutes() + " minutes"));
      }
      return vertx.timer(POLL_MILLIS).compose(v -> pollUntilActive(resource, isActive, deadlineNanos));
    });
  }

  private static SdkPlugin noRetries() {
    return client -> client.overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()));
  }

  /**
   * CreateStream's "already exists". Kinesis and DynamoDB both name theirs ResourceInUseException, and
   * the DynamoDB one is imported, so Kinesis's is matched by its error code.
   */
  private static boolean streamExists(Throwable error) {
    return error instanceof KinesisException e
        && e.awsErrorDetails() != null
        && "ResourceInUseException".equals(e.awsErrorDetails().errorCode());
  }

  /** An emulator without on-demand billing; real DynamoDB always has it. */
  private static boolean refusesOnDemandBilling(Throwable error) {
    return error instanceof DynamoDbException e
        && e.awsErrorDetails() != null
        && "ValidationException".equals(e.awsErrorDetails().errorCode())
        && String.valueOf(e.getMessage()).contains("BillingMode");
  }

  private static AttributeDefinition stringAttribute(String name) {
    return AttributeDefinition.builder().attributeName(name).attributeType(ScalarAttributeType.S).build();
  }

  private static KeySchemaElement key(String name, KeyType type) {
    return KeySchemaElement.builder().attributeName(name).keyType(type).build();
  }

  private static AwsResourceException failure(String resource, String what, Throwable error) {
    if (error instanceof AwsResourceException known) {
      return known;
    }
    return new AwsResourceException(resource + " " + what + ": " + error.getMessage(), error);
  }

  private static AwsResourceException notActive(String resource) {
    return new AwsResourceException(resource + " is not ACTIVE yet");
  }

  private String streamName() {
    return "Kinesis stream '" + config.kinesisStream() + "'";
  }

  private String tableName() {
    return "DynamoDB table '" + config.dynamoDbTable() + "'";
  }

  private String bucketName() {
    return "S3 bucket '" + config.s3Bucket() + "'";
  }
}
