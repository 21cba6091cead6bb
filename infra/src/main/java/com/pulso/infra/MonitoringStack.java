package com.pulso.infra;

import com.pulso.report.AwsLayout;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.budgets.CfnBudget;
import software.amazon.awscdk.services.cloudwatch.Alarm;
import software.amazon.awscdk.services.cloudwatch.ComparisonOperator;
import software.amazon.awscdk.services.cloudwatch.Dashboard;
import software.amazon.awscdk.services.cloudwatch.GraphWidget;
import software.amazon.awscdk.services.cloudwatch.IMetric;
import software.amazon.awscdk.services.cloudwatch.Metric;
import software.amazon.awscdk.services.cloudwatch.TextWidget;
import software.amazon.awscdk.services.cloudwatch.TreatMissingData;
import software.amazon.awscdk.services.cloudwatch.actions.SnsAction;
import software.amazon.awscdk.services.events.EventPattern;
import software.amazon.awscdk.services.events.Rule;
import software.amazon.awscdk.services.events.RuleTargetInput;
import software.amazon.awscdk.services.events.EventField;
import software.amazon.awscdk.interfaces.events.IRuleRef;
import software.amazon.awscdk.services.events.IRuleTarget;
import software.amazon.awscdk.services.events.RuleTargetConfig;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.amazon.awscdk.services.sns.ITopic;
import software.constructs.Construct;

/**
 * How operators see Pulso without asking it: a dashboard of its business and technical figures, and
 * alarms that fire even when every Pulso member is down or wedged — on the absence of its heartbeat, on
 * the capture's lag (missing data counts as breaching), on the figures' freshness, on the stream's iterator
 * age and the table's throttling (AWS's own metrics), on the nightly job's failure (Glue's events) — to
 * the alerts topic, and the worst to the escalation topic too; Pulso's log group; a monthly cost budget.
 */
public final class MonitoringStack extends Stack {

  /** The members' log lines (JSON, shipped by the cluster's Fluent Bit) are kept this long. */
  static final RetentionDays LOG_RETENTION = RetentionDays.THREE_MONTHS;

  public MonitoringStack(Construct scope, String id, StackProps props, PulsoParameters parameters, DataStack data,
                         BatchStack batch) {
    super(scope, id, props);
    String env = parameters.environment();
    Map<String, String> environment = Map.of(AwsLayout.ENVIRONMENT_DIMENSION, env);
    ITopic alerts = data.alerts();
    ITopic escalation = data.escalation();

    LogGroup.Builder.create(this, "ServiceLogs")
        .logGroupName("/pulso/" + env + "/service")
        .retention(LOG_RETENTION)
        .encryptionKey(data.key())
        .removalPolicy(RemovalPolicy.RETAIN)
        .build();

    Metric heartbeats = pulso(AwsLayout.HEARTBEAT_METRIC, "SampleCount", environment);
    Metric captureLag = pulso(AwsLayout.CAPTURE_LAG_METRIC, "Maximum", environment);
    Metric freshness = pulso(AwsLayout.FRESHNESS_METRIC, "p99", environment);
    Metric applied = pulso(AwsLayout.CHANGES_APPLIED_METRIC, "Sum", environment);
    Metric deadLetters = pulso(AwsLayout.DEAD_LETTERS_METRIC, "Sum", environment);
    Metric iteratorAge = aws("AWS/Kinesis", "GetRecords.IteratorAgeMilliseconds", "StreamName", parameters.streamName(),
        "Maximum");
    Metric incoming = aws("AWS/Kinesis", "IncomingRecords", "StreamName", parameters.streamName(), "Sum");
    Metric throttled = aws("AWS/DynamoDB", "ThrottledRequests", "TableName", parameters.tableName(), "Sum");

    // No member has said it is alive for 3 minutes: Pulso is down (or cannot reach CloudWatch).
    alarm("PulsoDown", "No Pulso member has sent its heartbeat for 3 minutes", heartbeats, 1,
        ComparisonOperator.LESS_THAN_THRESHOLD, 3, TreatMissingData.BREACHING, alerts);
    // Still down after 15 minutes: the escalation topic (on call's manager) hears of it too.
    alarm("PulsoDownEscalated", "Pulso has been down for 15 minutes", heartbeats, 1,
        ComparisonOperator.LESS_THAN_THRESHOLD, 15, TreatMissingData.BREACHING, escalation);
    // The capture a minute behind the source for 3 minutes, or silent (its member gone, the singleton not
    // re-elected): the real-time path is stalled at its start, whatever the rest says. Idle is 0, not missing.
    alarm("CaptureBehind", "The capture is over 60 s behind the source, or not reporting",
        captureLag, 60, ComparisonOperator.GREATER_THAN_THRESHOLD, 3, TreatMissingData.BREACHING, alerts);
    // p99 of commit → applied over 2 s for 3 minutes; no sales is no data, not an incident.
    alarm("FiguresStale", "p99 of source commit to applied figures is over 2 s", freshness, 2,
        ComparisonOperator.GREATER_THAN_THRESHOLD, 3, TreatMissingData.NOT_BREACHING, alerts);
    // A consumer a minute behind the stream's head (Kinesis's own figure: fires with every consumer dead).
    alarm("ConsumersBehind", "The stream's oldest unread record is over 60 s old", iteratorAge, 60_000,
        ComparisonOperator.GREATER_THAN_THRESHOLD, 2, TreatMissingData.NOT_BREACHING, alerts);
    alarm("TableThrottled", "DynamoDB throttled the figures' writes for 5 minutes", throttled, 0,
        ComparisonOperator.GREATER_THAN_THRESHOLD, 5, TreatMissingData.NOT_BREACHING, alerts);

    // The nightly job failed, timed out or errored: Glue says so itself.
    Rule.Builder.create(this, "ReportJobFailed")
        .description("Pulso's nightly report job on Glue ended badly")
        .eventPattern(EventPattern.builder().source(List.of("aws.glue")).detailType(List.of("Glue Job State Change"))
            .detail(Map.of("jobName", List.of(batch.jobName()), "state", List.of("FAILED", "TIMEOUT", "ERROR")))
            .build())
        // The topic itself, not events' SnsTopic target, which would add its own wildcard grant on the key: the data
        // stack's key and topic policies already let EventBridge publish.
        .targets(List.of(topicTarget(alerts, RuleTargetInput.fromText(
            "Pulso " + env + ": the nightly report job " + EventField.fromPath("$.detail.jobName") + " run "
                + EventField.fromPath("$.detail.jobRunId") + " ended " + EventField.fromPath("$.detail.state") + ": "
                + EventField.fromPath("$.detail.message") + ". Runbook: docs/batch.md."))))
        .build();

    Dashboard.Builder.create(this, "Dashboard").dashboardName("Pulso-" + env)
        .widgets(List.of(
            List.of(TextWidget.Builder.create().markdown("# Pulso " + env + "\nBusiness figures, then the pipeline's"
                + " health. Alarms: PulsoDown, CaptureBehind, FiguresStale, ConsumersBehind, TableThrottled; the nightly job's failures"
                + " come from Glue's events.").width(24).height(2).build()),
            List.of(graph("Changes applied and sales captured per minute", List.of(applied, incoming)),
                graph("Freshness p99 and capture lag (s)", List.of(freshness, captureLag)),
                graph("Dead letters (rows Pulso could not count)", List.of(deadLetters))),
            List.of(graph("API answers by status class", List.of(
                    pulso(AwsLayout.API_ANSWERS_METRIC, "Sum", Map.of(AwsLayout.ENVIRONMENT_DIMENSION, env,
                        AwsLayout.STATUS_CLASS_DIMENSION, "2xx")),
                    pulso(AwsLayout.API_ANSWERS_METRIC, "Sum", Map.of(AwsLayout.ENVIRONMENT_DIMENSION, env,
                        AwsLayout.STATUS_CLASS_DIMENSION, "4xx")),
                    pulso(AwsLayout.API_ANSWERS_METRIC, "Sum", Map.of(AwsLayout.ENVIRONMENT_DIMENSION, env,
                        AwsLayout.STATUS_CLASS_DIMENSION, "5xx")))),
                graph("API latency p99 (ms)", List.of(pulso(AwsLayout.API_LATENCY_METRIC, "p99", environment))),
                graph("Members alive (heartbeats per minute)", List.of(heartbeats))),
            List.of(graph("Kinesis iterator age (ms)", List.of(iteratorAge)),
                graph("DynamoDB throttled requests", List.of(throttled)),
                graph("Glue job: failed tasks", List.of(Metric.Builder.create().namespace("Glue")
                    .metricName("glue.driver.aggregate.numFailedTasks")
                    .dimensionsMap(Map.of("JobName", batch.jobName(), "JobRunId", "ALL", "Type", "count"))
                    .statistic("Sum").period(Duration.minutes(5)).build())))))
        .build();

    CfnBudget.Builder.create(this, "MonthlyCost")
        .budget(CfnBudget.BudgetDataProperty.builder()
            .budgetName("pulso-" + env + "-monthly")
            .budgetType("COST")
            .timeUnit("MONTHLY")
            .budgetLimit(CfnBudget.SpendProperty.builder().amount(parameters.monthlyBudgetUsd()).unit("USD").build())
            .build())
        .notificationsWithSubscribers(List.of(
            budgetNotification("FORECASTED", 80, alerts),
            budgetNotification("ACTUAL", 100, alerts)))
        .build();
  }

  private static IRuleTarget topicTarget(ITopic topic, RuleTargetInput message) {
    return new IRuleTarget() {
      @Override
      public RuleTargetConfig bind(IRuleRef rule, String id) {
        return RuleTargetConfig.builder().arn(topic.getTopicArn()).input(message).build();
      }

      @Override
      public RuleTargetConfig bind(IRuleRef rule) {
        return bind(rule, null);
      }
    };
  }

  private static Metric pulso(String name, String statistic, Map<String, String> dimensions) {
    return Metric.Builder.create().namespace(AwsLayout.METRICS_NAMESPACE).metricName(name).dimensionsMap(dimensions)
        .statistic(statistic).period(Duration.minutes(1)).build();
  }

  /** An alarm over {@code minutes} one-minute periods that tells {@code topic} when it fires and when it is OK again. */
  private void alarm(String id, String description, Metric metric, double threshold, ComparisonOperator comparison,
                     int minutes, TreatMissingData missing, ITopic topic) {
    Alarm alarm = Alarm.Builder.create(this, id).alarmName(getStackName() + "-" + id).alarmDescription(description)
        .metric(metric).threshold(threshold).comparisonOperator(comparison)
        .evaluationPeriods(minutes).datapointsToAlarm(minutes).treatMissingData(missing).build();
    alarm.addAlarmAction(new SnsAction(topic));
    alarm.addOkAction(new SnsAction(topic));
  }

  private static Metric aws(String namespace, String name, String dimension, String value, String statistic) {
    return Metric.Builder.create().namespace(namespace).metricName(name).dimensionsMap(Map.of(dimension, value))
        .statistic(statistic).period(Duration.minutes(1)).build();
  }

  private static GraphWidget graph(String title, List<? extends IMetric> metrics) {
    return GraphWidget.Builder.create().title(title).left(List.copyOf(metrics)).width(8).height(6).build();
  }

  private static CfnBudget.NotificationWithSubscribersProperty budgetNotification(String type, int percent, ITopic topic) {
    return CfnBudget.NotificationWithSubscribersProperty.builder()
        .notification(CfnBudget.NotificationProperty.builder().notificationType(type)
            .comparisonOperator("GREATER_THAN").threshold(percent).thresholdType("PERCENTAGE").build())
        .subscribers(List.of(CfnBudget.SubscriberProperty.builder().subscriptionType("SNS")
            .address(topic.getTopicArn()).build()))
        .build();
  }
}
