package com.pulso.aws;

import static com.pulso.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.pulso.config.PulsoConfig;
import com.pulso.testing.Await;
import com.pulso.testing.TestServices;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.PutRecordResponse;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.S3Object;

/** The AWS clients, on the Vert.x HTTP client, against the real emulators of the test services. */
@ExtendWith(VertxExtension.class)
class AwsClientsEmulatorTest {

  private static final int MIB = 1024 * 1024;

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private PulsoConfig config;
  private AwsClients clients;
  private AwsResources resources;

  @BeforeEach
  void createResources(Vertx vertx) throws Exception {
    config = TestServices.config();
    clients = new AwsClients(vertx, config, registry);
    resources = new AwsResources(vertx, clients, config);
    await(resources.createIfMissing());
  }

  @AfterEach
  void closeClients() {
    clients.close();
  }

  @Test
  void everyCallIsTimedByServiceOperationAndOutcome() throws Exception {
    await(clients.call(() -> clients.kinesis().describeStreamSummary(b -> b.streamName(config.aws().kinesisStream()))));
    assertThatThrownBy(() -> await(clients.call(() -> clients.dynamoDb().describeTable(b -> b.tableName("no-such-table")))))
        .hasCauseInstanceOf(software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException.class);

    // The SDK publishes a call's metrics as the call completes, on its own thread: allow it to land.
    Await.waitUntil(() -> timer("Kinesis", "DescribeStreamSummary", "success") != null
        && timer("DynamoDB", "DescribeTable", "failure") != null, Await.LIVENESS, "call metrics published");
    assertThat(timer("Kinesis", "DescribeStreamSummary", "success").count()).isPositive();
    assertThat(timer("DynamoDB", "DescribeTable", "failure").count()).isPositive();
  }

  private Timer timer(String service, String operation, String outcome) {
    return registry.find("pulso.aws.calls").tags("service", service, "operation", operation, "outcome", outcome).timer();
  }

  @Test
  void kinesisRecordsPutAreReadBackFromTheTrimHorizon() throws Exception {
    String stream = config.aws().kinesisStream();
    String partitionKey = "provider-" + UUID.randomUUID();
    SdkBytes single = SdkBytes.fromUtf8String("{\"v\":1,\"single\":\"" + partitionKey + "\"}");

    PutRecordResponse put = await(clients.call(() -> clients.kinesis().putRecord(b -> b
        .streamName(stream).partitionKey(partitionKey).data(single))));
    PutRecordsResponse batch = await(clients.call(() -> clients.kinesis().putRecords(b -> b
        .streamName(stream)
        .records(entry(partitionKey, "first"), entry(partitionKey, "second")))));

    assertThat(batch.failedRecordCount()).isZero();
    List<Record> records = readShard(stream, put.shardId());
    assertThat(records).anySatisfy(record -> {
      assertThat(record.sequenceNumber()).isEqualTo(put.sequenceNumber());
      assertThat(record.data()).isEqualTo(single);
    });
    assertThat(records).extracting(record -> record.data().asUtf8String())
        .contains(partitionKey + ":first", partitionKey + ":second");
  }

  @Test
  void failedConditionalUpdateSurfacesAsConditionalCheckFailedException() throws Exception {
    String table = config.aws().dynamoDbTable();
    Map<String, AttributeValue> key = Map.of(
        AwsResources.PARTITION_KEY, AttributeValue.fromS("test#" + UUID.randomUUID()),
        AwsResources.SORT_KEY, AttributeValue.fromS("day#2026-01-01"));
    await(clients.call(() -> clients.dynamoDb().updateItem(b -> b.tableName(table).key(key)
        .updateExpression("SET seq = :seq")
        .conditionExpression("attribute_not_exists(seq) OR seq < :seq")
        .expressionAttributeValues(Map.of(":seq", AttributeValue.fromN("5"))))));

    Future<?> replay = clients.call(() -> clients.dynamoDb().updateItem(b -> b.tableName(table).key(key)
        .updateExpression("SET seq = :seq")
        .conditionExpression("attribute_not_exists(seq) OR seq < :seq")
        .expressionAttributeValues(Map.of(":seq", AttributeValue.fromN("5")))));

    assertThatThrownBy(() -> await(replay)).cause().isInstanceOf(ConditionalCheckFailedException.class);
  }

  @Test
  void s3ObjectsPutAreListedAndReadBack() throws Exception {
    String bucket = config.aws().s3Bucket();
    String prefix = "test/" + UUID.randomUUID() + "/";
    for (String name : List.of("a.json", "b.json", "c.json")) {
      await(clients.call(() -> clients.s3().putObject(b -> b.bucket(bucket).key(prefix + name),
          AsyncRequestBody.fromString("{\"name\":\"" + name + "\"}"))));
    }

    List<S3Object> listed = await(clients.call(() -> clients.s3().listObjectsV2(b -> b.bucket(bucket).prefix(prefix)))).contents();
    String read = await(clients.call(() -> clients.s3().getObject(b -> b.bucket(bucket).key(prefix + "b.json"),
        AsyncResponseTransformer.toBytes()))).asUtf8String();

    assertThat(listed).extracting(S3Object::key).containsExactly(prefix + "a.json", prefix + "b.json", prefix + "c.json");
    assertThat(read).isEqualTo("{\"name\":\"b.json\"}");
  }

  @Test
  void multipartUploadOfTwelveMebibytesDownloadsByteIdentical() throws Exception {
    String bucket = config.aws().s3Bucket();
    String key = "test/multipart-" + UUID.randomUUID();
    byte[] content = new byte[12 * MIB];
    new Random(12).nextBytes(content);
    int partSize = 5 * MIB;

    String uploadId = await(clients.call(() -> clients.s3().createMultipartUpload(b -> b.bucket(bucket).key(key)))).uploadId();
    List<CompletedPart> parts = new ArrayList<>();
    for (int offset = 0, number = 1; offset < content.length; offset += partSize, number++) {
      int partNumber = number;
      byte[] part = java.util.Arrays.copyOfRange(content, offset, Math.min(content.length, offset + partSize));
      String etag = await(clients.call(() -> clients.s3().uploadPart(b -> b.bucket(bucket).key(key)
          .uploadId(uploadId).partNumber(partNumber).contentLength((long) part.length),
          AsyncRequestBody.fromBytes(part)))).eTag();
      parts.add(CompletedPart.builder().partNumber(partNumber).eTag(etag).build());
    }
    await(clients.call(() -> clients.s3().completeMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId)
        .multipartUpload(m -> m.parts(parts)))));

    byte[] downloaded = await(clients.call(() -> clients.s3().getObject(b -> b.bucket(bucket).key(key),
        AsyncResponseTransformer.toBytes()))).asByteArray();

    assertThat(parts).hasSize(3);
    assertThat(downloaded).isEqualTo(content);
  }

  @Test
  void twoHundredConcurrentRequestsAllSucceed() throws Exception {
    String table = config.aws().dynamoDbTable();
    String partition = "test#" + UUID.randomUUID();
    List<Future<?>> writes = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      String sort = String.format("item#%03d", i);
      writes.add(clients.call(() -> clients.dynamoDb().putItem(b -> b.tableName(table).item(Map.of(
          AwsResources.PARTITION_KEY, AttributeValue.fromS(partition),
          AwsResources.SORT_KEY, AttributeValue.fromS(sort))))));
    }

    await(Future.all(writes));
    QueryResponse stored = await(clients.call(() -> clients.dynamoDb().query(b -> b.tableName(table)
        .keyConditionExpression("pk = :pk")
        .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS(partition))))));

    assertThat(stored.count()).isEqualTo(200);
  }

  @Test
  void resultsArriveOnTheCallersContext(Vertx vertx, VertxTestContext test) {
    Context caller = vertx.getOrCreateContext();

    caller.runOnContext(v -> clients.call(() -> clients.dynamoDb().describeTable(b -> b.tableName(config.aws().dynamoDbTable())))
        .onComplete(test.succeeding(described -> test.verify(() -> {
          assertThat(Vertx.currentContext()).isSameAs(caller);
          assertThat(described.table().tableName()).isEqualTo(config.aws().dynamoDbTable());
          test.completeNow();
        }))));
  }

  @Test
  void creatingTheResourcesTwiceIsIdempotentAndTheyAreReady() throws Exception {
    await(resources.createIfMissing());
    await(resources.createIfMissing());

    await(resources.kinesisReady());
    await(resources.dynamoDbReady());
    await(resources.s3Ready());
  }

  @Test
  void bucketRulesTheEndpointLacksAreWarningsNotFailures(Vertx vertx) throws Exception {
    PulsoConfig.Aws aws = config.aws();
    PulsoConfig withKey = config.withAws(new PulsoConfig.Aws(aws.region(), aws.manageResources(), aws.kinesisEndpoint(),
        aws.dynamoDbEndpoint(), aws.s3Endpoint(), aws.glueEndpoint(), aws.snsEndpoint(), aws.cloudWatchEndpoint(), aws.kinesisStream(),
        aws.kinesisShards(), aws.dynamoDbTable(), aws.s3Bucket(), "alias/pulso-reports", aws.http()));
    AwsClients kmsClients = new AwsClients(vertx, withKey, registry);
    try {
      List<String> warnings = await(new AwsResources(vertx, kmsClients, withKey).configureBucket());

      // s3proxy implements neither call: the start goes on, saying what was not set.
      assertThat(warnings).hasSize(2);
      assertThat(warnings).anySatisfy(w -> assertThat(w).contains("lifecycle rules not set"));
      assertThat(warnings).anySatisfy(w -> assertThat(w).contains("default SSE-KMS encryption not set"));
    } finally {
      kmsClients.close();
    }
  }

  @Test
  void readinessOfAMissingBucketFailsNamingIt(Vertx vertx) {
    String missing = "missing-" + UUID.randomUUID();
    AwsResources elsewhere = new AwsResources(vertx, clients, withBucket(config, missing));

    assertThatThrownBy(() -> await(elsewhere.s3Ready())).cause()
        .isInstanceOf(AwsResourceException.class)
        .hasMessageContaining("S3 bucket '" + missing + "'");
  }

  @Test
  void aReadinessProbeMakesOneAttemptWhereOtherCallsRetry(Vertx vertx) throws Exception {
    SimpleMeterRegistry unreachableRegistry = new SimpleMeterRegistry();
    PulsoConfig unreachableConfig = withDynamoDbEndpoint(config, closedLoopbackEndpoint());
    try (AwsClients unreachable = new AwsClients(vertx, unreachableConfig, unreachableRegistry)) {
      AwsResources probed = new AwsResources(vertx, unreachable, unreachableConfig);

      assertThatThrownBy(() -> await(probed.dynamoDbReady())).cause()
          .isInstanceOf(AwsResourceException.class)
          .hasMessageContaining("DynamoDB table '" + config.aws().dynamoDbTable() + "' is not ready");
      awaitFailedCalls(unreachableRegistry, 1);
      assertThat(retries(unreachableRegistry)).isZero();

      assertThatThrownBy(() -> await(unreachable.call(() -> unreachable.dynamoDb()
          .describeTable(b -> b.tableName(config.aws().dynamoDbTable())))));
      awaitFailedCalls(unreachableRegistry, 2);
      assertThat(retries(unreachableRegistry)).isEqualTo(config.aws().http().maxRetries());
    }
  }

  private static void awaitFailedCalls(SimpleMeterRegistry registry, long count) throws InterruptedException {
    Await.waitUntil(() -> {
      Timer failed = registry.find("pulso.aws.calls")
          .tags("service", "DynamoDB", "operation", "DescribeTable", "outcome", "failure").timer();
      return failed != null && failed.count() >= count;
    }, Await.LIVENESS, "call metrics published");
  }

  private static double retries(SimpleMeterRegistry registry) {
    Counter retries = registry.find("pulso.aws.retries").tags("service", "DynamoDB", "operation", "DescribeTable").counter();
    return retries == null ? 0 : retries.count();
  }

  /** A loopback port nothing listens on (just released): connections are refused, a retryable failure. */
  private static URI closedLoopbackEndpoint() throws Exception {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return URI.create("http://127.0.0.1:" + socket.getLocalPort());
    }
  }

  private List<Record> readShard(String stream, String shardId) throws Exception {
    String iterator = await(clients.call(() -> clients.kinesis().getShardIterator(b -> b
        .streamName(stream).shardId(shardId).shardIteratorType(ShardIteratorType.TRIM_HORIZON)))).shardIterator();
    List<Record> records = new ArrayList<>();
    while (iterator != null) {
      String current = iterator;
      GetRecordsResponse page = await(clients.call(() -> clients.kinesis().getRecords(b -> b.shardIterator(current))));
      records.addAll(page.records());
      iterator = page.records().isEmpty() ? null : page.nextShardIterator();
    }
    return records;
  }

  private static PutRecordsRequestEntry entry(String partitionKey, String suffix) {
    return PutRecordsRequestEntry.builder().partitionKey(partitionKey)
        .data(SdkBytes.fromUtf8String(partitionKey + ":" + suffix)).build();
  }

  private static PulsoConfig withBucket(PulsoConfig config, String bucket) {
    PulsoConfig.Aws aws = config.aws();
    return config.withAws(new PulsoConfig.Aws(aws.region(), aws.manageResources(), aws.kinesisEndpoint(),
        aws.dynamoDbEndpoint(), aws.s3Endpoint(), aws.glueEndpoint(), aws.snsEndpoint(), aws.cloudWatchEndpoint(), aws.kinesisStream(),
        aws.kinesisShards(), aws.dynamoDbTable(), bucket, aws.s3KmsKeyId(), aws.http()));
  }

  private static PulsoConfig withDynamoDbEndpoint(PulsoConfig config, URI endpoint) {
    PulsoConfig.Aws aws = config.aws();
    return config.withAws(new PulsoConfig.Aws(aws.region(), aws.manageResources(), aws.kinesisEndpoint(),
        endpoint, aws.s3Endpoint(), aws.glueEndpoint(), aws.snsEndpoint(), aws.cloudWatchEndpoint(), aws.kinesisStream(),
        aws.kinesisShards(), aws.dynamoDbTable(), aws.s3Bucket(), aws.s3KmsKeyId(), aws.http()));
  }
}
