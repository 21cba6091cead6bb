package com.pulso.infra;

import java.util.Map;
import software.amazon.awscdk.Acknowledgment;
import software.amazon.awscdk.Validations;
import software.constructs.IConstruct;

/**
 * Accepted findings of the policy checks (cdk-nag's AwsSolutions), next to what they are about, each
 * with the reason a reviewer would want.
 */
final class Findings {

  private Findings() {}

  static void acknowledge(IConstruct construct, String rule, String reason) {
    Validations.of(construct).acknowledge(Acknowledgment.builder().id(rule).reason(reason).build());
  }

  /**
   * Accepts one finding of a rule that reports each offending value apart (IAM5's
   * {@code AwsSolutions-IAM5[Resource::<arn>]}), not the whole rule: a new wildcard is still a finding.
   * Validations.acknowledge refuses such ids ('::'), so the acknowledgement is the metadata it would write.
   */
  static void acknowledgeWildcard(IConstruct construct, String resource, String reason) {
    construct.getNode().addMetadata(Validations.ACKNOWLEDGED_RULES_METADATA_KEY,
        Map.of("AwsSolutions-IAM5[Resource::" + resource + "]", reason));
  }
}
