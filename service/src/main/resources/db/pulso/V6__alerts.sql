-- Alerts (docs/operations.md). One row per rule: where its state machine stands, written by the
-- evaluating member only with the version it read (a second evaluator, during a partition, loses the
-- race instead of notifying twice). Each transition is an event, written in the same transaction: the
-- events are the notifications' outbox (delivered_at set once SNS took them, or once logged when no
-- topic is configured) and the history GET /v1/admin/alerts lists.
CREATE TABLE alert_state (
  rule            text PRIMARY KEY,
  status          text NOT NULL CHECK (status IN ('ok', 'pending', 'firing', 'resolving')),
  -- When the rule's condition last changed truth (the start of pending or resolving).
  condition_since timestamptz,
  fired_at        timestamptz,
  escalated_at    timestamptz,
  -- When the alert was last notified (fired, escalated or reminded): the next reminder counts from it.
  notified_at     timestamptz,
  value           double precision,
  threshold       double precision NOT NULL,
  detail          jsonb,
  version         bigint NOT NULL DEFAULT 0
);

CREATE TABLE alert_events (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  rule          text NOT NULL,
  kind          text NOT NULL CHECK (kind IN ('fired', 'resolved', 'escalated', 'reminded')),
  -- alerts or escalation: the topic the event goes to.
  topic         text NOT NULL CHECK (topic IN ('alerts', 'escalation')),
  severity      text NOT NULL,
  at            timestamptz NOT NULL DEFAULT now(),
  subject       text NOT NULL,
  message       text NOT NULL,
  value         double precision,
  threshold     double precision NOT NULL,
  detail        jsonb,
  delivered_at  timestamptz,
  attempts      integer NOT NULL DEFAULT 0,
  last_error    text,
  -- A notifier claims an event before publishing it, so two never publish the same one at once.
  claimed_until timestamptz
);
CREATE INDEX alert_events_undelivered_idx ON alert_events (id) WHERE delivered_at IS NULL;
CREATE INDEX alert_events_rule_at_idx ON alert_events (rule, at DESC);
