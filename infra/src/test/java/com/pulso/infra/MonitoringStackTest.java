package com.pulso.infra;

import static com.pulso.infra.TestEnvironment.render;
import static org.assertj.core.api.Assertions.assertThat;

import com.pulso.report.AwsLayout;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Alarms that fire with Pulso down, the job's failures from Glue's events, the dashboard, logs and budget. */
class MonitoringStackTest {

  private static final TestEnvironment ENV = TestEnvironment.get();
  private static final MonitoringStack STACK = ENV.stacks.monitoring();

  private static Map<String, Object> alarm(String id) {
    return ENV.resources(STACK, "AWS::CloudWatch::Alarm").values().stream()
        .filter(alarm -> ("Pulso-test-Monitoring-" + id).equals(alarm.get("AlarmName"))).findFirst().orElseThrow();
  }

  private static String topic(Object action) {
    return render(action);
  }

  @Test
  void pulsosOwnSilenceAndStaleFiguresFireEvenWhenNoMemberIsAlive() {
    Map<String, Object> down = alarm("PulsoDown");
    assertThat(down).containsEntry("Namespace", AwsLayout.METRICS_NAMESPACE)
        .containsEntry("MetricName", AwsLayout.HEARTBEAT_METRIC)
        .containsEntry("ComparisonOperator", "LessThanThreshold").containsEntry("Threshold", 1)
        .containsEntry("EvaluationPeriods", 3).containsEntry("TreatMissingData", "breaching");
    assertThat(TestEnvironment.list(down.get("AlarmActions")).stream().map(MonitoringStackTest::topic).toList())
        .singleElement().asString().contains("Alerts");
    assertThat(TestEnvironment.list(alarm("PulsoDownEscalated").get("AlarmActions")).stream()
        .map(MonitoringStackTest::topic).toList()).singleElement().asString().contains("Escalation");
    assertThat(alarm("PulsoDownEscalated")).containsEntry("EvaluationPeriods", 15);
    assertThat(alarm("CaptureBehind")).containsEntry("MetricName", AwsLayout.CAPTURE_LAG_METRIC)
        .containsEntry("TreatMissingData", "breaching").containsEntry("Threshold", 60);
    // No sales at night is no freshness data: not an incident.
    assertThat(alarm("FiguresStale")).containsEntry("MetricName", AwsLayout.FRESHNESS_METRIC)
        .containsEntry("ExtendedStatistic", "p99").containsEntry("TreatMissingData", "notBreaching")
        .containsEntry("Threshold", 2);
    assertThat(alarm("PulsoDown").get("OKActions")).isNotNull();
  }

  @Test
  void awsOwnFiguresWatchTheStreamAndTheTable() {
    assertThat(alarm("ConsumersBehind")).containsEntry("Namespace", "AWS/Kinesis")
        .containsEntry("MetricName", "GetRecords.IteratorAgeMilliseconds").containsEntry("Threshold", 60_000)
        .containsEntry("Dimensions", List.of(Map.of("Name", "StreamName", "Value", "pulso-sale-changes")));
    assertThat(alarm("TableThrottled")).containsEntry("Namespace", "AWS/DynamoDB")
        .containsEntry("Dimensions", List.of(Map.of("Name", "TableName", "Value", "pulso-metrics")));
  }

  @Test
  @SuppressWarnings("unchecked")
  void aFailedNightlyJobIsToldByGlueItself() {
    Map<String, Object> rule = ENV.resources(STACK, "AWS::Events::Rule").values().iterator().next();
    assertThat(rule.get("EventPattern")).isEqualTo(Map.of("source", List.of("aws.glue"),
        "detail-type", List.of("Glue Job State Change"),
        "detail", Map.of("jobName", List.of("pulso-daily-report"), "state", List.of("FAILED", "TIMEOUT", "ERROR"))));
    Map<String, Object> target = (Map<String, Object>) ((List<Object>) rule.get("Targets")).get(0);
    assertThat(render(target.get("Arn"))).contains("Alerts");
  }

  @Test
  @SuppressWarnings("unchecked")
  void theBudgetWarnsTheAlertsTopicAndTheLogsAreKeptEncrypted() {
    Map<String, Object> budget = ENV.resources(STACK, "AWS::Budgets::Budget").values().iterator().next();
    assertThat(((Map<String, Object>) budget.get("Budget")).get("BudgetLimit")).isEqualTo(Map.of("Amount", 1500, "Unit", "USD"));
    List<Object> notifications = (List<Object>) budget.get("NotificationsWithSubscribers");
    assertThat(notifications).hasSize(2).allSatisfy(n -> assertThat(render(((List<Map<String, Object>>)
        ((Map<String, Object>) n).get("Subscribers")).get(0).get("Address"))).contains("Alerts"));

    Map<String, Object> logs = ENV.resources(STACK, "AWS::Logs::LogGroup").values().iterator().next();
    assertThat(logs).containsEntry("LogGroupName", "/pulso/test/service").containsEntry("RetentionInDays", 90)
        .containsKey("KmsKeyId");
    assertThat(ENV.resources(STACK, "AWS::CloudWatch::Dashboard")).hasSize(1);
  }
}
