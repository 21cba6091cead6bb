package com.pulso.infra;

import com.pulso.report.AwsLayout;
import com.pulso.report.ReportLayout;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.iam.Effect;
import software.amazon.awscdk.services.iam.FederatedPrincipal;
import software.amazon.awscdk.services.iam.PolicyDocument;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.constructs.Construct;

/**
 * What Pulso's pods run as: the IAM role they assume through IRSA, trusting only the configured
 * service account of the EKS cluster's OIDC provider, allowed exactly the operations the server makes,
 * on its own resources ({@code LeastPrivilegeTest} proves it against the calls the test suite records).
 * Its ARN goes in the EKS overlay's {@code parameters.env} ({@code roleArn}).
 */
public final class ServiceStack extends Stack {

  public ServiceStack(Construct scope, String id, StackProps props, PulsoParameters parameters, DataStack data) {
    super(scope, id, props);
    String issuer = parameters.eksOidcIssuer();
    FederatedPrincipal serviceAccount = new FederatedPrincipal(
        "arn:" + getPartition() + ":iam::" + getAccount() + ":oidc-provider/" + issuer,
        Map.of("StringEquals", Map.of(
            issuer + ":sub", "system:serviceaccount:" + parameters.serviceAccountNamespace() + ":"
                + parameters.serviceAccountName(),
            issuer + ":aud", "sts.amazonaws.com")),
        "sts:AssumeRoleWithWebIdentity");
    String bucket = PulsoArns.bucket(this, parameters);
    Role role = Role.Builder.create(this, "ServiceRole")
        .roleName(PulsoRoles.service(parameters))
        .description("Pulso " + parameters.environment() + "'s pods (IRSA: " + parameters.serviceAccount() + ")")
        .assumedBy(serviceAccount)
        .maxSessionDuration(Duration.hours(1))
        .inlinePolicies(Map.of("pulso", PolicyDocument.Builder.create().statements(List.of(
            // The capture publishes; each shard's consumer reads and lists; readiness describes.
            allow("SaleChanges", List.of("kinesis:PutRecords", "kinesis:ListShards", "kinesis:GetShardIterator",
                "kinesis:GetRecords", "kinesis:DescribeStreamSummary"), PulsoArns.stream(this, parameters)),
            // Figures, positions and checkpoints; the bootstrap's baseline (scan, batch writes, its marker).
            allow("Metrics", List.of("dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
                "dynamodb:Query", "dynamodb:Scan", "dynamodb:BatchWriteItem", "dynamodb:DescribeTable"),
                PulsoArns.table(this, parameters)),
            // HeadBucket (readiness) is authorized as ListBucket.
            allow("ReportsBucket", List.of("s3:ListBucket"), bucket),
            // The API reads the nightly reports and signs download links for them.
            allow("Reports", List.of("s3:GetObject"), bucket + "/" + ReportLayout.ROOT + "*"),
            // Kinesis records the server could not decode, kept for replay.
            allow("DeadLetters", List.of("s3:PutObject"), bucket + "/" + AwsLayout.DEAD_LETTERS_PREFIX + "*"),
            // The batch leader starts, follows and stops the nightly job.
            allow("ReportJob", List.of("glue:StartJobRun", "glue:GetJobRun", "glue:BatchStopJobRun"),
                PulsoArns.job(this, parameters)),
            // The alerts' notifications (alerts.topicArn, alerts.escalationTopicArn).
            PolicyStatement.Builder.create().sid("AlertTopics").effect(Effect.ALLOW).actions(List.of("sns:Publish"))
                .resources(List.of(PulsoArns.topic(this, parameters, "alerts"), PulsoArns.topic(this, parameters, "escalation")))
                .build(),
            // Pulso's own metrics: PutMetricData takes no resource; the namespace condition is its bound.
            PolicyStatement.Builder.create().sid("PulsoMetrics").effect(Effect.ALLOW)
                .actions(List.of("cloudwatch:PutMetricData")).resources(List.of("*"))
                .conditions(Map.of("StringEquals", Map.of("cloudwatch:namespace", AwsLayout.METRICS_NAMESPACE)))
                .build(),
            // The services above encrypt and decrypt with Pulso's key on the pods' behalf (LeastPrivilegeTest
            // derives these actions from the operations called).
            PolicyStatement.Builder.create().sid("Key").effect(Effect.ALLOW)
                .actions(List.of("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"))
                .resources(List.of(data.key().getKeyArn()))
                .conditions(Map.of("StringEquals", Map.of("kms:ViaService", List.of(
                    "kinesis." + getRegion() + ".amazonaws.com",
                    "dynamodb." + getRegion() + ".amazonaws.com",
                    "s3." + getRegion() + ".amazonaws.com",
                    "sns." + getRegion() + ".amazonaws.com"))))
                .build())).build()))
        .build();
    // As cdk-nag names them: tokens as <AWS::Partition>.
    String objects = "arn:<AWS::Partition>:s3:::" + parameters.bucketName() + "/";
    Findings.acknowledgeWildcard(role, objects + ReportLayout.ROOT + "*", "Reports are objects named by provider, day and"
        + " run under reports/ (ReportLayout): the role reads them, only there");
    Findings.acknowledgeWildcard(role, objects + AwsLayout.DEAD_LETTERS_PREFIX + "*", "Dead letters are objects named by"
        + " stream, shard and sequence number: the role writes them, only under dead-letters/");
    Findings.acknowledgeWildcard(role, "*", "cloudwatch:PutMetricData alone, which takes no resource: bound to the"
        + " namespace " + AwsLayout.METRICS_NAMESPACE + " by the cloudwatch:namespace condition");
    CfnOutput.Builder.create(this, "ServiceRoleArn").value(role.getRoleArn())
        .description("k8s/overlays/eks/parameters.env: roleArn").build();
  }

  private static PolicyStatement allow(String sid, List<String> actions, String resource) {
    return PolicyStatement.Builder.create().sid(sid).effect(Effect.ALLOW).actions(actions).resources(List.of(resource))
        .build();
  }

}
