package com.pulso.api;

import com.pulso.aggregate.DailyClientTotal;
import java.time.Instant;
import java.util.List;

/**
 * A provider's day per client, and where it comes from: {@link #BATCH} (the day's nightly report,
 * written at {@code asOf}) or {@link #REALTIME} (the real-time items, read from DynamoDB at
 * {@code asOf}). The same cached answer is the same {@code clients} instance.
 */
record ClientsOfDay(String source, Instant asOf, List<DailyClientTotal> clients) {

  static final String BATCH = "batch";
  static final String REALTIME = "realtime";
}
