package com.pulso.infra;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.cdklabs.cdknag.AwsSolutionsChecks;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.App;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.assertions.Template;

/** The sales database's parameter group: logical replication on, a slot's WAL bounded. */
class SourceDatabaseStackTest {

  @Test
  void theParameterGroupTurnsLogicalReplicationOnAndBoundsTheWalASlotHolds() {
    App app = new App();
    SourceDatabaseStack stack = new SourceDatabaseStack(app, "SourceDatabase", StackProps.builder().build(),
        PulsoParameters.of(app.getNode()));
    Template template = Template.fromStack(stack);

    template.hasResourceProperties("AWS::RDS::DBParameterGroup", Map.of("Family", "postgres17",
        "Parameters", Map.of("rds.logical_replication", "1", "max_slot_wal_keep_size", "102400",
            "max_replication_slots", "10", "max_wal_senders", "10", "wal_sender_timeout", "60000")));
    template.hasOutput("ParameterGroupName", Map.of());
    assertThat(new AwsSolutionsChecks(app).validateScope(stack).getViolations()).isEmpty();
  }
}
