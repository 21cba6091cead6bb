package com.pulso.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Every overlay of k8s/ renders, and every object it renders is one the Kubernetes API accepts as
 * written: no field the API does not have (a typo is an error, not a silently ignored line), no
 * value of the wrong type ({@link ApiModel}), every required field and only allowed values
 * ({@link ApiSchemas}). What the objects say is held to the server's configuration by the
 * service module's DeploymentAgreesWithTheServerTest.
 */
class ManifestsTest {

  private static final Path K8S = Kustomize.home().resolve("k8s");

  @Test
  void theBaseAndTheEksOverlayRenderObjectsTheApiAcceptsAsWritten() throws Exception {
    for (Path kustomization : List.of(K8S.resolve("base"), K8S.resolve("overlays/eks"))) {
      List<String> documents = Kustomize.render(kustomization);

      assertThat(documents).as(kustomization.toString()).isNotEmpty();
      for (String document : documents) {
        assertThat(ApiModel.problems(document)).as("%s:%n%s", kustomization, document).isEmpty();
      }
      ApiSchemas.Verdict verdict = ApiSchemas.validate(String.join("\n---\n", documents));
      assertThat(verdict.valid()).as("%s against the API's schemas:%n%s", kustomization, verdict.report()).isTrue();
      assertThat(verdict.report().lines()).hasSize(documents.size());
    }
  }

  @Test
  void aValueTheApiDoesNotAllowIsReportedByItsSchemas() throws Exception {
    String rendered = String.join("\n---\n", Kustomize.render(K8S.resolve("overlays/eks")));
    String misspelled = rendered.replace("whenUnsatisfiable: DoNotSchedule", "whenUnsatisfiable: DoNotScheduel");
    assertThat(misspelled).isNotEqualTo(rendered);

    ApiSchemas.Verdict verdict = ApiSchemas.validate(misspelled);

    assertThat(verdict.valid()).isFalse();
    assertThat(verdict.report()).contains("Deployment pulso: data/spec/template/spec/topologySpreadConstraints/0/whenUnsatisfiable");
  }

  @Test
  void theEksOverlayHasEveryPartOfADeploymentAndItsParameters() throws Exception {
    List<KubernetesResource> objects = Kustomize.render(K8S.resolve("overlays/eks")).stream().map(ApiModel::read).toList();

    assertThat(objects.stream().map(object -> object.getClass().getSimpleName()).collect(Collectors.toSet()))
        .containsExactlyInAnyOrder("Namespace", "ServiceAccount", "ConfigMap", "Service", "Deployment",
            "PodDisruptionBudget", "HorizontalPodAutoscaler", "Ingress", "NetworkPolicy");
    Ingress ingress = only(objects, Ingress.class);
    assertThat(ingress.getMetadata().getAnnotations()).containsEntry("alb.ingress.kubernetes.io/certificate-arn",
        "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000");
    assertThat(ingress.getSpec().getRules().get(0).getHost()).isEqualTo("pulso.example.com");
    Deployment deployment = only(objects, Deployment.class);
    assertThat(deployment.getMetadata().getNamespace()).isEqualTo("pulso");
    assertThat(deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
        .isEqualTo("123456789012.dkr.ecr.us-east-1.amazonaws.com/pulso:0.1.0");
    // The parameters' ConfigMap only feeds the replacements: it is not applied.
    assertThat(Kustomize.render(K8S.resolve("overlays/eks"))).noneMatch(doc -> doc.contains("name: pulso-parameters"));
  }

  @Test
  void theDeploymentRunsAsAnUnprivilegedUserOnAReadOnlyFilesystemSpreadOverZones() throws Exception {
    Deployment deployment = only(Kustomize.render(K8S.resolve("overlays/eks")).stream().map(ApiModel::read).toList(),
        Deployment.class);
    PodSpec pod = deployment.getSpec().getTemplate().getSpec();
    Container container = pod.getContainers().get(0);

    assertThat(deployment.getSpec().getReplicas()).isEqualTo(3);
    assertThat(deployment.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable().getIntVal()).isZero();
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSecurityContext().getRunAsUser()).isPositive();
    assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    assertThat(container.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(pod.getAutomountServiceAccountToken()).isFalse();
    assertThat(container.getVolumeMounts()).anySatisfy(mount -> assertThat(mount.getMountPath()).isEqualTo("/tmp"));
    assertThat(pod.getTopologySpreadConstraints()).extracting(c -> c.getTopologyKey())
        .containsExactly("topology.kubernetes.io/zone", "kubernetes.io/hostname");
    assertThat(container.getResources().getLimits()).containsKey("memory").doesNotContainKey("cpu");
  }

  @Test
  void theOptionalPrometheusOperatorComponentAddsAPodMonitorOfTheOperatorsPort() throws Exception {
    // An overlay of the eks one with the component, as a user would write it (kustomize wants relative paths).
    Path dir = Files.createDirectories(K8S.resolve("target/eks-with-prometheus-operator"));
    Files.writeString(dir.resolve("kustomization.yaml"), "apiVersion: kustomize.config.k8s.io/v1beta1\n"
        + "kind: Kustomization\nnamespace: pulso\nresources:\n  - ../../overlays/eks\ncomponents:\n"
        + "  - ../../components/prometheus-operator\n");

    List<String> documents = Kustomize.render(dir);

    String monitor = documents.stream().filter(doc -> doc.contains("kind: PodMonitor")).findFirst().orElseThrow();
    assertThat(monitor).contains("port: management").contains("path: /metrics").contains("namespace: pulso");
    // A custom resource: the API's model does not know it, and says so rather than accepting it blindly.
    assertThat(ApiModel.problems(monitor)).containsExactly("PodMonitor: not a kind of the Kubernetes API (monitoring.coreos.com/v1)");
  }

  @Test
  void aFieldTheApiDoesNotHaveOrAValueOfTheWrongTypeIsReported() {
    assertThat(ApiModel.problems(deployment("replicas: 1", "periodSecond: 5"))).singleElement().asString()
        .contains("containers[0].readinessProbe.periodSecond");
    assertThat(ApiModel.problems(deployment("replicas: three", "periodSeconds: 5"))).singleElement().asString()
        .contains("three");
    assertThat(ApiModel.problems(deployment("replicas: 1", "periodSeconds: 5"))).isEmpty();
  }

  /** A small Deployment with {@code replicas} in its spec and {@code probeField} in its readiness probe. */
  private static String deployment(String replicas, String probeField) {
    return """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: probe
        spec:
          %s
          selector:
            matchLabels: {app: probe}
          template:
            metadata:
              labels: {app: probe}
            spec:
              containers:
                - name: probe
                  image: probe
                  readinessProbe:
                    %s
                    httpGet: {path: /health/ready, port: 8081}
        """.formatted(replicas, probeField);
  }

  private static <T> T only(List<KubernetesResource> objects, Class<T> kind) {
    List<T> found = objects.stream().filter(kind::isInstance).map(kind::cast).toList();
    assertThat(found).as(kind.getSimpleName()).hasSize(1);
    return found.get(0);
  }

}
