package com.pulso.stream;

import java.time.Duration;

/**
 * How the shard consumers of a member poll Kinesis and rebalance. Kinesis allows 5 GetRecords calls
 * per second and shard and returns at most 10,000 records (10 MiB) per call.
 *
 * @param recordsPerCall    GetRecords' {@code Limit}
 * @param minPollInterval   the least time between two GetRecords calls on one shard (5 per second at 200 ms)
 * @param idleDelay         the wait after a call that found no new records
 * @param firstBackoff      the first backoff after a failure (throttling, an AWS error, a batch not applied)
 * @param maxBackoff        the cap of the exponential backoff (full jitter under it)
 * @param rebalanceInterval how often shard ownership is recomputed besides membership changes
 *                          (to pick up reshards and finished parents)
 */
public record ConsumerSettings(int recordsPerCall, Duration minPollInterval, Duration idleDelay, Duration firstBackoff,
                               Duration maxBackoff, Duration rebalanceInterval) {

  public static final ConsumerSettings DEFAULT = new ConsumerSettings(1000, Duration.ofMillis(200), Duration.ofMillis(200),
      Duration.ofMillis(100), Duration.ofSeconds(5), Duration.ofSeconds(2));

  public ConsumerSettings {
    if (recordsPerCall < 1 || recordsPerCall > 10_000) {
      throw new IllegalArgumentException("recordsPerCall must be 1 to 10000 (GetRecords' limit): " + recordsPerCall);
    }
    if (minPollInterval.isNegative() || idleDelay.isNegative() || firstBackoff.isNegative()
        || maxBackoff.compareTo(firstBackoff) < 0 || rebalanceInterval.toMillis() < 1) {
      throw new IllegalArgumentException("delays must be >= 0, firstBackoff <= maxBackoff and rebalanceInterval >= 1 ms: "
          + this);
    }
  }
}
