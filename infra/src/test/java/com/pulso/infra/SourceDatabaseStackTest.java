package com.pulso.infra;

import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Template;

/** The sales database's parameter group: logical replication on, a slot's WAL bounded. */
class SourceDatabaseStackTest {

  @Test
  void theParameterGroupTurnsLogicalReplicationOnAndBoundsTheWalASlotHolds() {
    TestEnvironment env = TestEnvironment.get();
    Template template = env.template(env.stacks.source());

    template.hasResourceProperties("AWS::RDS::DBParameterGroup", Map.of("Family", "postgres17",
        "Parameters", Map.of("rds.logical_replication", "1", "max_slot_wal_keep_size", "102400",
            "max_replication_slots", "10", "max_wal_senders", "10", "wal_sender_timeout", "60000")));
    template.hasOutput("ParameterGroupName", Map.of());
  }
}
