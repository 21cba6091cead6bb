package com.pulso.infra;

import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.StackProps;

/**
 * The CDK app: {@code mvn -pl infra -q compile exec:java} writes its CloudFormation templates into
 * {@code infra/target/cdk.out} offline ({@code cdk synth} and {@code cdk deploy} run it too).
 */
public final class PulsoInfra {

  private PulsoInfra() {}

  public static void main(String[] args) {
    App app = new App(AppProps.builder().outdir(System.getProperty("pulso.cdk.out", "cdk.out")).build());
    PulsoParameters parameters = PulsoParameters.of(app.getNode());
    new DataStack(app, "Pulso-" + parameters.environment() + "-Data", StackProps.builder()
        .env(Environment.builder().region(parameters.region()).build())
        .description("Pulso's stream, table, reports bucket and alert topics, one KMS key").build(), parameters);
    new SourceDatabaseStack(app, "Pulso-" + parameters.environment() + "-SourceDatabase", StackProps.builder()
        .env(Environment.builder().region(parameters.region()).build())
        .description("What the company's sales database needs for Pulso's capture").build(), parameters);
    app.synth();
  }
}
