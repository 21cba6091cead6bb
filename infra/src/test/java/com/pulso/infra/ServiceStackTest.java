package com.pulso.infra;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The pods' role trusts the one service account of the one cluster, and nothing else. */
class ServiceStackTest {

  private static final TestEnvironment ENV = TestEnvironment.get();

  @Test
  @SuppressWarnings("unchecked")
  void theRoleTrustsOnlyTheConfiguredServiceAccountThroughTheClustersOidcProvider() {
    Map<String, Object> role = ENV.resources(ENV.stacks.service(), "AWS::IAM::Role").values().iterator().next();
    List<Object> trust = TestEnvironment.list(((Map<String, Object>) role.get("AssumeRolePolicyDocument")).get("Statement"));

    assertThat(trust).hasSize(1);
    Map<String, Object> statement = (Map<String, Object>) trust.get(0);
    assertThat(statement).containsEntry("Effect", "Allow").containsEntry("Action", "sts:AssumeRoleWithWebIdentity");
    assertThat(TestEnvironment.render(((Map<String, Object>) statement.get("Principal")).get("Federated")))
        .isEqualTo("arn:aws:iam::123456789012:oidc-provider/" + TestEnvironment.OIDC_ISSUER);
    assertThat(statement.get("Condition")).isEqualTo(Map.of("StringEquals", Map.of(
        TestEnvironment.OIDC_ISSUER + ":sub", "system:serviceaccount:pulso:pulso",
        TestEnvironment.OIDC_ISSUER + ":aud", "sts.amazonaws.com")));
    assertThat(role).containsEntry("RoleName", "pulso-test-service").containsEntry("MaxSessionDuration", 3600);
    ENV.template(ENV.stacks.service()).hasOutput("ServiceRoleArn", Map.of());
  }

  @Test
  void theDefaultServiceAccountIsTheOneTheEksOverlayRunsThePodsAs() throws Exception {
    Path k8s = Path.of(System.getProperty("pulso.home", "..")).resolve("k8s");
    assertThat(ENV.parameters.serviceAccountNamespace()).isEqualTo("pulso");
    assertThat(Files.readString(k8s.resolve("overlays/eks/kustomization.yaml"))).contains("namespace: pulso");
    assertThat(Files.readString(k8s.resolve("base/deployment.yaml")))
        .contains("serviceAccountName: " + ENV.parameters.serviceAccountName());
  }

  @Test
  void theEksOverlaysSettingsNameWhatTheStacksMakeForProd() throws Exception {
    java.util.Properties settings = new java.util.Properties();
    try (var reader = Files.newBufferedReader(Path.of(System.getProperty("pulso.home", ".."))
        .resolve("k8s/overlays/eks/settings.env"))) {
      settings.load(reader);
    }
    software.amazon.awscdk.App app = new software.amazon.awscdk.App();
    Map.of("eksOidcIssuer", "x", "sourceJdbcUrl", "x", "sourceSubnetId", "x", "sourceSecurityGroupId", "x",
        "sourceAvailabilityZone", "x").forEach(app.getNode()::setContext);
    PulsoParameters prod = PulsoParameters.of(app.getNode());
    assertThat(settings).containsEntry("PULSO_AWS_KINESIS_STREAM", prod.streamName())
        .containsEntry("PULSO_AWS_DYNAMODB_TABLE", prod.tableName())
        .containsEntry("PULSO_AWS_S3_BUCKET", prod.bucketName())
        .containsEntry("PULSO_BATCH_GLUE_JOB_NAME", prod.glueJobName())
        .containsEntry("PULSO_AWS_REGION", prod.region());
    assertThat(settings.getProperty("PULSO_ALERTS_TOPIC_ARN")).endsWith(":" + PulsoArns.topicName(prod, "alerts"));
    assertThat(settings.getProperty("PULSO_ALERTS_ESCALATION_TOPIC_ARN"))
        .endsWith(":" + PulsoArns.topicName(prod, "escalation"));
  }
}
