package com.pulso.infra;

import com.pulso.report.ReportLayout;
import com.pulso.report.ReportLayout.Row;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.glue.CfnConnection;
import software.amazon.awscdk.services.glue.CfnDatabase;
import software.amazon.awscdk.services.glue.CfnJob;
import software.amazon.awscdk.services.glue.CfnSecurityConfiguration;
import software.amazon.awscdk.services.glue.CfnTable;
import software.amazon.awscdk.services.iam.Effect;
import software.amazon.awscdk.services.iam.PolicyDocument;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.amazon.awscdk.services.s3.assets.Asset;
import software.amazon.awscdk.services.secretsmanager.CfnSecret;
import software.constructs.Construct;

/**
 * The nightly report on AWS Glue: the job of {@code glue-job/} (Glue 5.0, its jars and a Scala launcher
 * as assets, auto scaling of workers), its network connection to the sales database inside the VPC, the
 * database credentials in Secrets Manager (the job reads them; they are never a job argument), a
 * security configuration encrypting what Glue writes with Pulso's key, the job's log groups, and a Data
 * Catalog table over the reports with partition projection, so Athena can query them.
 */
public final class BatchStack extends Stack {

  /**
   * The glue-job module's build output: the job's jar, and under {@code glue/} the jars Glue does not
   * bring and the launcher.
   */
  static final String ASSETS_PROPERTY = "pulso.glue.job.target";
  /** The launcher's object: Glue runs a Scala script's {@code main}, which hands over to the Java job. */
  static final String LAUNCHER_CLASS = "PulsoDailyReport";
  /** The report reader's database user, as README's grants create it. */
  static final String SOURCE_USER = "pulso_report";

  private final String jobName;
  private final List<LogGroup> logGroups = new ArrayList<>();
  private final List<Asset> assets = new ArrayList<>();

  public BatchStack(Construct scope, String id, StackProps props, PulsoParameters parameters, DataStack data) {
    super(scope, id, props);
    String env = parameters.environment();
    jobName = parameters.glueJobName();
    String roleName = PulsoRoles.reportJob(parameters);
    String securityConfigurationName = "pulso-" + env + "-report-job";

    // The L1 resource: the L2 Secret would widen the key's policy (CreateGrant for the whole account via Secrets
    // Manager), which the roles' own statements make unnecessary.
    String secretName = "pulso/" + env + "/report-reader";
    CfnSecret sourceSecret = CfnSecret.Builder.create(this, "SourceCredentials")
        .name(secretName)
        .description("The sales database's read-only user of Pulso's nightly report (README: its grants)")
        .kmsKeyId(data.key().getKeyArn())
        .generateSecretString(CfnSecret.GenerateSecretStringProperty.builder()
            .secretStringTemplate("{\"username\":\"" + SOURCE_USER + "\"}")
            .generateStringKey("password")
            .excludePunctuation(true)
            .passwordLength(32)
            .build())
        .build();
    sourceSecret.applyRemovalPolicy(RemovalPolicy.RETAIN);

    // With a security configuration that encrypts CloudWatch logs, Glue writes to these three groups;
    // made here with a retention and the key, so the job's role never creates a log group.
    String logPrefix = "/aws-glue/jobs/" + securityConfigurationName + "-role/" + roleName + "/";
    for (String stream : List.of("output", "error", "logs-v2")) {
      logGroups.add(LogGroup.Builder.create(this, "Logs-" + stream)
          .logGroupName(logPrefix + stream)
          .retention(RetentionDays.THREE_MONTHS)
          .encryptionKey(data.key())
          .removalPolicy(RemovalPolicy.RETAIN)
          .build());
    }

    Path target = Path.of(System.getProperty(ASSETS_PROPERTY, "../glue-job/target"));
    Asset launcher = asset("Launcher", target.resolve("glue").resolve(LAUNCHER_CLASS + ".scala"));
    List<Path> jarFiles = new ArrayList<>(List.of(target.resolve("pulso-glue-job.jar")));
    jarFiles.addAll(jars(target.resolve("glue")));
    List<String> jars = jarFiles.stream()
        .map(jar -> asset("Jar-" + jar.getFileName().toString().replaceAll("[^A-Za-z0-9]", ""), jar).getS3ObjectUrl())
        .toList();

    CfnSecurityConfiguration.Builder.create(this, "SecurityConfiguration")
        .name(securityConfigurationName)
        .encryptionConfiguration(CfnSecurityConfiguration.EncryptionConfigurationProperty.builder()
            .s3Encryptions(List.of(CfnSecurityConfiguration.S3EncryptionProperty.builder()
                .s3EncryptionMode("SSE-KMS").kmsKeyArn(data.key().getKeyArn()).build()))
            .cloudWatchEncryption(CfnSecurityConfiguration.CloudWatchEncryptionProperty.builder()
                .cloudWatchEncryptionMode("SSE-KMS").kmsKeyArn(data.key().getKeyArn()).build())
            .jobBookmarksEncryption(CfnSecurityConfiguration.JobBookmarksEncryptionProperty.builder()
                .jobBookmarksEncryptionMode("CSE-KMS").kmsKeyArn(data.key().getKeyArn()).build())
            .build())
        .build();

    String connectionName = "pulso-" + env + "-sales-database";
    CfnConnection.Builder.create(this, "SalesDatabase")
        .catalogId(getAccount())
        .connectionInput(CfnConnection.ConnectionInputProperty.builder()
            .name(connectionName)
            .description("The sales database, reached from Glue's network interfaces in its VPC")
            .connectionType("JDBC")
            .connectionProperties(Map.of(
                "JDBC_CONNECTION_URL", parameters.sourceJdbcUrl(),
                "SECRET_ID", secretName,
                "JDBC_ENFORCE_SSL", "true"))
            .physicalConnectionRequirements(CfnConnection.PhysicalConnectionRequirementsProperty.builder()
                .subnetId(parameters.sourceSubnetId())
                .securityGroupIdList(List.of(parameters.sourceSecurityGroupId()))
                .availabilityZone(parameters.sourceAvailabilityZone())
                .build())
            .build())
        .build();

    String bucket = PulsoArns.bucket(this, parameters);
    String reports = bucket + "/" + ReportLayout.ROOT + "*";
    String connectionArn = "arn:" + getPartition() + ":glue:" + getRegion() + ":" + getAccount() + ":connection/"
        + connectionName;
    String catalogArn = "arn:" + getPartition() + ":glue:" + getRegion() + ":" + getAccount() + ":catalog";
    String networkInterfaces = "arn:" + getPartition() + ":ec2:" + getRegion() + ":" + getAccount() + ":network-interface/*";
    List<PolicyStatement> statements = new ArrayList<>(List.of(
        // The job writes a day's files and manifest, lists the day to remove stale files (ReportOutput).
        allow("Reports", List.of("s3:PutObject", "s3:GetObject", "s3:DeleteObject"), List.of(reports)),
        PolicyStatement.Builder.create().sid("ReportsListing").effect(Effect.ALLOW).actions(List.of("s3:ListBucket"))
            .resources(List.of(bucket))
            .conditions(Map.of("StringLike", Map.of("s3:prefix", List.of(ReportLayout.ROOT + "*")))).build(),
        allow("SourceCredentials", List.of("secretsmanager:GetSecretValue"), List.of(sourceSecret.getRef())),
        PolicyStatement.Builder.create().sid("Key").effect(Effect.ALLOW)
            .actions(List.of("kms:Decrypt", "kms:GenerateDataKey"))
            .resources(List.of(data.key().getKeyArn()))
            .conditions(Map.of("StringEquals", Map.of("kms:ViaService", List.of(
                "s3." + getRegion() + ".amazonaws.com", "secretsmanager." + getRegion() + ".amazonaws.com"))))
            .build(),
        // Glue itself, starting a run as this role: the script and jars, the connection, the run's logs
        // and network interfaces in the database's subnet.
        allow("JobAssets", List.of("s3:GetObject"), assetObjects()),
        allow("Connection", List.of("glue:GetConnection"), List.of(catalogArn, connectionArn)),
        allow("Logs", List.of("logs:CreateLogStream", "logs:PutLogEvents", "logs:AssociateKmsKey"),
            logGroups.stream().map(group -> group.getLogGroupArn()).toList()),
        allow("NetworkInterfaces", List.of("ec2:CreateNetworkInterface"), List.of(networkInterfaces,
            "arn:" + getPartition() + ":ec2:" + getRegion() + ":" + getAccount() + ":subnet/" + parameters.sourceSubnetId(),
            "arn:" + getPartition() + ":ec2:" + getRegion() + ":" + getAccount() + ":security-group/"
                + parameters.sourceSecurityGroupId())),
        PolicyStatement.Builder.create().sid("OwnNetworkInterfaces").effect(Effect.ALLOW)
            .actions(List.of("ec2:DeleteNetworkInterface", "ec2:CreateTags", "ec2:DeleteTags"))
            .resources(List.of(networkInterfaces))
            .conditions(Map.of("ForAllValues:StringEquals", Map.of("aws:TagKeys", List.of("aws-glue-service-resource"))))
            .build(),
        // EC2's Describe actions have no resource-level permissions: "*" is the only resource they take.
        allow("DescribeNetwork", List.of("ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets",
            "ec2:DescribeSecurityGroups", "ec2:DescribeVpcEndpoints", "ec2:DescribeRouteTables",
            "ec2:DescribeVpcAttribute"), List.of("*"))));
    Role role = Role.Builder.create(this, "JobRole")
        .roleName(roleName)
        .description("Pulso " + env + "'s nightly report job on Glue")
        .assumedBy(new ServicePrincipal("glue.amazonaws.com"))
        .inlinePolicies(Map.of("pulso-report-job", PolicyDocument.Builder.create().statements(statements).build()))
        .build();

    // As cdk-nag names them: tokens as <AWS::Partition>, <AWS::AccountId>.
    Findings.acknowledgeWildcard(role, "arn:<AWS::Partition>:s3:::" + parameters.bucketName() + "/" + ReportLayout.ROOT
        + "*", "The job writes, reads back and removes report files named by provider, day and run, only under reports/");
    Findings.acknowledgeWildcard(role, "arn:<AWS::Partition>:ec2:" + parameters.region() + ":<AWS::AccountId>"
        + ":network-interface/*", "Glue names the run's network interfaces as it creates them, in the connection's subnet"
        + " and security group only; it deletes and tags only those tagged aws-glue-service-resource");
    Findings.acknowledgeWildcard(role, "*", "EC2 Describe actions alone: they take no resource (Glue checks the"
        + " connection's subnet, security group and VPC endpoints)");
    Findings.acknowledge(sourceSecret, "AwsSolutions-SMG4", "Rotating the report reader's password needs a rotation"
        + " function inside the sales database's VPC and the database owner's consent; it is generated (32 characters),"
        + " encrypted with Pulso's key and readable by the job's role alone. README: rotate it with the database owner.");
    Map<String, String> arguments = new LinkedHashMap<>();
    arguments.put("--job-language", "scala");
    arguments.put("--class", LAUNCHER_CLASS);
    arguments.put("--extra-jars", String.join(",", jars));
    // Ours before Glue's: the job was built and tested with these versions.
    arguments.put("--user-jars-first", "true");
    arguments.put("--enable-auto-scaling", "true");
    arguments.put("--enable-metrics", "true");
    arguments.put("--enable-continuous-cloudwatch-log", "true");
    arguments.put("--jdbc-url", parameters.sourceJdbcUrl());
    arguments.put("--jdbc-secret-id", sourceSecret.getRef());
    arguments.put("--output", "s3://" + parameters.bucketName());
    CfnJob.Builder.create(this, "Job")
        .name(jobName)
        .description("Pulso's nightly report per provider and day (the server starts and follows each run)")
        .role(role.getRoleArn())
        .glueVersion("5.0")
        .command(CfnJob.JobCommandProperty.builder().name("glueetl").scriptLocation(launcher.getS3ObjectUrl()).build())
        .workerType(parameters.glueWorkerType())
        // With auto scaling, the most workers a run may get; Glue starts small and adds them as stages need.
        .numberOfWorkers(parameters.glueWorkers())
        .connections(CfnJob.ConnectionsListProperty.builder().connections(List.of(connectionName)).build())
        .securityConfiguration(securityConfigurationName)
        // The server retries (batch.retries) and stops a run that overruns batch.timeoutMinutes; this is the
        // last guard. Two at once: a stopped run may still be stopping when its retry starts.
        .maxRetries(0)
        .timeout(120)
        .executionProperty(CfnJob.ExecutionPropertyProperty.builder().maxConcurrentRuns(2).build())
        .defaultArguments(arguments)
        .build();

    catalog(parameters);
    CfnOutput.Builder.create(this, "SourceCredentialsSecret").value(secretName)
        .description("The password of " + SOURCE_USER + " for the database owner's CREATE ROLE (README)").build();
  }

  /** A Glue Data Catalog table over the Parquet reports, partitions projected from the key layout. */
  private void catalog(PulsoParameters parameters) {
    String database = "pulso_" + parameters.environment().replace('-', '_');
    CfnDatabase catalogDatabase = CfnDatabase.Builder.create(this, "Catalog").catalogId(getAccount())
        .databaseInput(CfnDatabase.DatabaseInputProperty.builder().name(database)
            .description("Pulso's nightly reports, for Athena").build())
        .build();
    String location = "s3://" + parameters.bucketName() + "/" + ReportLayout.ROOT;
    Map<String, String> projection = new LinkedHashMap<>();
    projection.put("projection.enabled", "true");
    projection.put("projection.provider.type", "integer");
    projection.put("projection.provider.range", "1,999999999");
    projection.put("projection.year.type", "integer");
    projection.put("projection.year.range", "2020,2099");
    projection.put("projection.year.digits", "4");
    projection.put("projection.month.type", "integer");
    projection.put("projection.month.range", "1,12");
    projection.put("projection.month.digits", "2");
    projection.put("projection.day.type", "integer");
    projection.put("projection.day.range", "1,31");
    projection.put("projection.day.digits", "2");
    projection.put("storage.location.template", location + "provider=${provider}/year=${year}/month=${month}/day=${day}/");
    projection.put("classification", "parquet");
    CfnTable table = CfnTable.Builder.create(this, "Reports").catalogId(getAccount()).databaseName(database)
        .tableInput(CfnTable.TableInputProperty.builder()
            .name("daily_reports")
            .description("One row per provider, client and business day; files whose name starts with '_' (the"
                + " manifest, the JSON lines copy) are skipped by Athena")
            .tableType("EXTERNAL_TABLE")
            .parameters(projection)
            .partitionKeys(List.of(column("provider", "int"), column("year", "int"), column("month", "int"),
                column("day", "int")))
            .storageDescriptor(CfnTable.StorageDescriptorProperty.builder()
                .location(location)
                .inputFormat("org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat")
                .outputFormat("org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat")
                .serdeInfo(CfnTable.SerdeInfoProperty.builder()
                    .serializationLibrary("org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe").build())
                .columns(List.of(column(Row.PROVIDER_ID, "int"), column(Row.DATE, "date"), column(Row.CLIENT_ID, "bigint"),
                    column(Row.FIRST_NAME, "string"), column(Row.LAST_NAME, "string"),
                    column(Row.TRANSACTIONS, "bigint"), column(Row.TOTAL_AMOUNT, "decimal(18,2)")))
                .build())
            .build())
        .build();
    table.getNode().addDependency(catalogDatabase);
  }

  private static CfnTable.ColumnProperty column(String name, String type) {
    return CfnTable.ColumnProperty.builder().name(name.toLowerCase()).type(type).build();
  }

  private Asset asset(String id, Path file) {
    if (!Files.isRegularFile(file)) {
      throw new IllegalStateException(file + " is missing: build the glue-job module first (mvn -pl glue-job -am package)");
    }
    Asset asset = Asset.Builder.create(this, id).path(file.toString()).build();
    assets.add(asset);
    return asset;
  }

  private List<String> assetObjects() {
    return assets.stream().map(asset -> asset.getBucket().getBucketArn() + "/" + asset.getS3ObjectKey()).toList();
  }

  private static List<Path> jars(Path directory) {
    try (Stream<Path> files = Files.list(directory)) {
      return files.filter(file -> file.getFileName().toString().endsWith(".jar")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(directory + ": build the glue-job module first (mvn -pl glue-job -am package)", e);
    }
  }

  private static PolicyStatement allow(String sid, List<String> actions, List<String> resources) {
    return PolicyStatement.Builder.create().sid(sid).effect(Effect.ALLOW).actions(actions).resources(resources).build();
  }

  public String jobName() {
    return jobName;
  }


}
