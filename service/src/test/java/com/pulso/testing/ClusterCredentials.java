package com.pulso.testing;

import io.vertx.core.net.SelfSignedCertificate;
import java.util.Map;

/**
 * What the aws profile requires of a member's cluster (docs/api.md, "Security"): a secret and the
 * event bus's mutual TLS. One self-signed certificate per test JVM serves as every member's
 * certificate and as the CA that trusts them, so the members a test starts form one cluster.
 */
public final class ClusterCredentials {

  private static SelfSignedCertificate certificate;

  private ClusterCredentials() {}

  /** The environment variables giving a server JVM the test cluster's secret and TLS files. */
  public static synchronized Map<String, String> env() {
    if (certificate == null) {
      certificate = SelfSignedCertificate.create("pulso-test-cluster");
    }
    return Map.of(
        "PULSO_CLUSTER_SECRET", "pulso-test-cluster-secret-0123456789abcdef",
        "PULSO_CLUSTER_TLS_CERT_PATH", certificate.certificatePath(),
        "PULSO_CLUSTER_TLS_KEY_PATH", certificate.privateKeyPath(),
        "PULSO_CLUSTER_TLS_CA_PATH", certificate.certificatePath());
  }
}
