package com.pulso.infra;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import software.amazon.awscdk.App;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.assertions.Template;

/**
 * One environment ("test", account 123456789012, us-east-1) synthesized once for every test class of
 * this JVM (synthesis takes seconds), with the helpers the tests read templates through.
 */
final class TestEnvironment {

  static final String ACCOUNT = "123456789012";
  static final String REGION = "us-east-1";
  static final String OIDC_ISSUER = "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE0123456789ABCDEF";
  static final String SUBNET = "subnet-0123456789abcdef0";
  static final String SECURITY_GROUP = "sg-0123456789abcdef0";

  private static TestEnvironment instance;

  final App app;
  final PulsoParameters parameters;
  final PulsoInfra.Stacks stacks;
  private final Map<Stack, Template> templates = new LinkedHashMap<>();

  private TestEnvironment() {
    app = new App();
    Map<String, String> context = Map.of("environment", "test", "alertEmail", "oncall@example.com",
        "alertEndpoint", "https://events.example.com/integration/pulso",
        "eksOidcIssuer", OIDC_ISSUER,
        "sourceJdbcUrl", "jdbc:postgresql://sales.abc.us-east-1.rds.amazonaws.com:5432/sales?sslmode=verify-full",
        "sourceSubnetId", SUBNET, "sourceSecurityGroupId", SECURITY_GROUP, "sourceAvailabilityZone", "us-east-1a",
        "monthlyBudgetUsd", "1500");
    context.forEach(app.getNode()::setContext);
    parameters = PulsoParameters.of(app.getNode());
    stacks = PulsoInfra.stacks(app, parameters);
  }

  static synchronized TestEnvironment get() {
    if (instance == null) {
      instance = new TestEnvironment();
    }
    return instance;
  }

  synchronized Template template(Stack stack) {
    return templates.computeIfAbsent(stack, Template::fromStack);
  }

  /** Resources of a type in a stack's template: logical id → properties. */
  @SuppressWarnings("unchecked")
  Map<String, Map<String, Object>> resources(Stack stack, String type) {
    Map<String, Object> all = (Map<String, Object>) template(stack).toJSON().get("Resources");
    Map<String, Map<String, Object>> found = new LinkedHashMap<>();
    all.forEach((id, resource) -> {
      Map<String, Object> r = (Map<String, Object>) resource;
      if (type.equals(r.get("Type"))) {
        found.put(id, (Map<String, Object>) r.getOrDefault("Properties", Map.of()));
      }
    });
    return found;
  }

  /**
   * A CloudFormation value as text: joins joined, the account, region and partition as this environment's,
   * a reference to another resource as {@code ${Ref:id}} / {@code ${GetAtt:id.attr}} / {@code ${Import:name}}.
   */
  @SuppressWarnings("unchecked")
  static String render(Object value) {
    if (value instanceof String text) {
      return text;
    }
    if (value instanceof Map<?, ?> map && map.size() == 1) {
      Map.Entry<?, ?> entry = map.entrySet().iterator().next();
      Object argument = entry.getValue();
      switch (entry.getKey().toString()) {
        case "Fn::Join" -> {
          List<Object> join = (List<Object>) argument;
          return ((List<Object>) join.get(1)).stream().map(TestEnvironment::render)
              .collect(Collectors.joining(join.get(0).toString()));
        }
        case "Ref" -> {
          return switch (argument.toString()) {
            case "AWS::Partition" -> "aws";
            case "AWS::AccountId" -> ACCOUNT;
            case "AWS::Region" -> REGION;
            case "AWS::URLSuffix" -> "amazonaws.com";
            default -> "${Ref:" + argument + "}";
          };
        }
        case "Fn::GetAtt" -> {
          List<Object> attribute = (List<Object>) argument;
          return "${GetAtt:" + attribute.get(0) + "." + attribute.get(1) + "}";
        }
        case "Fn::ImportValue" -> {
          return "${Import:" + render(argument) + "}";
        }
        case "Fn::Sub" -> {
          return argument.toString().replace("${AWS::Partition}", "aws").replace("${AWS::AccountId}", ACCOUNT)
              .replace("${AWS::Region}", REGION).replace("${AWS::URLSuffix}", "amazonaws.com");
        }
        default -> {
          return value.toString();
        }
      }
    }
    return String.valueOf(value);
  }

  /** A string or a list of them, as a list. */
  static List<Object> list(Object value) {
    if (value == null) {
      return List.of();
    }
    return value instanceof List<?> list ? new ArrayList<>(list) : List.of(value);
  }
}
