package com.pulso.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.pulso.report.AwsLayout;
import com.pulso.report.ReportLayout;
import io.github.cdklabs.cdknag.AwsSolutionsChecks;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.App;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.PolicyValidationPluginReport;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

/** The data stack, synthesized offline: what it must be for Pulso's data to be safe. */
class DataStackTest {

  private static App app;
  private static DataStack stack;
  private static Template template;

  @BeforeAll
  static void synthesize() {
    app = new App();
    app.getNode().setContext("environment", "test");
    app.getNode().setContext("alertEmail", "oncall@example.com");
    stack = new DataStack(app, "Data", StackProps.builder()
        .env(Environment.builder().account("123456789012").region("us-east-1").build()).build(),
        PulsoParameters.of(app.getNode()));
    template = Template.fromStack(stack);
  }

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
  void awsSolutionsFindsNothingUnacknowledged() {
    PolicyValidationPluginReport report = new AwsSolutionsChecks(app).validateScope(stack);

    assertThat(report.getViolations()).as("AwsSolutions findings: %s", report.getViolations().stream()
        .map(v -> v.getRuleName() + " " + v.getViolatingResources().stream().map(r -> r.getResourceLogicalId()).toList()
            + ": " + v.getDescription()).toList()).isEmpty();
  }
}
