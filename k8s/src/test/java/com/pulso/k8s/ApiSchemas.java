package com.pulso.k8s;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Rendered objects against the Kubernetes API's JSON schemas (k8s/validate: npm kubernetes-models,
 * on Node 20): required fields, types and allowed values, the part of validity that the model of
 * {@link ApiModel} does not check. Installs its packages (npm ci of the committed lock) on first use.
 */
final class ApiSchemas {

  private static final Path DIR = Kustomize.home().resolve("k8s/validate");

  private ApiSchemas() {}

  /** What validate.js printed (one line per object) and whether every object is valid. */
  record Verdict(boolean valid, String report) {}

  static synchronized Verdict validate(String yaml) throws IOException, InterruptedException {
    install();
    Path file = Files.createTempFile("rendered", ".yaml");
    try {
      Files.writeString(file, yaml, StandardCharsets.UTF_8);
      Run run = run(List.of("node", "validate.js", file.toString()));
      return new Verdict(run.exit() == 0, run.output());
    } finally {
      Files.deleteIfExists(file);
    }
  }

  /** npm ci, unless node_modules holds a complete install (npm writes .package-lock.json last) of the lock as it is. */
  private static void install() throws IOException, InterruptedException {
    Path installed = DIR.resolve("node_modules/.package-lock.json");
    if (Files.exists(installed)
        && Files.getLastModifiedTime(installed).compareTo(Files.getLastModifiedTime(DIR.resolve("package-lock.json"))) >= 0) {
      return;
    }
    Run npm = run(List.of("npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"));
    if (npm.exit() != 0) {
      throw new IllegalStateException("npm ci in " + DIR + " failed (Node 20 and the npm registry are needed):\n" + npm.output());
    }
  }

  private record Run(int exit, String output) {}

  private static Run run(List<String> command) throws IOException, InterruptedException {
    Path output = Files.createTempFile("node", ".out");
    try {
      Process process = new ProcessBuilder(command).directory(DIR.toFile()).redirectErrorStream(true)
          .redirectOutput(output.toFile()).start();
      if (!process.waitFor(5, TimeUnit.MINUTES)) {
        process.destroyForcibly();
        throw new IllegalStateException(String.join(" ", command) + " did not end within 5 minutes");
      }
      return new Run(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(output);
    }
  }
}
