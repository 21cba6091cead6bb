package com.pulso.infra;

import software.constructs.Node;

/**
 * One environment's parameters, from the CDK context ({@code cdk.json} or {@code -c key=value}):
 * its name and region, the resource names the server's configuration uses, the stream's capacity (0 shards:
 * on-demand), the table's billing, and where alerts go.
 */
public record PulsoParameters(String environment, String region, String streamName, int streamShards, String tableName,
                              boolean tableOnDemand, String bucketName, String alertEmail) {

  /** The context of {@code node}, with the server's default names where a value is not given. */
  public static PulsoParameters of(Node node) {
    String environment = string(node, "environment", "prod");
    return new PulsoParameters(environment, string(node, "region", "us-east-1"),
        string(node, "streamName", "pulso-sale-changes"),
        Integer.parseInt(string(node, "streamShards", "0")),
        string(node, "tableName", "pulso-metrics"),
        !"provisioned".equals(string(node, "tableBilling", "on-demand")),
        string(node, "bucketName", "pulso-reports-" + environment),
        string(node, "alertEmail", ""));
  }

  private static String string(Node node, String key, String fallback) {
    Object value = node.tryGetContext(key);
    return value == null ? fallback : value.toString().trim();
  }
}
