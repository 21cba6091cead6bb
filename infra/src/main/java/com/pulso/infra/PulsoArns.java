package com.pulso.infra;

import software.amazon.awscdk.Stack;

/**
 * The ARNs of Pulso's named resources, made from the names the parameters give rather than referenced
 * across stacks: a role's stack then does not pin the data stack's exports (which CloudFormation forbids
 * changing while imported), and a policy reads as the resource it names.
 */
final class PulsoArns {

  private PulsoArns() {}

  static String stream(Stack stack, PulsoParameters parameters) {
    return "arn:" + stack.getPartition() + ":kinesis:" + stack.getRegion() + ":" + stack.getAccount() + ":stream/"
        + parameters.streamName();
  }

  static String table(Stack stack, PulsoParameters parameters) {
    return "arn:" + stack.getPartition() + ":dynamodb:" + stack.getRegion() + ":" + stack.getAccount() + ":table/"
        + parameters.tableName();
  }

  static String bucket(Stack stack, PulsoParameters parameters) {
    return "arn:" + stack.getPartition() + ":s3:::" + parameters.bucketName();
  }

  /** The name of one of the alert topics: {@code alerts} or {@code escalation}. */
  static String topicName(PulsoParameters parameters, String topic) {
    return "pulso-" + parameters.environment() + "-" + topic;
  }

  static String topic(Stack stack, PulsoParameters parameters, String topic) {
    return "arn:" + stack.getPartition() + ":sns:" + stack.getRegion() + ":" + stack.getAccount() + ":"
        + topicName(parameters, topic);
  }

  static String role(Stack stack, String roleName) {
    return "arn:" + stack.getPartition() + ":iam::" + stack.getAccount() + ":role/" + roleName;
  }

  static String job(Stack stack, PulsoParameters parameters) {
    return "arn:" + stack.getPartition() + ":glue:" + stack.getRegion() + ":" + stack.getAccount() + ":job/"
        + parameters.glueJobName();
  }
}
