package com.pulso.infra;

import static com.pulso.infra.TestEnvironment.render;
import static org.assertj.core.api.Assertions.assertThat;

import com.pulso.glue.JobArguments;
import com.pulso.report.ReportLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The nightly job on Glue as the stack defines it, and that the job accepts what Glue will hand it. */
class BatchStackTest {

  private static final TestEnvironment ENV = TestEnvironment.get();
  private static final BatchStack STACK = ENV.stacks.batch();

  @SuppressWarnings("unchecked")
  private static Map<String, Object> job() {
    return ENV.resources(STACK, "AWS::Glue::Job").values().iterator().next();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, String> defaultArguments() {
    Map<String, String> arguments = new LinkedHashMap<>();
    ((Map<String, Object>) job().get("DefaultArguments")).forEach((name, value) -> arguments.put(name, render(value)));
    return arguments;
  }

  private static String secretRef() {
    return "${Ref:" + ENV.resources(STACK, "AWS::SecretsManager::Secret").keySet().iterator().next() + "}";
  }

  @Test
  @SuppressWarnings("unchecked")
  void theJobIsGlue5WithAutoScalingItsLauncherJarsConnectionAndSecurityConfiguration() throws Exception {
    Map<String, Object> job = job();
    assertThat(job).containsEntry("Name", "pulso-daily-report").containsEntry("GlueVersion", "5.0")
        .containsEntry("WorkerType", "G.1X").containsEntry("NumberOfWorkers", 10).containsEntry("MaxRetries", 0)
        .containsEntry("SecurityConfiguration", "pulso-test-report-job")
        .containsEntry("Connections", Map.of("Connections", List.of("pulso-test-sales-database")));
    Map<String, Object> command = (Map<String, Object>) job.get("Command");
    assertThat(command.get("Name")).isEqualTo("glueetl");
    assertThat(render(command.get("ScriptLocation"))).startsWith("s3://").endsWith(".scala");
    Map<String, String> arguments = defaultArguments();
    assertThat(arguments).containsEntry("--job-language", "scala").containsEntry("--class", BatchStack.LAUNCHER_CLASS)
        .containsEntry("--enable-auto-scaling", "true").containsEntry("--user-jars-first", "true")
        .containsEntry("--output", "s3://pulso-reports-test")
        // The credentials are the secret's, read by the job: never an argument.
        .containsEntry("--jdbc-secret-id", secretRef())
        .doesNotContainKeys("--jdbc-password", "--jdbc-user");
    // The job's jar and every jar the glue-job build set aside for Glue, each an asset.
    Path target = Path.of(System.getProperty(BatchStack.ASSETS_PROPERTY));
    try (Stream<Path> files = Files.list(target.resolve("glue"))) {
      long jars = files.filter(file -> file.toString().endsWith(".jar")).count();
      assertThat(arguments.get("--extra-jars").split(",")).hasSize((int) jars + 1).allMatch(jar -> jar.startsWith("s3://")
          && jar.endsWith(".jar"));
    }
    // The server starts the job by this name (conf/application.yaml, batch.glue.jobName).
    assertThat(Files.readString(Path.of(System.getProperty("pulso.home", "..")).resolve("conf/application.yaml")))
        .contains("jobName: " + ENV.parameters.glueJobName());
  }

  @Test
  void theJobAcceptsItsDefaultArgumentsWithTheServersAndGluesOwn() {
    // What Glue hands the job for a run the server starts (GlueJobRunner's arguments over the defaults).
    List<String> argv = new ArrayList<>();
    defaultArguments().forEach((name, value) -> argv.addAll(List.of(name, value)));
    argv.addAll(List.of("--from", "2026-11-01", "--to", "2026-11-02", "--run-id", "run-7-1", "--time-zone",
        "America/Bogota", "--JOB_ID", "j_1", "--JOB_RUN_ID", "jr_abc", "--JOB_NAME", "pulso-daily-report"));

    List<JobArguments.Ignored> ignored = new ArrayList<>();
    JobArguments args = JobArguments.parse(argv.toArray(String[]::new), Map.of(), Clock.systemUTC(), ignored);

    assertThat(args.onGlue()).isTrue();
    assertThat(args.days()).containsExactly(LocalDate.of(2026, 11, 1), LocalDate.of(2026, 11, 2));
    assertThat(args.jdbcSecretId()).isEqualTo(secretRef());
    assertThat(args.jdbcUrl()).isEqualTo(ENV.parameters.sourceJdbcUrl());
    assertThat(args.output()).isEqualTo("s3://pulso-reports-test");
    assertThat(ignored.stream().map(JobArguments.Ignored::name)).containsExactlyInAnyOrder("job-language", "class",
        "extra-jars", "user-jars-first", "enable-auto-scaling", "enable-metrics", "enable-continuous-cloudwatch-log");
  }

  @Test
  @SuppressWarnings("unchecked")
  void whatGlueWritesIsEncryptedWithTheKeyAndItsLogsAreKept() {
    Map<String, Object> configuration = (Map<String, Object>) ENV.resources(STACK, "AWS::Glue::SecurityConfiguration")
        .values().iterator().next().get("EncryptionConfiguration");
    Map<String, Object> s3 = (Map<String, Object>) ((List<Object>) configuration.get("S3Encryptions")).get(0);
    assertThat(s3.get("S3EncryptionMode")).isEqualTo("SSE-KMS");
    assertThat(render(s3.get("KmsKeyArn"))).startsWith("${Import:").contains("Key");
    assertThat((Map<String, Object>) configuration.get("CloudWatchEncryption")).containsEntry("CloudWatchEncryptionMode", "SSE-KMS");
    assertThat((Map<String, Object>) configuration.get("JobBookmarksEncryption"))
        .containsEntry("JobBookmarksEncryptionMode", "CSE-KMS");

    Map<String, Map<String, Object>> logGroups = ENV.resources(STACK, "AWS::Logs::LogGroup");
    assertThat(logGroups.values().stream().map(group -> group.get("LogGroupName"))).containsExactlyInAnyOrder(
        "/aws-glue/jobs/pulso-test-report-job-role/pulso-test-report-job/output",
        "/aws-glue/jobs/pulso-test-report-job-role/pulso-test-report-job/error",
        "/aws-glue/jobs/pulso-test-report-job-role/pulso-test-report-job/logs-v2");
    logGroups.values().forEach(group -> assertThat(group).containsEntry("RetentionInDays", 90).containsKey("KmsKeyId"));

    Map<String, Object> secret = ENV.resources(STACK, "AWS::SecretsManager::Secret").values().iterator().next();
    assertThat(secret).containsKey("KmsKeyId").containsEntry("Name", "pulso/test/report-reader");
    assertThat(((Map<String, Object>) secret.get("GenerateSecretString")).get("SecretStringTemplate"))
        .isEqualTo("{\"username\":\"" + BatchStack.SOURCE_USER + "\"}");
  }

  @Test
  @SuppressWarnings("unchecked")
  void theConnectionReachesTheDatabaseInsideItsVpcOverTlsWithTheSecret() {
    Map<String, Object> input = (Map<String, Object>) ENV.resources(STACK, "AWS::Glue::Connection").values().iterator()
        .next().get("ConnectionInput");
    Map<String, Object> properties = (Map<String, Object>) input.get("ConnectionProperties");
    assertThat(properties).containsEntry("JDBC_CONNECTION_URL", ENV.parameters.sourceJdbcUrl())
        .containsEntry("JDBC_ENFORCE_SSL", "true").containsKey("SECRET_ID");
    assertThat((Map<String, Object>) input.get("PhysicalConnectionRequirements"))
        .containsEntry("SubnetId", TestEnvironment.SUBNET)
        .containsEntry("SecurityGroupIdList", List.of(TestEnvironment.SECURITY_GROUP))
        .containsEntry("AvailabilityZone", "us-east-1a");
  }

  @Test
  @SuppressWarnings("unchecked")
  void athenaFindsEachReportWhereTheLayoutPutsIt() {
    Map<String, Object> table = (Map<String, Object>) ENV.resources(STACK, "AWS::Glue::Table").values().iterator().next()
        .get("TableInput");
    Map<String, String> parameters = (Map<String, String>) table.get("Parameters");
    assertThat(parameters).containsEntry("projection.enabled", "true");
    // A projected partition's location is the layout's day prefix.
    String location = parameters.get("storage.location.template").replace("${provider}", "7").replace("${year}", "2026")
        .replace("${month}", "03").replace("${day}", "05");
    assertThat(location).isEqualTo("s3://pulso-reports-test/" + ReportLayout.dayPrefix(7, LocalDate.of(2026, 3, 5)));
    assertThat(parameters).containsEntry("projection.month.digits", "2").containsEntry("projection.day.digits", "2");
    Map<String, Object> storage = (Map<String, Object>) table.get("StorageDescriptor");
    assertThat(((List<Map<String, Object>>) storage.get("Columns")).stream().map(c -> c.get("Name")))
        .containsExactly("providerid", "date", "clientid", "firstname", "lastname", "transactions", "totalamount");
    assertThat(((List<Map<String, Object>>) table.get("PartitionKeys")).stream().map(c -> c.get("Name")))
        .containsExactly("provider", "year", "month", "day");
    // The manifest and the JSON lines copy start with '_': Athena skips them and reads the Parquet files only.
    assertThat(ReportLayout.MANIFEST).startsWith("_");
    assertThat(ReportLayout.dataFileName("jr_1", ReportLayout.JSON_LINES)).startsWith("_");
  }
}
