package com.pulso.k8s;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Renders a kustomization with {@code kubectl kustomize}, offline. kubectl is given an empty
 * kubeconfig: without one it would call localhost:8080, which is Pulso's own port.
 */
final class Kustomize {

  private Kustomize() {}

  /** The repository's root: Maven sets {@code pulso.home}; else the nearest directory up holding k8s/base. */
  static Path home() {
    String property = System.getProperty("pulso.home");
    if (property != null) {
      return Path.of(property).toAbsolutePath();
    }
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isDirectory(dir.resolve("k8s/base"))) {
        return dir;
      }
    }
    throw new IllegalStateException("no k8s/base above " + Path.of("").toAbsolutePath() + ": set -Dpulso.home");
  }

  /** The rendered documents of the kustomization in {@code dir}. */
  static List<String> render(Path dir) throws IOException, InterruptedException {
    Path kubeconfig = Files.createTempFile("empty-kubeconfig", ".yaml");
    Path output = Files.createTempFile("kustomize", ".out");
    try {
      ProcessBuilder builder = new ProcessBuilder("kubectl", "kustomize", dir.toString())
          .redirectErrorStream(true).redirectOutput(output.toFile());
      builder.environment().put("KUBECONFIG", kubeconfig.toString());
      Process process;
      try {
        process = builder.start();
      } catch (IOException e) {
        throw new IllegalStateException("kubectl is needed to render k8s/ (it comes with the Google Cloud SDK on"
            + " this project's machines; any kubectl 1.27+ with its built-in kustomize will do)", e);
      }
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException("kubectl kustomize " + dir + " did not end within 60 s");
      }
      String rendered = Files.readString(output, StandardCharsets.UTF_8);
      if (process.exitValue() != 0) {
        throw new IllegalStateException("kubectl kustomize " + dir + " failed:\n" + rendered);
      }
      return Arrays.stream(rendered.split("(?m)^---$")).map(String::strip).filter(doc -> !doc.isEmpty()).toList();
    } finally {
      Files.deleteIfExists(kubeconfig);
      Files.deleteIfExists(output);
    }
  }
}
