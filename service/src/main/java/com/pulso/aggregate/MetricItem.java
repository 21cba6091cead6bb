package com.pulso.aggregate;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.Objects;

/**
 * One metric item of the DynamoDB table, named by what it counts. Days and minutes are local to the
 * business time zone; {@link MetricKeys} turns an item into its key and back.
 */
public sealed interface MetricItem {

  int providerId();

  /** The business day the item counts in. */
  LocalDate day();

  /**
   * Transactions and amount of one provider's sales to one client on one day, and the same per product
   * ({@link MetricKeys#productTransactionsAttribute}): what daily sales, a summary per product and its
   * active clients are made of, one item per client and day.
   */
  record ClientDay(int providerId, LocalDate day, long clientId) implements MetricItem {
    public ClientDay {
      Objects.requireNonNull(day, "day");
    }
  }

  /** One provider's sales of one product within one minute (kept only for a retention period: TTL). */
  record ProductMinute(int providerId, LocalDateTime minute, String productCode) implements MetricItem {
    public ProductMinute {
      Objects.requireNonNull(minute, "minute");
      Objects.requireNonNull(productCode, "productCode");
      if (minute.getSecond() != 0 || minute.getNano() != 0) {
        throw new IllegalArgumentException("minute must start a minute: " + minute);
      }
    }

    @Override
    public LocalDate day() {
      return minute.toLocalDate();
    }
  }

  /**
   * The share of one provider's day total written by one Kinesis shard: no single item takes every
   * write of a provider's day, and a reader sums the shards' items.
   */
  record ShardDayTotal(int providerId, LocalDate day, String shardId) implements MetricItem {
    public ShardDayTotal {
      Objects.requireNonNull(day, "day");
      Objects.requireNonNull(shardId, "shardId");
    }
  }
}
