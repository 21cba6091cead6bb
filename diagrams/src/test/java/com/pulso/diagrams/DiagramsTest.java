package com.pulso.diagrams;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import net.sourceforge.plantuml.FileFormat;
import net.sourceforge.plantuml.FileFormatOption;
import net.sourceforge.plantuml.SourceStringReader;
import org.junit.jupiter.api.Test;

/**
 * The diagrams of diagrams/: each renders to SVG, the committed SVG is the rendering of its source
 * as it is now (so they read on any Git host and cannot drift), and they show what is built: every
 * verticle class of the server, every AWS resource the configuration names, the Kubernetes services.
 * {@code mvn -pl diagrams test -Ddiagrams.update=true} writes the SVGs after a change of a source.
 */
class DiagramsTest {

  private static final Path HOME = Path.of(System.getProperty("pulso.home", "..")).toAbsolutePath().normalize();
  private static final Path DIAGRAMS = HOME.resolve("diagrams");
  private static final Pattern SOURCE = Pattern.compile("<\\?plantuml-src ([^?]*)\\?>");

  @Test
  void everyDiagramRendersAndItsCommittedSvgIsItsRenderingNow() throws Exception {
    List<Path> sources = sources();
    assertThat(sources).extracting(path -> path.getFileName().toString())
        .contains("context.puml", "members.puml", "realtime.puml", "batch.puml", "deployment.puml");
    for (Path source : sources) {
      String svg = render(source);
      assertThat(svg).as(source.toString()).startsWith("<svg").contains("</svg>").doesNotContain("Syntax Error");
      Path committed = source.resolveSibling(source.getFileName().toString().replace(".puml", ".svg"));
      if (Boolean.getBoolean("diagrams.update")) {
        Files.writeString(committed, svg, StandardCharsets.UTF_8);
      }
      // The SVG carries its source (PlantUML encodes it): the committed one must be this source's.
      assertThat(Files.exists(committed)).as("%s is committed (mvn -pl diagrams test -Ddiagrams.update=true)", committed)
          .isTrue();
      assertThat(encodedSource(Files.readString(committed, StandardCharsets.UTF_8))).as(
          "%s is the rendering of %s as it is now (mvn -pl diagrams test -Ddiagrams.update=true)", committed, source)
          .isEqualTo(encodedSource(svg));
    }
  }

  @Test
  void theMembersDiagramNamesEveryVerticleTheServerHas() throws Exception {
    String members = Files.readString(DIAGRAMS.resolve("members.puml"));
    List<String> verticles;
    try (Stream<Path> files = Files.walk(HOME.resolve("service/src/main/java"))) {
      verticles = files.filter(file -> file.toString().endsWith(".java")).filter(file -> {
        try {
          return Pattern.compile("extends (VerticleBase|AbstractVerticle)\\b").matcher(Files.readString(file)).find();
        } catch (IOException e) {
          throw new IllegalStateException(e);
        }
      }).map(file -> file.getFileName().toString().replace(".java", "")).toList();
    }

    assertThat(verticles).contains("ApiVerticle", "CaptureVerticle", "ConsumerVerticle", "BatchOrchestrator");
    assertThat(verticles).allSatisfy(verticle -> assertThat(members).as("members.puml names " + verticle).contains(verticle));
  }

  @Test
  void theDiagramsNameEveryAwsResourceOfTheConfigurationAndTheKubernetesServices() throws Exception {
    String application = Files.readString(HOME.resolve("conf/application.yaml"));
    String context = Files.readString(DIAGRAMS.resolve("context.puml"));
    String members = Files.readString(DIAGRAMS.resolve("members.puml"));
    for (String key : List.of("stream", "table", "bucket", "jobName")) {
      Matcher value = Pattern.compile("(?m)^\\s+" + key + ": (\\S+)$").matcher(application);
      assertThat(value.find()).as("conf/application.yaml has a %s", key).isTrue();
      assertThat(context).as("context.puml").contains(value.group(1));
      assertThat(members).as("members.puml").contains(value.group(1));
    }
    String deployment = Files.readString(DIAGRAMS.resolve("deployment.puml"));
    for (String service : List.of("pulso-cluster", "pulso-api")) {
      assertThat(Files.readString(HOME.resolve("k8s/base/service-" + service.replace("pulso-", "") + ".yaml")))
          .contains("name: " + service);
      assertThat(deployment).contains("Service " + service);
    }
  }

  private static List<Path> sources() throws IOException {
    try (Stream<Path> files = Files.list(DIAGRAMS)) {
      return files.filter(file -> file.toString().endsWith(".puml")).sorted().toList();
    }
  }

  private static String render(Path source) throws IOException {
    ByteArrayOutputStream svg = new ByteArrayOutputStream();
    new SourceStringReader(Files.readString(source, StandardCharsets.UTF_8))
        .outputImage(svg, new FileFormatOption(FileFormat.SVG));
    return svg.toString(StandardCharsets.UTF_8);
  }

  private static String encodedSource(String svg) {
    Matcher matcher = SOURCE.matcher(svg);
    return matcher.find() ? matcher.group(1) : "(no source in the SVG)";
  }
}
