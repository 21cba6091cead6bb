package com.pulso.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.pulso.testing.TestServices;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.Map;
import com.pulso.testing.ClusterCredentials;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

  private static final Path CONF = TestServices.home().resolve("conf");

  @Test
  void defaultsLoadForTheLocalProfile() {
    PulsoConfig config = ConfigLoader.load(CONF, Map.of());

    assertThat(config.profile()).isEqualTo("local");
    assertThat(config.http().port()).isEqualTo(8080);
    assertThat(config.http().drain()).isEqualTo(Duration.ofSeconds(10));
    assertThat(config.http().preStop()).isZero();
    assertThat(config.businessZone()).isEqualTo(ZoneId.of("America/Bogota"));
    assertThat(config.cluster().members()).containsExactly("127.0.0.1");
    assertThat(config.cluster().maxNoHeartbeatSeconds()).isLessThan(60);
    assertThat(config.database().port()).isEqualTo(15432);
    assertThat(config.source().salesTable()).isEqualTo("ventas");
    assertThat(config.aws().manageResources()).isTrue();
    assertThat(config.aws().kinesisEndpoint()).isEqualTo(URI.create("http://127.0.0.1:4567"));
    assertThat(config.devServices().enabled()).isTrue();
    assertThat(config.demo().rate()).isEqualTo(20);
    assertThat(config.http().host()).as("the local profile, with its published keys, on loopback only")
        .isEqualTo("127.0.0.1");
    assertThat(ConfigLoader.load(CONF, Map.of("PULSO_HTTP_HOST", "0.0.0.0")).http().host()).isEqualTo("0.0.0.0");
  }

  /** The aws profile's required settings: the RDS CA file, the cluster's secret and TLS files. */
  private static Map<String, String> awsEnv(Map<String, String> more) {
    Map<String, String> env = new HashMap<>(ClusterCredentials.env());
    env.put("PULSO_PROFILE", "aws");
    env.put("PULSO_DATABASE_SSL_ROOT_CERT", CONF.resolve("application.yaml").toString());
    env.putAll(more);
    return env;
  }

  @Test
  void awsProfileUsesRealEndpointsAndNoDevServices() {
    PulsoConfig config = ConfigLoader.load(CONF, awsEnv(Map.of()));

    assertThat(config.http().host()).isEqualTo("0.0.0.0");
    assertThat(config.aws().kinesisEndpoint()).isNull();
    assertThat(config.aws().s3Endpoint()).isNull();
    assertThat(config.aws().manageResources()).isFalse();
    assertThat(config.devServices().enabled()).isFalse();
    assertThat(config.demo().enabled()).isFalse();
  }

  @Test
  void theAwsProfileNeedsTheClusterSecretAndTheEventBusTls() {
    Map<String, String> env = new HashMap<>(awsEnv(Map.of()));
    env.remove("PULSO_CLUSTER_SECRET");
    assertThatThrownBy(() -> ConfigLoader.load(CONF, env)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("cluster.secret");
    env.putAll(awsEnv(Map.of()));
    env.remove("PULSO_CLUSTER_TLS_CA_PATH");
    assertThatThrownBy(() -> ConfigLoader.load(CONF, env)).hasMessageContaining("cluster.tls");
    assertThatThrownBy(() -> ConfigLoader.load(CONF, awsEnv(Map.of("PULSO_CLUSTER_SECRET", "short"))))
        .hasMessageContaining("cluster.secret: at least 32");

    PulsoConfig config = ConfigLoader.load(CONF, awsEnv(Map.of()));
    assertThat(config.cluster().tls().ca()).isReadable();
    assertThat(config.cluster().secret()).hasSizeGreaterThanOrEqualTo(32);
  }

  @Test
  void outsideTheLocalProfileAnAdminKeyHasAtLeast32Characters() {
    assertThatThrownBy(() -> ConfigLoader.load(CONF, awsEnv(Map.of("PULSO_ADMIN_KEY", "a-key-of-only-24-characters"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("api.adminKey: at least 32");
    assertThat(ConfigLoader.load(CONF, awsEnv(Map.of("PULSO_ADMIN_KEY", "k".repeat(32)))).api().adminKey()).hasSize(32);
    // The local profile's demo key is published anyway: shorter is accepted there.
    assertThat(ConfigLoader.load(CONF, Map.of("PULSO_ADMIN_KEY", "a-local-key-0123456")).api().adminKey())
        .isEqualTo("a-local-key-0123456");
  }

  @Test
  void environmentVariableOverridesAKey() {
    PulsoConfig config = ConfigLoader.load(CONF, Map.of(
        "PULSO_HTTP_PORT", "9090",
        "PULSO_AWS_MANAGE_RESOURCES", "false",
        "PULSO_CLUSTER_MEMBERS", "10.0.0.1, 10.0.0.2:5702",
        "PULSO_DEMO_RATE", "0"));

    assertThat(config.http().port()).isEqualTo(9090);
    assertThat(config.aws().manageResources()).isFalse();
    assertThat(config.cluster().members()).containsExactly("10.0.0.1", "10.0.0.2:5702");
    assertThat(config.demo().rate()).isZero();
  }

  @Test
  void invalidValueFailsNamingTheKeyAndItsVariable() {
    assertThatThrownBy(() -> ConfigLoader.load(CONF, Map.of("PULSO_HTTP_PORT", "eighty")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("http.port")
        .hasMessageContaining("PULSO_HTTP_PORT");
    assertThatThrownBy(() -> ConfigLoader.load(CONF, Map.of("PULSO_BUSINESS_TIME_ZONE", "Mars/Olympus")))
        .hasMessageContaining("business.timeZone");
    assertThatThrownBy(() -> ConfigLoader.load(CONF, Map.of("PULSO_AWS_ENDPOINTS_S3", "localhost:4569")))
        .hasMessageContaining("aws.endpoints.s3");
    assertThatThrownBy(() -> ConfigLoader.load(CONF, Map.of("PULSO_SOURCE_SALES_TABLE", "ventas; drop table x")))
        .hasMessageContaining("source.salesTable");
  }

  @Test
  void verifyingDatabaseTlsNeedsAReadableRootCertificate() {
    assertThatThrownBy(() -> ConfigLoader.load(CONF, Map.of("PULSO_DATABASE_SSL_MODE", "verify-full")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("database.sslRootCert");
    assertThatThrownBy(() -> ConfigLoader.load(CONF, Map.of("PULSO_PROFILE", "aws")))
        .as("aws verifies RDS with the CA bundle it expects mounted")
        .hasMessageContaining("database.sslRootCert");
  }

  @Test
  void missingRequiredValueFailsNamingTheKey() {
    assertThatThrownBy(() -> ConfigLoader.load(CONF, Map.of("PULSO_AWS_KINESIS_STREAM", " ")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("aws.kinesis.stream");
  }

  @Test
  void unknownProfileOrKeyIsRefused(@TempDir Path dir) throws IOException {
    Files.copy(CONF.resolve("application.yaml"), dir.resolve("application.yaml"));
    Files.writeString(dir.resolve("typo.yaml"), "http:\n  prot: 9000\n");

    assertThatThrownBy(() -> ConfigLoader.load(dir, Map.of("PULSO_PROFILE", "typo")))
        .hasMessageContaining("http.prot");
    assertThatThrownBy(() -> ConfigLoader.load(dir, Map.of("PULSO_PROFILE", "staging")))
        .hasMessageContaining("PULSO_PROFILE");
  }

  @Test
  void misspelledVariableIsRefusedInsteadOfIgnored() {
    assertThatThrownBy(() -> ConfigLoader.load(CONF, Map.of("PULSO_DEMO_RATES", "5")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("PULSO_DEMO_RATES");
    // The launcher's own variable and foreign ones pass.
    assertThat(ConfigLoader.load(CONF, Map.of("PULSO_SKIP_BUILD", "true", "HOME", "/root")).profile()).isEqualTo("local");
  }

  @Test
  void envNameFollowsTheKeyPath() {
    assertThat(ConfigLoader.envName("aws.manageResources")).isEqualTo("PULSO_AWS_MANAGE_RESOURCES");
    assertThat(ConfigLoader.envName("http.port")).isEqualTo("PULSO_HTTP_PORT");
    assertThat(ConfigLoader.envName("demo.rate")).isEqualTo("PULSO_DEMO_RATE");
  }
}
