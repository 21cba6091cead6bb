package com.pulso.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.pulso.report.AwsLayout;
import com.pulso.report.ReportLayout;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

/** The data stack, synthesized offline: what it must be for Pulso's data to be safe. */
class DataStackTest {

  private static final TestEnvironment ENV = TestEnvironment.get();
  private static final DataStack stack = ENV.stacks.data();
  private static final Template template = ENV.template(stack);

  @Test
  void oneCustomerManagedKeyWithRotationEncryptsTheStreamTableBucketAndTopics() {
    template.resourceCountIs("AWS::KMS::Key", 1);
    template.hasResourceProperties("AWS::KMS::Key", Map.of("EnableKeyRotation", true));
    Map<String, Object> key = Map.of("Fn::GetAtt", List.of(Match.stringLikeRegexp("Key.*"), "Arn"));
    template.hasResourceProperties("AWS::Kinesis::Stream", Map.of(
        "Name", "pulso-sale-changes",
        "StreamEncryption", Map.of("EncryptionType", "KMS", "KeyId", key),
        "RetentionPeriodHours", 36,
        "StreamModeDetails", Map.of("StreamMode", "ON_DEMAND")));
    template.hasResourceProperties("AWS::SNS::Topic", Map.of("TopicName", "pulso-test-alerts",
        "KmsMasterKeyId", key));
    template.hasResourceProperties("AWS::SNS::Topic", Map.of("TopicName", "pulso-test-escalation",
        "KmsMasterKeyId", key));
    template.hasResourceProperties("AWS::SNS::Subscription", Map.of("Protocol", "email", "Endpoint", "oncall@example.com"));
    template.hasResourceProperties("AWS::SNS::Subscription", Map.of("Protocol", "https",
        "Endpoint", "https://events.example.com/integration/pulso"));
    template.resourceCountIs("AWS::SNS::Subscription", 4);
  }

  @Test
  void theTableHasTheServersKeysTtlRecoveryDeletionProtectionAndTheKey() {
    template.hasResourceProperties("AWS::DynamoDB::GlobalTable", Match.objectLike(Map.of(
        "TableName", "pulso-metrics",
        // The server's own names (AwsLayout: AwsResources creates the same table locally).
        "KeySchema", List.of(Map.of("AttributeName", AwsLayout.TABLE_PARTITION_KEY, "KeyType", "HASH"),
            Map.of("AttributeName", AwsLayout.TABLE_SORT_KEY, "KeyType", "RANGE")),
        "TimeToLiveSpecification", Map.of("AttributeName", AwsLayout.TABLE_EXPIRES_AT, "Enabled", true),
        "BillingMode", "PAY_PER_REQUEST",
        "SSESpecification", Map.of("SSEEnabled", true, "SSEType", "KMS"),
        "Replicas", List.of(Match.objectLike(Map.of(
            "PointInTimeRecoverySpecification", Map.of("PointInTimeRecoveryEnabled", true),
            "DeletionProtectionEnabled", true))))));
  }

  @Test
  void theReportsBucketIsPrivateTlsOnlyVersionedKmsEncryptedLoggedAndTiered() {
    template.hasResourceProperties("AWS::S3::Bucket", Match.objectLike(Map.of(
        "BucketName", "pulso-reports-test",
        "BucketEncryption", Map.of("ServerSideEncryptionConfiguration", List.of(Map.of(
            "BucketKeyEnabled", true,
            "ServerSideEncryptionByDefault", Map.of("SSEAlgorithm", "aws:kms",
                "KMSMasterKeyID", Map.of("Fn::GetAtt", List.of(Match.stringLikeRegexp("Key.*"), "Arn")))))),
        "PublicAccessBlockConfiguration", Map.of("BlockPublicAcls", true, "BlockPublicPolicy", true,
            "IgnorePublicAcls", true, "RestrictPublicBuckets", true),
        "VersioningConfiguration", Map.of("Status", "Enabled"),
        "LoggingConfiguration", Match.objectLike(Map.of("LogFilePrefix", "reports/")))));
    // The server's lifecycle rules, from their one home.
    template.hasResourceProperties("AWS::S3::Bucket", Match.objectLike(Map.of(
        "BucketName", "pulso-reports-test",
        "LifecycleConfiguration", Map.of("Rules", List.of(
            Match.objectLike(Map.of("Id", AwsLayout.REPORTS_RULE, "Prefix", ReportLayout.ROOT, "Status", "Enabled",
                "Transitions", List.of(
                    Map.of("StorageClass", "STANDARD_IA", "TransitionInDays", AwsLayout.REPORTS_TO_INFREQUENT_ACCESS_DAYS),
                    Map.of("StorageClass", "GLACIER", "TransitionInDays", AwsLayout.REPORTS_TO_GLACIER_DAYS)))),
            Match.objectLike(Map.of("Id", AwsLayout.STAGING_RULE, "Prefix", AwsLayout.STAGING_PREFIX,
                "ExpirationInDays", AwsLayout.STAGING_EXPIRY_DAYS, "Status", "Enabled")))))));
    template.hasResourceProperties("AWS::S3::BucketPolicy", Map.of("PolicyDocument", Map.of("Statement",
        Match.arrayWith(List.of(Match.objectLike(Map.of("Effect", "Deny",
            "Condition", Map.of("Bool", Map.of("aws:SecureTransport", "false")))))))));
  }

  @Test
  void theDefaultNamesAreTheServersAndTheStreamKeepsLessThanTheMinuteItemsLive() throws Exception {
    String application = java.nio.file.Files.readString(java.nio.file.Path.of(System.getProperty("pulso.home", ".."))
        .resolve("conf/application.yaml"));
    for (String name : List.of("stream: pulso-sale-changes", "table: pulso-metrics", "minuteRetentionHours: 48")) {
      assertThat(application).contains(name);
    }
    assertThat(DataStack.STREAM_RETENTION.toHours().intValue()).isGreaterThanOrEqualTo(24).isLessThan(48);
  }

  @Test
  @SuppressWarnings("unchecked")
  void theKeysPolicyLetsTheAccountManageItAndOnlyPulsosRolesAndServicesUseIt() {
    Map<String, Object> policy = (Map<String, Object>) ENV.resources(stack, "AWS::KMS::Key").values().iterator().next()
        .get("KeyPolicy");
    Map<String, Map<String, Object>> statements = new java.util.LinkedHashMap<>();
    for (Object s : TestEnvironment.list(policy.get("Statement"))) {
      Map<String, Object> statement = (Map<String, Object>) s;
      statements.put(String.valueOf(statement.get("Sid")), statement);
    }
    assertThat(statements).containsOnlyKeys("Administration", "GrantsToAwsServices", "PulsoRoles", "LogGroups",
        "AlertPublishers");
    // Nobody holds kms:* or uses the key as such without a condition naming who or what for.
    statements.values().forEach(statement -> assertThat(TestEnvironment.list(statement.get("Action")))
        .doesNotContain("kms:*"));
    List<Object> administration = TestEnvironment.list(statements.get("Administration").get("Action"));
    assertThat(administration).doesNotContain("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncrypt*",
        "kms:CreateGrant", "kms:Create*").allMatch(action -> !action.toString().startsWith("kms:ReEncrypt"));
    assertThat(statements.get("GrantsToAwsServices").get("Condition"))
        .isEqualTo(Map.of("Bool", Map.of("kms:GrantIsForAWSResource", "true")));
    Map<String, Object> roles = (Map<String, Object>) ((Map<String, Object>) statements.get("PulsoRoles").get("Condition"))
        .get("ArnEquals");
    assertThat(TestEnvironment.list(roles.get("aws:PrincipalArn")).stream().map(TestEnvironment::render).toList())
        .containsExactlyInAnyOrder("arn:aws:iam::123456789012:role/pulso-test-service",
            "arn:aws:iam::123456789012:role/pulso-test-report-job",
            "arn:aws:iam::123456789012:role/cdk-hnb659fds-cfn-exec-role-123456789012-us-east-1");
    assertThat(statements.get("LogGroups").get("Principal")).isEqualTo(Map.of("Service", "logs.us-east-1.amazonaws.com"));
    Map<String, Object> publishers = (Map<String, Object>) ((Map<String, Object>) statements.get("AlertPublishers")
        .get("Condition")).get("StringEquals");
    assertThat(TestEnvironment.render(publishers.get("aws:SourceAccount"))).isEqualTo(TestEnvironment.ACCOUNT);
  }

  @Test
  void theTableIsTheOneTheServerCreatesLocally() {
    // What AwsResources asked of DynamoDB when the tests made their tables (aws.manageResources).
    List<String> created = RecordedCalls.of("service").stream()
        .filter(call -> call.operation().equals("CreateTable") && call.caller().equals("AwsResources"))
        .map(RecordedCalls::detail).distinct().toList();
    assertThat(created).containsExactly(AwsLayout.TABLE_PARTITION_KEY + ":HASH," + AwsLayout.TABLE_SORT_KEY + ":RANGE");
    Map<String, Object> table = ENV.resources(stack, "AWS::DynamoDB::GlobalTable").values().iterator().next();
    assertThat(TestEnvironment.list(table.get("KeySchema")).stream()
        .map(element -> ((Map<?, ?>) element).get("AttributeName") + ":" + ((Map<?, ?>) element).get("KeyType"))
        .collect(java.util.stream.Collectors.joining(","))).isEqualTo(created.get(0));
  }
}
