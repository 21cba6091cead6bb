package com.pulso.infra;

import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.StackProps;

/**
 * The CDK app: {@code mvn -pl infra -q compile exec:java} writes its CloudFormation templates into
 * {@code infra/target/cdk.out} offline ({@code cdk synth} and {@code cdk deploy} run it too). Stacks, in
 * deployment order: Data, Batch, Service, Monitoring; SourceDatabase on its own.
 */
public final class PulsoInfra {

  private PulsoInfra() {}

  public static void main(String[] args) {
    // Under the CDK CLI (CDK_OUTDIR set) the CLI's folder; under Maven, infra/target/cdk.out.
    String outdir = System.getenv("CDK_OUTDIR") != null ? System.getenv("CDK_OUTDIR")
        : System.getProperty("pulso.cdk.out", "cdk.out");
    App app = new App(AppProps.builder().outdir(outdir).build());
    stacks(app, PulsoParameters.of(app.getNode()));
    app.synth();
  }

  /** Every stack of one environment, in {@code app}. */
  static Stacks stacks(App app, PulsoParameters parameters) {
    String prefix = "Pulso-" + parameters.environment() + "-";
    DataStack data = new DataStack(app, prefix + "Data",
        props(parameters, "Pulso's stream, table, reports bucket and alert topics, one KMS key"), parameters);
    BatchStack batch = new BatchStack(app, prefix + "Batch",
        props(parameters, "Pulso's nightly report job on Glue, its connection, credentials and catalog"), parameters, data);
    ServiceStack service = new ServiceStack(app, prefix + "Service",
        props(parameters, "The IAM role of Pulso's pods (IRSA)"), parameters, data);
    MonitoringStack monitoring = new MonitoringStack(app, prefix + "Monitoring",
        props(parameters, "Pulso's dashboard, alarms, log group and budget"), parameters, data, batch);
    SourceDatabaseStack source = new SourceDatabaseStack(app, prefix + "SourceDatabase",
        props(parameters, "What the company's sales database needs for Pulso's capture"), parameters);
    return new Stacks(data, batch, service, monitoring, source);
  }

  record Stacks(DataStack data, BatchStack batch, ServiceStack service, MonitoringStack monitoring,
                SourceDatabaseStack source) {}

  private static StackProps props(PulsoParameters parameters, String description) {
    return StackProps.builder().env(Environment.builder().region(parameters.region()).build()).description(description)
        .build();
  }
}
