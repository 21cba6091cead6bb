package com.pulso.infra;

/**
 * The names of Pulso's IAM roles, fixed so that the key's policy (data stack, deployed first) can name
 * the roles the later stacks create without a reference between them (which would be a cycle: the
 * roles' policies name the key).
 */
final class PulsoRoles {

  private PulsoRoles() {}

  /** The role Pulso's pods assume through IRSA. */
  static String service(PulsoParameters parameters) {
    return "pulso-" + parameters.environment() + "-service";
  }

  /** The role the nightly report job runs as on Glue. */
  static String reportJob(PulsoParameters parameters) {
    return "pulso-" + parameters.environment() + "-report-job";
  }
}
