package com.pulso.alerts;

import com.pulso.alerts.AlertStore.Notification;
import com.pulso.aws.AwsClients;
import com.pulso.config.PulsoConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sns.model.MessageAttributeValue;

/**
 * Delivers the stored notifications in order, one at a time: to the SNS topic of each ({@code alerts.topicArn},
 * escalations to {@code alerts.escalationTopicArn}, or the first when that is empty), with their severity and
 * rule as message attributes; without a topic, to the log. A delivery that fails (SNS throttling, an outage)
 * is tried again after a backoff that doubles up to a minute — never dropped: it stays in the outbox and in
 * GET /v1/admin/alerts with its attempts and last error.
 */
final class AlertNotifier {

  private static final Logger LOG = LoggerFactory.getLogger(AlertNotifier.class);
  /** How long a claimed notification is this notifier's (a publish is bounded by the SDK's call timeout, 30 s). */
  private static final Duration CLAIM = Duration.ofSeconds(60);
  private static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
  private static final Duration MAX_BACKOFF = Duration.ofMinutes(1);

  private final AlertStore store;
  private final AwsClients aws;
  private final PulsoConfig.Alerts config;
  private Vertx vertx;
  private boolean draining;
  private boolean stopped;
  private long retryTimer = -1;

  AlertNotifier(AlertStore store, AwsClients aws, PulsoConfig.Alerts config) {
    this.store = store;
    this.aws = aws;
    this.config = config;
  }

  void start(Vertx vertx) {
    this.vertx = vertx;
    wake();
  }

  void stop() {
    stopped = true;
    if (retryTimer >= 0) {
      vertx.cancelTimer(retryTimer);
    }
  }

  /** Delivers what is waiting, unless already doing so. */
  void wake() {
    if (draining || stopped || vertx == null) {
      return;
    }
    draining = true;
    drain().onComplete(done -> draining = false);
  }

  private Future<Void> drain() {
    return store.claimNext(CLAIM).compose(next -> {
      if (next.isEmpty() || stopped) {
        return Future.succeededFuture();
      }
      Notification notification = next.get();
      return deliver(notification)
          .compose(v -> store.delivered(notification.id()))
          .compose(v -> drain(), error -> {
            Duration backoff = backoff(notification.attempts());
            LOG.warn("Alert notification {} ({} {}) not delivered (attempt {}), retried in {} s: {}", notification.id(),
                notification.rule(), notification.kind(), notification.attempts(), backoff.toSeconds(), error.toString());
            retryTimer = vertx.setTimer(backoff.toMillis(), id -> {
              retryTimer = -1;
              wake();
            });
            return store.failed(notification.id(), error.toString(), backoff);
          });
    });
  }

  private Future<Void> deliver(Notification notification) {
    String topic = "escalation".equals(notification.topic()) && !config.escalationTopicArn().isEmpty()
        ? config.escalationTopicArn() : config.topicArn();
    if (topic.isEmpty()) {
      LOG.warn("ALERT {}\n{}", notification.subject(), notification.message());
      return Future.succeededFuture();
    }
    return aws.call(() -> aws.sns().publish(publish -> publish.topicArn(topic)
            .subject(notification.subject())
            .message(notification.message())
            .messageAttributes(Map.of(
                "severity", text(notification.severity()),
                "rule", text(notification.rule()),
                "event", text(notification.kind())))))
        .mapEmpty();
  }

  private static MessageAttributeValue text(String value) {
    return MessageAttributeValue.builder().dataType("String").stringValue(value).build();
  }

  static Duration backoff(int attempts) {
    long millis = FIRST_BACKOFF.toMillis() << Math.min(Math.max(attempts - 1, 0), 10);
    return Duration.ofMillis(Math.min(millis, MAX_BACKOFF.toMillis()));
  }
}
