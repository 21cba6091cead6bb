package com.pulso.api;

import com.pulso.aggregate.DailyClientTotal;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A provider's day per client, and where it comes from: {@link #BATCH} (the day's nightly report,
 * written at {@code asOf}) or {@link #REALTIME} (the real-time items, read from DynamoDB at
 * {@code asOf}). The same cached answer is the same {@code clients} instance.
 */
record ClientsOfDay(String source, Instant asOf, List<DailyClientTotal> clients) {

  static final String BATCH = "batch";
  static final String REALTIME = "realtime";

  /** The clients after {@code clientId}, by id: a view, found by binary search (both sources give them by id). */
  List<DailyClientTotal> after(long clientId) {
    int low = 0;
    int high = clients.size();
    while (low < high) {
      int middle = (low + high) >>> 1;
      if (clients.get(middle).clientId() <= clientId) {
        low = middle + 1;
      } else {
        high = middle;
      }
    }
    return clients.subList(low, clients.size());
  }

  /** The client's figures of the day, if it bought anything. */
  Optional<DailyClientTotal> client(long clientId) {
    List<DailyClientTotal> from = after(clientId - 1);
    return from.isEmpty() || from.get(0).clientId() != clientId ? Optional.empty() : Optional.of(from.get(0));
  }
}
