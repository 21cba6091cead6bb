package com.pulso.infra;

import static com.pulso.infra.TestEnvironment.ACCOUNT;
import static com.pulso.infra.TestEnvironment.REGION;
import static com.pulso.infra.TestEnvironment.list;
import static com.pulso.infra.TestEnvironment.render;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Optional;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.Stack;

/**
 * Least privilege proven against what the code does, not asserted: the AWS operations the server's and
 * the Glue job's tests recorded as they ran ({@link RecordedCalls}) are compared with the IAM policies of
 * the pods' role and the job's role in the synthesized templates. Every operation called is allowed on the
 * resource it was called on; every action allowed is called by some test, or is on a short list below of
 * what only production reaches, each with its reason; no action is a wildcard; "*" is a resource only where
 * the action has no resource-level permissions.
 */
class LeastPrivilegeTest {

  private static final TestEnvironment ENV = TestEnvironment.get();
  private static final PulsoParameters P = ENV.parameters;
  private static final String BUCKET = "arn:aws:s3:::" + P.bucketName();

  /**
   * An IAM action on a resource ARN, with the request's condition keys that matter ({@code s3:prefix}: the key
   * prefix a ListBucket lists; {@code cloudwatch:namespace}: where metrics go).
   */
  record Permission(String action, String resource, Map<String, String> context) {

    Permission(String action, String resource) {
      this(action, resource, Map.of());
    }
  }

  /** An Allow statement of a role's policy, rendered. */
  record Statement(String sid, List<String> actions, List<String> resources, Map<String, Object> condition) {

    boolean allows(Permission needed) {
      return actions.stream().anyMatch(action -> matches(action, needed.action()))
          && resources.stream().anyMatch(resource -> matches(resource, needed.resource()))
          && conditionsHold(needed.context());
    }

    /** As IAM: each StringEquals/StringLike key must be in the request and match; a missing key fails. */
    @SuppressWarnings("unchecked")
    private boolean conditionsHold(Map<String, String> context) {
      for (Map.Entry<String, Object> operator : condition.entrySet()) {
        boolean like = operator.getKey().equals("StringLike");
        for (Map.Entry<String, Object> key : ((Map<String, Object>) operator.getValue()).entrySet()) {
          if (key.getKey().startsWith("kms:")) {
            continue;
          }
          String value = context.get(key.getKey());
          if (value == null || list(key.getValue()).stream().noneMatch(wanted -> like
              ? matches(wanted.toString(), value) : wanted.toString().equals(value))) {
            return false;
          }
        }
      }
      return true;
    }
  }

  /**
   * Calls the tests make that production does not, with why: by the class that makes them alone, or by an
   * operation of a class. Each is checked to be in the record (the list cannot go stale) and not allowed.
   */
  private static final Map<String, String> LOCAL_ONLY = Map.of(
      "LocalSparkRunner", "batch.runner local (conf/aws.yaml: glue): on AWS the Glue job writes, lists and removes reports",
      "AwsResources CreateStream", "aws.manageResources (conf/aws.yaml: false): infra/ owns the stream",
      "AwsResources CreateTable", "aws.manageResources: infra/ owns the table",
      "AwsResources CreateBucket", "aws.manageResources: infra/ owns the bucket",
      "AwsResources PutBucketLifecycleConfiguration", "aws.manageResources: infra/ sets the bucket's rules",
      "AwsResources PutBucketEncryption", "aws.manageResources: infra/ sets the bucket's encryption");

  private static Optional<String> localOnly(RecordedCalls call) {
    return Stream.of(call.caller(), call.caller() + " " + call.operation()).filter(LOCAL_ONLY::containsKey).findFirst();
  }

  /**
   * What the Glue service does as the job's role to start a run, which no test here can make: statement id →
   * why. Their resources are the job's own (its assets, connection, log groups, subnet and security group).
   */
  private static final Map<String, String> GLUE_RUNTIME = Map.of(
      "JobAssets", "Glue reads the launcher and the jars from the CDK assets bucket",
      "Connection", "Glue reads the connection to put the run's network interfaces in the database's subnet",
      "Logs", "Glue writes the run's logs to the three log groups the stack makes, encrypted with the key",
      "NetworkInterfaces", "Glue creates the run's network interfaces in the connection's subnet and security group",
      "OwnNetworkInterfaces", "Glue tags and deletes the network interfaces it created (its tag only)",
      "DescribeNetwork", "Glue checks the subnet, security group and VPC endpoints of the connection");

  @Test
  void theAwsProfileNeitherCreatesResourcesNorRunsTheLocalBatch() throws Exception {
    String aws = Files.readString(Path.of(System.getProperty("pulso.home", "..")).resolve("conf/aws.yaml"));
    assertThat(aws).contains("manageResources: false").contains("runner: glue");
  }

  @Test
  void thePodsRoleAllowsExactlyWhatTheServerCalls() {
    Set<RecordedCalls> recorded = RecordedCalls.of("service");
    List<Statement> policy = policy(ENV.stacks.service(), PulsoRoles.service(P));
    Set<String> localOnlySeen = new TreeSet<>();
    List<RecordedCalls> production = new ArrayList<>();
    List<Permission> used = new ArrayList<>();
    for (RecordedCalls call : recorded) {
      if (localOnly(call).isEmpty()) {
        production.add(call);
        for (Permission needed : permissions(call)) {
          assertThat(policy).as("%s needs %s", call, needed).anyMatch(statement -> statement.allows(needed));
          used.add(needed);
        }
      }
    }
    for (RecordedCalls call : recorded) {
      localOnly(call).ifPresent(local -> {
        localOnlySeen.add(local);
        // Allowed only where a production call needs the very same (HeadBucket's ListBucket lets the local runner list).
        permissions(call).forEach(needed -> assertThat(used.contains(needed)
                || policy.stream().noneMatch(statement -> statement.allows(needed)))
            .as("%s is the local profile's only: %s is allowed for it alone", call, needed).isTrue());
      });
    }
    assertThat(localOnlySeen).as("the local-only calls, each seen in the record")
        .containsExactlyInAnyOrderElementsOf(LOCAL_ONLY.keySet());
    everyActionAllowedIsUsed(policy, used, Map.of());
    assertThat(wildcardResources(policy)).containsExactlyInAnyOrder(BUCKET + "/reports/*", BUCKET + "/dead-letters/*",
        "*");
    theKeyIsUsedOnlyAsTheCallsNeed(policy, production);
  }

  @Test
  void theJobsRoleAllowsExactlyWhatTheJobDoesAndWhatGlueNeedsToRunIt() {
    Set<RecordedCalls> recorded = RecordedCalls.of("glue-job");
    List<Statement> policy = policy(ENV.stacks.batch(), PulsoRoles.reportJob(P));
    List<Permission> used = new ArrayList<>();
    for (RecordedCalls call : recorded) {
      for (Permission needed : permissions(call)) {
        assertThat(policy).as("%s needs %s", call, needed).anyMatch(statement -> statement.allows(needed));
        used.add(needed);
      }
    }
    assertThat(policy.stream().map(Statement::sid)).containsAll(GLUE_RUNTIME.keySet());
    everyActionAllowedIsUsed(policy, used, GLUE_RUNTIME);
    // The wildcards the stack's cdk-nag acknowledgement names, and no other.
    assertThat(wildcardResources(policy)).containsExactlyInAnyOrder(BUCKET + "/reports/*",
        "arn:aws:ec2:" + REGION + ":" + ACCOUNT + ":network-interface/*", "*");
    theKeyIsUsedOnlyAsTheCallsNeed(policy, List.copyOf(recorded));
  }

  /** What IAM must allow for one recorded call, on the resource of Pulso's it stands for. */
  private static List<Permission> permissions(RecordedCalls call) {
    String resource = switch (call.kind()) {
      case "stream" -> "arn:aws:kinesis:" + REGION + ":" + ACCOUNT + ":stream/" + P.streamName();
      case "table" -> "arn:aws:dynamodb:" + REGION + ":" + ACCOUNT + ":table/" + P.tableName();
      case "bucket" -> BUCKET;
      case "object" -> BUCKET + "/" + call.detail() + "some-key";
      case "job" -> "arn:aws:glue:" + REGION + ":" + ACCOUNT + ":job/" + P.glueJobName();
      case "topic" -> "arn:aws:sns:" + REGION + ":" + ACCOUNT + ":pulso-" + P.environment() + "-" + call.detail();
      case "secret" -> "${Ref:" + ENV.resources(ENV.stacks.batch(), "AWS::SecretsManager::Secret").keySet().iterator().next() + "}";
      // PutMetricData takes no resource: any ARN stands for it, the namespace is in the context.
      case "namespace" -> "arn:aws:cloudwatch:" + REGION + ":" + ACCOUNT + ":*";
      default -> throw new AssertionError("a call on no known resource: " + call);
    };
    String object = call.detail() + "some-key";
    List<String> actions = switch (call.service() + ":" + call.operation()) {
      case "s3:HeadBucket", "s3:ListObjectsV2" -> List.of("s3:ListBucket");
      case "s3:HeadObject", "s3:GetObject" -> List.of("s3:GetObject");
      case "s3:PutObject", "s3:CreateMultipartUpload", "s3:UploadPart", "s3:CompleteMultipartUpload" -> List.of("s3:PutObject");
      // EMRFS, the Glue job's S3 file system: the requests each file system operation makes.
      case "s3fs:create" -> List.of("s3:PutObject", "s3:GetObject", "s3:ListBucket");
      case "s3fs:open" -> List.of("s3:GetObject");
      case "s3fs:delete" -> List.of("s3:DeleteObject", "s3:GetObject", "s3:ListBucket");
      case "s3fs:listStatus" -> List.of("s3:ListBucket");
      case "s3fs:getFileStatus" -> List.of("s3:GetObject", "s3:ListBucket");
      case "s3fs:rename" -> List.of("s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket");
      case "s3fs:mkdirs" -> List.of("s3:PutObject");
      case "s3:DeleteObject", "s3:CreateBucket" -> List.of(call.service() + ":" + call.operation());
      case "s3:PutBucketLifecycleConfiguration" -> List.of("s3:PutLifecycleConfiguration");
      case "s3:PutBucketEncryption" -> List.of("s3:PutEncryptionConfiguration");
      default -> {
        assertThat(call.service()).as("an unmapped S3 operation: %s", call).isNotIn("s3", "s3fs");
        yield List.of(call.service() + ":" + call.operation());
      }
    };
    return actions.stream().map(action -> action.equals("s3:ListBucket")
        ? new Permission(action, BUCKET, call.kind().equals("object") ? Map.of("s3:prefix", object) : Map.of())
        : call.kind().equals("namespace") ? new Permission(action, resource, Map.of("cloudwatch:namespace", call.detail()))
        : new Permission(action, resource)).toList();
  }

  /**
   * The KMS use each call implies on Pulso's key, by the service that encrypts the resource: writes make
   * data keys, reads decrypt; a DynamoDB table under a customer-managed key needs its callers allowed all
   * four (AWS's documented set, without the ReEncrypt* wildcard).
   */
  private static Set<String> kmsActions(RecordedCalls call, String action) {
    return switch (action) {
      case "kinesis:PutRecords", "s3:PutObject" -> Set.of("kms:GenerateDataKey");
      case "kinesis:GetRecords", "s3:GetObject", "secretsmanager:GetSecretValue" -> Set.of("kms:Decrypt");
      // A publisher to an encrypted topic makes the message's data key, and SNS checks it can decrypt it.
      case "sns:Publish" -> Set.of("kms:GenerateDataKey", "kms:Decrypt");
      default -> action.startsWith("dynamodb:") && !action.equals("dynamodb:DescribeTable")
          ? Set.of("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey") : Set.of();
    };
  }

  private static void theKeyIsUsedOnlyAsTheCallsNeed(List<Statement> policy, List<RecordedCalls> calls) {
    Set<String> actions = new TreeSet<>();
    Set<String> services = new TreeSet<>();
    for (RecordedCalls call : calls) {
      for (Permission permission : permissions(call)) {
        Set<String> kms = kmsActions(call, permission.action());
        actions.addAll(kms);
        if (!kms.isEmpty()) {
          services.add(permission.action().substring(0, permission.action().indexOf(':')) + "." + REGION + ".amazonaws.com");
        }
      }
    }
    List<Statement> key = policy.stream().filter(s -> s.actions().stream().anyMatch(a -> a.startsWith("kms:"))).toList();
    assertThat(key).hasSize(1);
    Statement statement = key.get(0);
    assertThat(statement.actions()).containsExactlyInAnyOrderElementsOf(actions);
    assertThat(statement.resources()).singleElement().asString().startsWith("${Import:").contains("Key");
    @SuppressWarnings("unchecked")
    Map<String, Object> equals = (Map<String, Object>) statement.condition().get("StringEquals");
    assertThat(list(equals.get("kms:ViaService")).stream().map(Object::toString).toList())
        .containsExactlyInAnyOrderElementsOf(services);
  }

  /** Every action on every resource a statement allows is used by a recorded call, or the statement is on {@code runtime}. */
  private static void everyActionAllowedIsUsed(List<Statement> policy, List<Permission> used, Map<String, String> runtime) {
    for (Statement statement : policy) {
      assertThat(statement.actions()).as("statement %s: no wildcard action", statement.sid()).noneMatch(a -> a.contains("*"));
      if (statement.resources().contains("*")) {
        assertThat(statement.actions()).as("statement %s: '*' only for actions without resource-level permissions",
            statement.sid()).allMatch(a -> a.startsWith("ec2:Describe") || a.equals("cloudwatch:PutMetricData"));
      }
      if (runtime.containsKey(statement.sid()) || statement.actions().stream().anyMatch(a -> a.startsWith("kms:"))) {
        continue;
      }
      for (String action : statement.actions()) {
        for (String resource : statement.resources()) {
          assertThat(used).as("statement %s allows %s on %s: no test calls it", statement.sid(), action, resource)
              .anyMatch(p -> p.action().equals(action) && matches(resource, p.resource()));
        }
      }
    }
  }

  private static Set<String> wildcardResources(List<Statement> policy) {
    return policy.stream().flatMap(statement -> statement.resources().stream()).filter(r -> r.contains("*"))
        .collect(java.util.stream.Collectors.toSet());
  }

  @SuppressWarnings("unchecked")
  private static List<Statement> policy(Stack stack, String roleName) {
    Map<String, Object> role = ENV.resources(stack, "AWS::IAM::Role").values().stream()
        .filter(r -> roleName.equals(r.get("RoleName"))).findFirst().orElseThrow();
    List<Statement> statements = new ArrayList<>();
    for (Object policy : list(role.get("Policies"))) {
      Map<String, Object> document = (Map<String, Object>) ((Map<String, Object>) policy).get("PolicyDocument");
      for (Object s : list(document.get("Statement"))) {
        Map<String, Object> statement = (Map<String, Object>) s;
        assertThat(statement.get("Effect")).isEqualTo("Allow");
        statements.add(new Statement(String.valueOf(statement.get("Sid")),
            list(statement.get("Action")).stream().map(Object::toString).toList(),
            list(statement.get("Resource")).stream().map(TestEnvironment::render).toList(),
            (Map<String, Object>) statement.getOrDefault("Condition", Map.of())));
      }
    }
    assertThat(ENV.resources(stack, "AWS::IAM::Policy")).as("no policy beside the role's own").isEmpty();
    assertThat(role.get("ManagedPolicyArns")).as("no managed policy").isNull();
    return statements;
  }

  /** IAM's wildcard match: '*' any run of characters, '?' one. */
  static boolean matches(String pattern, String value) {
    String regex = Pattern.quote(pattern).replace("*", "\\E.*\\Q").replace("?", "\\E.\\Q");
    return Pattern.compile(regex).matcher(value).matches();
  }

  @Test
  void theMatcherFollowsIamWildcards() {
    assertThat(matches("arn:aws:s3:::b/reports/*", "arn:aws:s3:::b/reports/provider=1/x")).isTrue();
    assertThat(matches("arn:aws:s3:::b/reports/*", "arn:aws:s3:::b/dead-letters/x")).isFalse();
    assertThat(matches("s3:GetObject", "s3:GetObjectAcl")).isFalse();
    assertThat(matches("arn:aws:s3:::b", "arn:aws:s3:::b2")).isFalse();
  }
}
