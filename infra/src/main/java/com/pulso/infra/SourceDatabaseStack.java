package com.pulso.infra;

import java.util.Map;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.rds.CfnDBParameterGroup;
import software.constructs.Construct;

/**
 * What the company's sales database (RDS PostgreSQL 17, not Pulso's to own) needs for Pulso's capture:
 * a parameter group to attach to the instance (a reboot applies it). The replication user's grants are
 * SQL the database owner runs (README, "AWS infrastructure").
 */
public final class SourceDatabaseStack extends Stack {

  /**
   * The most WAL the capture's slot may hold back before PostgreSQL invalidates it, in MB: a day of
   * capture outage at the design point (1,000 sales/s, about 1 KB of WAL each with REPLICA IDENTITY
   * FULL and the publication's overhead: some 86 GB a day at full rate; business hours hold most
   * sales) rounded to 100 GB. Past it the slot is lost and Pulso bootstraps again, instead of the
   * database's disk filling up.
   */
  static final int MAX_SLOT_WAL_KEEP_MB = 102_400;

  public SourceDatabaseStack(Construct scope, String id, StackProps props, PulsoParameters parameters) {
    super(scope, id, props);
    CfnDBParameterGroup group = CfnDBParameterGroup.Builder.create(this, "LogicalReplication")
        .family("postgres17")
        .description("Pulso " + parameters.environment() + ": logical replication for the sales capture")
        .parameters(Map.of(
            // wal_level=logical on RDS.
            "rds.logical_replication", "1",
            "max_slot_wal_keep_size", String.valueOf(MAX_SLOT_WAL_KEEP_MB),
            // Pulso's slot and its bootstrap's exported snapshot, with room for the company's own.
            "max_replication_slots", "10",
            "max_wal_senders", "10",
            // A capture leader that stops answering is cut after a minute, so its slot frees for the next.
            "wal_sender_timeout", "60000"))
        .build();
    CfnOutput.Builder.create(this, "ParameterGroupName").value(group.getRef())
        .description("Attach to the sales database's RDS instance, then reboot it").build();
  }
}
