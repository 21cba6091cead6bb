package com.pulso.infra;

import java.util.ArrayList;
import java.util.List;
import software.constructs.Node;

/**
 * One environment's parameters, from the CDK context ({@code cdk.json}, {@code cdk synth -c key=value},
 * or {@code CDK_CONTEXT_JSON}): its name and region, the resource names the server's configuration
 * uses, capacities, the existing EKS cluster and sales database Pulso joins, and where alerts and the
 * budget's warnings go. README, "AWS infrastructure", lists them.
 *
 * @param eksOidcIssuer    the EKS cluster's OIDC issuer without {@code https://}
 *                         ({@code oidc.eks.<region>.amazonaws.com/id/<id>}); its IAM OIDC provider must exist
 * @param serviceAccount   {@code namespace:name} of the pods' service account, the only subject the role trusts
 * @param sourceJdbcUrl    the sales database as the report job reaches it ({@code jdbc:postgresql://host:5432/db})
 * @param sourceSubnetId   a private subnet of the database's VPC, where Glue puts the job's network interfaces
 * @param sourceSecurityGroupId a security group the database admits on 5432 and that admits itself (Glue's rule)
 * @param sourceAvailabilityZone the subnet's availability zone
 * @param alertEndpoint    an HTTPS endpoint subscribed to both topics (an incident tool's webhook), or empty
 * @param glueWorkers      the most workers Glue's auto scaling may give a run
 * @param tableMaxWriteCapacity with provisioned billing, the most write units auto scaling may set (40,000 is
 *                         AWS's default quota per table; 50,000 sales/s needs about 80,000 and a quota raise)
 * @param monthlyBudgetUsd the monthly cost budget; warnings at 80 % forecast and 100 % actual
 */
public record PulsoParameters(String environment, String region, String streamName, int streamShards, String tableName,
                              boolean tableOnDemand, int tableMaxWriteCapacity, String bucketName, String alertEmail,
                              String alertEndpoint, String eksOidcIssuer,
                              String serviceAccount, String glueJobName, String glueWorkerType, int glueWorkers,
                              String sourceJdbcUrl, String sourceSubnetId, String sourceSecurityGroupId,
                              String sourceAvailabilityZone, int monthlyBudgetUsd) {

  /** The context of {@code node}, with the server's default names where a value is not given. */
  public static PulsoParameters of(Node node) {
    String environment = string(node, "environment", "prod");
    List<String> missing = new ArrayList<>();
    PulsoParameters parameters = new PulsoParameters(environment, string(node, "region", "us-east-1"),
        string(node, "streamName", "pulso-sale-changes"),
        Integer.parseInt(string(node, "streamShards", "0")),
        string(node, "tableName", "pulso-metrics"),
        !"provisioned".equals(string(node, "tableBilling", "on-demand")),
        Integer.parseInt(string(node, "tableMaxWriteCapacity", "40000")),
        string(node, "bucketName", "pulso-reports-" + environment),
        string(node, "alertEmail", ""),
        string(node, "alertEndpoint", ""),
        required(node, "eksOidcIssuer", missing),
        string(node, "serviceAccount", "pulso:pulso"),
        string(node, "glueJobName", "pulso-daily-report"),
        string(node, "glueWorkerType", "G.1X"),
        Integer.parseInt(string(node, "glueWorkers", "10")),
        required(node, "sourceJdbcUrl", missing),
        required(node, "sourceSubnetId", missing),
        required(node, "sourceSecurityGroupId", missing),
        required(node, "sourceAvailabilityZone", missing),
        Integer.parseInt(string(node, "monthlyBudgetUsd", "2000")));
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException("missing context " + missing + ": give each with -c key=value (README,"
          + " \"AWS infrastructure\")");
    }
    if (!parameters.alertEndpoint().isEmpty() && !parameters.alertEndpoint().startsWith("https://")) {
      throw new IllegalArgumentException("alertEndpoint must be an https:// URL: " + parameters.alertEndpoint());
    }
    if (!parameters.serviceAccount().matches("[a-z0-9-]+:[a-z0-9-]+")) {
      throw new IllegalArgumentException("serviceAccount must be namespace:name: " + parameters.serviceAccount());
    }
    return parameters;
  }

  /** The namespace of {@link #serviceAccount()}. */
  public String serviceAccountNamespace() {
    return serviceAccount.substring(0, serviceAccount.indexOf(':'));
  }

  /** The name of {@link #serviceAccount()}. */
  public String serviceAccountName() {
    return serviceAccount.substring(serviceAccount.indexOf(':') + 1);
  }

  private static String required(Node node, String key, List<String> missing) {
    String value = string(node, key, "");
    if (value.isEmpty()) {
      missing.add(key);
    }
    return value;
  }

  private static String string(Node node, String key, String fallback) {
    Object value = node.tryGetContext(key);
    return value == null ? fallback : value.toString().trim();
  }
}
