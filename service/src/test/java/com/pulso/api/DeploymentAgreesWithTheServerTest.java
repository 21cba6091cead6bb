package com.pulso.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.pulso.cluster.ClusterSetup;
import com.pulso.config.ConfigLoader;
import com.pulso.config.PulsoConfig;
import com.pulso.testing.TestServices;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * The eks overlay of k8s/, rendered, against the server it deploys: its ConfigMap and environment are
 * accepted by Pulso's own configuration loader (which refuses unknown PULSO_ variables and files that
 * are not there), and the ports, probe paths, service names and grace period are the ones this
 * configuration makes the server use. (That every object is valid Kubernetes is the k8s module's test.)
 */
class DeploymentAgreesWithTheServerTest {

  private static List<Map<String, Object>> objects;
  private static Map<String, Object> pod;
  private static Map<String, Object> container;

  @BeforeAll
  static void render(@TempDir Path dir) throws Exception {
    Path kubeconfig = Files.writeString(dir.resolve("kubeconfig"), "");
    Path output = dir.resolve("eks.yaml");
    // An empty kubeconfig: without one, kubectl would call localhost:8080, Pulso's own port.
    ProcessBuilder kubectl = new ProcessBuilder("kubectl", "kustomize",
        TestServices.home().resolve("k8s/overlays/eks").toString()).redirectErrorStream(true).redirectOutput(output.toFile());
    kubectl.environment().put("KUBECONFIG", kubeconfig.toString());
    Process process = kubectl.start();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(Files.readString(output)).isZero();
    objects = new java.util.ArrayList<>();
    new Yaml().loadAll(Files.readString(output, StandardCharsets.UTF_8)).forEach(doc -> objects.add(map(doc)));
    pod = map(path(object("Deployment", "pulso"), "spec", "template", "spec"));
    container = map(((List<?>) pod.get("containers")).get(0));
  }

  @Test
  void theConfigMapAndEnvironmentAreAcceptedByTheServersConfigurationLoader(@TempDir Path root) throws Exception {
    PulsoConfig config = load(root);

    assertThat(config.profile()).isEqualTo("aws");
    assertThat(config.cluster().tls()).isNotNull();
    assertThat(config.cluster().host()).isEqualTo("10.1.2.3");
    assertThat(config.database().sslMode()).isEqualTo("verify-full");
    assertThat(config.http().forwardedForHops()).as("behind the ALB").isEqualTo(1);
  }

  @Test
  void portsProbesAndTheClusterServiceAreTheOnesTheServerUses(@TempDir Path root) throws Exception {
    PulsoConfig config = load(root);

    assertThat(port("http")).isEqualTo(config.http().port());
    assertThat(port("management")).isEqualTo(config.http().managementPort());
    assertThat(port("hazelcast")).isEqualTo(config.cluster().port());
    assertThat(port("event-bus")).isEqualTo(config.cluster().eventBusPort());
    // Probes on the operators' port (HealthRoutes): the live one for startup and liveness, readiness on ready.
    for (String probe : List.of("startupProbe", "livenessProbe")) {
      assertThat(path(container, probe, "httpGet")).isEqualTo(Map.of("path", "/health/live", "port", "management"));
    }
    assertThat(path(container, "readinessProbe", "httpGet")).isEqualTo(Map.of("path", "/health/ready", "port", "management"));
    // The members find each other through the headless service that publishes unready members.
    Map<String, Object> headless = object("Service", "pulso-cluster");
    String namespace = (String) path(headless, "metadata", "namespace");
    assertThat(config.cluster().kubernetesServiceDns()).isEqualTo("pulso-cluster." + namespace + ".svc.cluster.local");
    assertThat(path(headless, "spec", "clusterIP")).isEqualTo("None");
    assertThat(path(headless, "spec", "publishNotReadyAddresses")).isEqualTo(true);
    assertThat(map(((List<?>) path(headless, "spec", "ports")).get(0)).get("port")).isEqualTo(config.cluster().port());
    // Prometheus scrapes the operators' port.
    assertThat(path(object("Deployment", "pulso"), "spec", "template", "metadata", "annotations"))
        .isEqualTo(Map.of("prometheus.io/scrape", "true", "prometheus.io/port", String.valueOf(config.http().managementPort()),
            "prometheus.io/path", "/metrics"));
  }

  @Test
  void theGracePeriodCoversPreStopDrainAndLeavingAndTheAlbDrainsAsLongAsTheMember(@TempDir Path root) throws Exception {
    PulsoConfig config = load(root);
    long needed = config.http().preStop().toSeconds() + config.http().drain().toSeconds()
        + ClusterSetup.LEAVE_WAIT.toSeconds();

    assertThat(((Number) pod.get("terminationGracePeriodSeconds")).longValue()).isGreaterThan(needed);
    Map<?, ?> annotations = map(path(object("Ingress", "pulso"), "metadata", "annotations"));
    assertThat(annotations.get("alb.ingress.kubernetes.io/target-group-attributes")).isEqualTo(
        "deregistration_delay.timeout_seconds=" + (config.http().preStop().toSeconds() + config.http().drain().toSeconds()));
    assertThat(annotations.get("alb.ingress.kubernetes.io/healthcheck-path")).isEqualTo("/health/ready");
    long idle = Long.parseLong(((String) annotations.get("alb.ingress.kubernetes.io/load-balancer-attributes"))
        .replace("idle_timeout.timeout_seconds=", ""));
    assertThat(idle).as("the ALB's idle timeout over the stream's heartbeat").isGreaterThan(FiguresStream.HEARTBEAT.toSeconds());
  }

  /**
   * The server's configuration from the rendered ConfigMap and the container's environment, as the
   * pod would get them: secrets and the pod's address given test values, and the mounted files made
   * under {@code root} where their volumes mount them.
   */
  private static PulsoConfig load(Path root) throws Exception {
    Map<String, String> env = new HashMap<>();
    String configMap = (String) map(((List<?>) container.get("envFrom")).get(0)).entrySet().stream()
        .map(entry -> map(entry.getValue()).get("name")).findFirst().orElseThrow();
    map(object("ConfigMap", configMap).get("data")).forEach((key, value) -> env.put((String) key, (String) value));
    for (Object item : (List<?>) container.get("env")) {
      Map<String, Object> variable = map(item);
      String name = (String) variable.get("name");
      Map<String, Object> from = variable.containsKey("valueFrom") ? map(variable.get("valueFrom")) : Map.of();
      if (variable.containsKey("value")) {
        env.put(name, (String) variable.get("value"));
      } else if (from.containsKey("fieldRef")) {
        assertThat(path(variable, "valueFrom", "fieldRef", "fieldPath")).isEqualTo("status.podIP");
        env.put(name, "10.1.2.3");
      } else {
        assertThat(path(variable, "valueFrom", "secretKeyRef", "name")).isEqualTo("pulso-secrets");
        env.put(name, "secret-of-the-test-" + "x".repeat(32));
      }
    }
    List<String> mounts = ((List<?>) container.get("volumeMounts")).stream()
        .map(mount -> (String) map(mount).get("mountPath")).toList();
    for (Map.Entry<String, String> variable : env.entrySet()) {
      if (variable.getValue().startsWith("/etc/")) {
        assertThat(mounts).as("%s is in a mounted volume", variable).anyMatch(mount -> variable.getValue().startsWith(mount + "/"));
        Path file = root.resolve(variable.getValue().substring(1));
        Files.createDirectories(file.getParent());
        Files.writeString(file, "test");
        variable.setValue(file.toString());
      }
    }
    return ConfigLoader.load(TestServices.home().resolve("conf"), env);
  }

  private static int port(String name) {
    return ((List<?>) container.get("ports")).stream().map(DeploymentAgreesWithTheServerTest::map)
        .filter(port -> name.equals(port.get("name"))).map(port -> (Integer) port.get("containerPort"))
        .findFirst().orElseThrow(() -> new AssertionError("no container port " + name));
  }

  private static Map<String, Object> object(String kind, String name) {
    return objects.stream().filter(o -> kind.equals(o.get("kind")) && name.equals(path(o, "metadata", "name")))
        .findFirst().orElseThrow(() -> new AssertionError("no " + kind + " " + name));
  }

  private static Object path(Map<String, Object> object, String... keys) {
    Object node = object;
    for (String key : keys) {
      node = node == null ? null : map(node).get(key);
    }
    return node;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object node) {
    return (Map<String, Object>) node;
  }
}
