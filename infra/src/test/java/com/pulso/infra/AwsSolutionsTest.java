package com.pulso.infra;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.cdklabs.cdknag.AwsSolutionsChecks;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awscdk.PolicyValidationPluginReport;
import software.amazon.awscdk.Stack;

/**
 * cdk-nag's AwsSolutions pack over every stack: no finding unless acknowledged in the stack, next to
 * what it is about, with the reason.
 */
class AwsSolutionsTest {

  static Stream<Stack> stacks() {
    PulsoInfra.Stacks stacks = TestEnvironment.get().stacks;
    return Stream.of(stacks.data(), stacks.batch(), stacks.service(), stacks.monitoring(), stacks.source());
  }

  @ParameterizedTest
  @MethodSource("stacks")
  void findsNothingUnacknowledged(Stack stack) {
    PolicyValidationPluginReport report = new AwsSolutionsChecks(TestEnvironment.get().app).validateScope(stack);

    List<String> findings = report.getViolations().stream()
        .map(v -> v.getRuleName() + " " + v.getViolatingResources().stream()
            .map(r -> r.getResourceLogicalId() + (r.getLocations() == null ? "" : " " + r.getLocations())).toList()
            + ": " + v.getDescription()).toList();
    assertThat(findings).as("AwsSolutions findings in %s", stack.getStackName()).isEmpty();
  }
}
