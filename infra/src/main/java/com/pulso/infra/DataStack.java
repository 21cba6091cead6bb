package com.pulso.infra;

import com.pulso.report.AwsLayout;
import com.pulso.report.ReportLayout;
import java.util.List;
import software.amazon.awscdk.Acknowledgment;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.Validations;
import software.amazon.awscdk.services.dynamodb.Attribute;
import software.amazon.awscdk.services.dynamodb.AttributeType;
import software.amazon.awscdk.services.dynamodb.Billing;
import software.amazon.awscdk.services.dynamodb.Capacity;
import software.amazon.awscdk.services.dynamodb.PointInTimeRecoverySpecification;
import software.amazon.awscdk.services.dynamodb.TableEncryptionV2;
import software.amazon.awscdk.services.dynamodb.TableV2;
import java.util.Map;
import software.amazon.awscdk.services.iam.AccountRootPrincipal;
import software.amazon.awscdk.services.iam.Effect;
import software.amazon.awscdk.services.iam.IPrincipal;
import software.amazon.awscdk.services.iam.PolicyDocument;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.kinesis.Stream;
import software.amazon.awscdk.services.kinesis.StreamEncryption;
import software.amazon.awscdk.services.kinesis.StreamMode;
import software.amazon.awscdk.services.kms.Key;
import software.amazon.awscdk.services.s3.BlockPublicAccess;
import software.amazon.awscdk.services.s3.Bucket;
import software.amazon.awscdk.services.s3.BucketEncryption;
import software.amazon.awscdk.services.s3.LifecycleRule;
import software.amazon.awscdk.services.s3.ObjectOwnership;
import software.amazon.awscdk.services.s3.StorageClass;
import software.amazon.awscdk.services.s3.Transition;
import software.amazon.awscdk.services.sns.Topic;
import software.amazon.awscdk.services.sns.subscriptions.EmailSubscription;
import software.amazon.awscdk.services.sns.subscriptions.UrlSubscription;
import software.constructs.Construct;

/**
 * Where Pulso keeps its data, all encrypted with one customer-managed key: the stream of sale
 * changes, the table of real-time figures, the bucket of nightly reports (with its access logs), and
 * the alert topics. Names are the ones {@code conf/application.yaml} gives the server.
 */
public final class DataStack extends Stack {

  /**
   * Kinesis keeps changes this long: a consumer outage of a day (and the time to react) is replayed
   * from the stream. Below the DynamoDB minute items' TTL ({@code aggregate.minuteRetentionHours},
   * 48): a replay must not meet an expired, partly rebuilt item.
   */
  static final Duration STREAM_RETENTION = Duration.hours(36);

  /** The key's management, without any use of it (encrypting, decrypting, making data keys). */
  static final List<String> KEY_ADMINISTRATION = List.of("kms:CreateAlias", "kms:Describe*", "kms:Enable*", "kms:List*",
      "kms:Put*", "kms:Update*", "kms:Revoke*", "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource",
      "kms:UntagResource", "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion", "kms:RotateKeyOnDemand");
  /** Using the key through the services that hold Pulso's data. */
  static final List<String> KEY_USE = List.of("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey");
  /** Services that publish to the encrypted alert topics: CloudWatch alarms, EventBridge rules, Budgets. */
  static final List<String> ALERT_PUBLISHERS = List.of("cloudwatch.amazonaws.com", "events.amazonaws.com",
      "budgets.amazonaws.com");

  private final Key key;
  private final Topic alerts;
  private final Topic escalation;

  public DataStack(Construct scope, String id, StackProps props, PulsoParameters parameters) {
    super(scope, id, props);
    // Server access logs delivered under a bucket policy, not the legacy LogDeliveryWrite ACL (bucket
    // owner enforced: no ACLs anywhere).
    getNode().setContext("@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy", true);
    key = Key.Builder.create(this, "Key")
        .alias("alias/pulso-" + parameters.environment())
        .description("Pulso " + parameters.environment() + ": its stream, table, reports, topics and logs")
        .enableKeyRotation(true)
        .policy(keyPolicy(parameters))
        .removalPolicy(RemovalPolicy.RETAIN)
        .build();

    Stream.Builder streamBuilder = Stream.Builder.create(this, "SaleChanges")
        .streamName(parameters.streamName())
        .encryption(StreamEncryption.KMS)
        .encryptionKey(key)
        .retentionPeriod(STREAM_RETENTION);
    if (parameters.streamShards() == 0) {
      streamBuilder.streamMode(StreamMode.ON_DEMAND);
    } else {
      streamBuilder.streamMode(StreamMode.PROVISIONED).shardCount(parameters.streamShards());
    }
    Stream stream = streamBuilder.build();
    Validations.of(stream).acknowledge(Acknowledgment.builder().id("AwsSolutions-KDS3")
        .reason("Encrypted with Pulso's customer-managed key rather than aws/kinesis: one key for all of Pulso's"
            + " data, rotated yearly, whose policy names who may use it (the AWS-managed key allows any principal"
            + " of the account through Kinesis)").build());

    TableV2.Builder tableBuilder = TableV2.Builder.create(this, "Metrics")
        .tableName(parameters.tableName())
        .partitionKey(Attribute.builder().name(AwsLayout.TABLE_PARTITION_KEY).type(AttributeType.STRING).build())
        .sortKey(Attribute.builder().name(AwsLayout.TABLE_SORT_KEY).type(AttributeType.STRING).build())
        .timeToLiveAttribute(AwsLayout.TABLE_EXPIRES_AT)
        .pointInTimeRecoverySpecification(PointInTimeRecoverySpecification.builder()
            .pointInTimeRecoveryEnabled(true).build())
        .deletionProtection(true)
        .encryption(TableEncryptionV2.customerManagedKey(key))
        .removalPolicy(RemovalPolicy.RETAIN);
    if (parameters.tableOnDemand()) {
      tableBuilder.billing(Billing.onDemand());
    } else {
      tableBuilder.billing(Billing.provisioned(software.amazon.awscdk.services.dynamodb.ThroughputProps.builder()
          .readCapacity(Capacity.autoscaled(software.amazon.awscdk.services.dynamodb.AutoscaledCapacityOptions.builder()
              .minCapacity(5).maxCapacity(4000).targetUtilizationPercent(70).build()))
          .writeCapacity(Capacity.autoscaled(software.amazon.awscdk.services.dynamodb.AutoscaledCapacityOptions.builder()
              .minCapacity(5).maxCapacity(parameters.tableMaxWriteCapacity()).targetUtilizationPercent(70).build()))
          .build()));
    }
    tableBuilder.build();

    Bucket accessLogs = Bucket.Builder.create(this, "ReportsAccessLogs")
        // S3 writes server access logs only to a bucket encrypted with S3-managed keys.
        .encryption(BucketEncryption.S3_MANAGED)
        .blockPublicAccess(BlockPublicAccess.BLOCK_ALL)
        .enforceSsl(true)
        .objectOwnership(ObjectOwnership.BUCKET_OWNER_ENFORCED)
        .lifecycleRules(List.of(LifecycleRule.builder().id("logs-expiry").expiration(Duration.days(365)).build()))
        .removalPolicy(RemovalPolicy.RETAIN)
        .build();
    Bucket.Builder.create(this, "Reports")
        .bucketName(parameters.bucketName())
        .encryption(BucketEncryption.KMS)
        .encryptionKey(key)
        .bucketKeyEnabled(true)
        .blockPublicAccess(BlockPublicAccess.BLOCK_ALL)
        .enforceSsl(true)
        .versioned(true)
        .serverAccessLogsBucket(accessLogs)
        .serverAccessLogsPrefix("reports/")
        // The server's bucket hygiene (AwsResources.configureBucket), from the same home; old versions of
        // a report (a day reported again) go after 30 days.
        .lifecycleRules(List.of(
            LifecycleRule.builder().id(AwsLayout.REPORTS_RULE).prefix(ReportLayout.ROOT).transitions(List.of(
                Transition.builder().storageClass(StorageClass.INFREQUENT_ACCESS)
                    .transitionAfter(Duration.days(AwsLayout.REPORTS_TO_INFREQUENT_ACCESS_DAYS)).build(),
                Transition.builder().storageClass(StorageClass.GLACIER)
                    .transitionAfter(Duration.days(AwsLayout.REPORTS_TO_GLACIER_DAYS)).build()))
                .noncurrentVersionExpiration(Duration.days(30)).build(),
            LifecycleRule.builder().id(AwsLayout.STAGING_RULE).prefix(AwsLayout.STAGING_PREFIX)
                .expiration(Duration.days(AwsLayout.STAGING_EXPIRY_DAYS)).build()))
        .removalPolicy(RemovalPolicy.RETAIN)
        .build();

    alerts = topic("Alerts", PulsoArns.topicName(parameters, "alerts"), parameters);
    escalation = topic("Escalation", PulsoArns.topicName(parameters, "escalation"), parameters);
  }

  /**
   * Who may use the key, and for what: the account manages it (never encrypts or decrypts with it as
   * such); Pulso's two roles and the deploying CloudFormation role use it (each role's own policy narrows
   * that further to the services it calls); CloudWatch Logs for Pulso's log groups; and the services that
   * publish alerts to the encrypted topics. Roles are named, not referenced: they are created after the key.
   */
  private PolicyDocument keyPolicy(PulsoParameters parameters) {
    String qualifier = java.util.Optional.ofNullable(getNode().tryGetContext("@aws-cdk/core:bootstrapQualifier"))
        .map(Object::toString).orElse("hnb659fds");
    List<String> users = List.of(PulsoArns.role(this, PulsoRoles.service(parameters)),
        PulsoArns.role(this, PulsoRoles.reportJob(parameters)),
        PulsoArns.role(this, "cdk-" + qualifier + "-cfn-exec-role-" + getAccount() + "-" + getRegion()));
    return PolicyDocument.Builder.create().statements(List.of(
        PolicyStatement.Builder.create().sid("Administration").effect(Effect.ALLOW)
            .principals(List.of(new AccountRootPrincipal())).actions(KEY_ADMINISTRATION).resources(List.of("*")).build(),
        // DynamoDB, Kinesis and Secrets Manager hold grants on the key for the resources they encrypt.
        PolicyStatement.Builder.create().sid("GrantsToAwsServices").effect(Effect.ALLOW)
            .principals(List.of(new AccountRootPrincipal()))
            .actions(List.of("kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant")).resources(List.of("*"))
            .conditions(Map.of("Bool", Map.of("kms:GrantIsForAWSResource", "true"))).build(),
        PolicyStatement.Builder.create().sid("PulsoRoles").effect(Effect.ALLOW)
            .principals(List.of(new AccountRootPrincipal())).actions(KEY_USE).resources(List.of("*"))
            .conditions(Map.of("ArnEquals", Map.of("aws:PrincipalArn", users))).build(),
        PolicyStatement.Builder.create().sid("LogGroups").effect(Effect.ALLOW)
            .principals(List.of(new ServicePrincipal("logs." + getRegion() + ".amazonaws.com")))
            .actions(List.of("kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey",
                "kms:DescribeKey"))
            .resources(List.of("*"))
            .conditions(Map.of("ArnLike", Map.of("kms:EncryptionContext:aws:logs:arn",
                "arn:" + getPartition() + ":logs:" + getRegion() + ":" + getAccount() + ":log-group:*"))).build(),
        PolicyStatement.Builder.create().sid("AlertPublishers").effect(Effect.ALLOW)
            .principals(ALERT_PUBLISHERS.stream().map(service -> (IPrincipal) new ServicePrincipal(service)).toList())
            .actions(List.of("kms:Decrypt", "kms:GenerateDataKey")).resources(List.of("*"))
            .conditions(Map.of("StringEquals", Map.of("aws:SourceAccount", getAccount()))).build())).build();
  }

  private Topic topic(String id, String name, PulsoParameters parameters) {
    Topic topic = Topic.Builder.create(this, id).topicName(name).masterKey(key).enforceSsl(true).build();
    // Budgets' notifications and EventBridge's rules (the topic's default policy already lets the account's
    // CloudWatch alarms in).
    topic.addToResourcePolicy(PolicyStatement.Builder.create().sid("AlertPublishers").effect(Effect.ALLOW)
        .principals(List.of(new ServicePrincipal("budgets.amazonaws.com"), new ServicePrincipal("events.amazonaws.com")))
        .actions(List.of("sns:Publish"))
        .resources(List.of(topic.getTopicArn()))
        .conditions(Map.of("StringEquals", Map.of("aws:SourceAccount", getAccount()))).build());
    if (!parameters.alertEmail().isEmpty()) {
      topic.addSubscription(EmailSubscription.Builder.create(parameters.alertEmail()).build());
    }
    if (!parameters.alertEndpoint().isEmpty()) {
      // An incident tool's HTTPS webhook (PagerDuty, Opsgenie...); it confirms the subscription itself.
      topic.addSubscription(UrlSubscription.Builder.create(parameters.alertEndpoint()).build());
    }
    return topic;
  }

  public Key key() {
    return key;
  }




  public Topic alerts() {
    return alerts;
  }

  public Topic escalation() {
    return escalation;
  }
}
