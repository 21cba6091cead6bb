package com.pulso.aggregate;

import com.pulso.aggregate.MetricItem.ClientDay;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.Objects;
import java.util.Set;

/**
 * What one batch touched of one provider's figures: the business days (their totals), the clients
 * per day, and the minutes (local to the business zone). What {@code pulso.metrics.<providerId>} tells
 * caches and dashboards once the batch is applied.
 */
public record MetricsChanged(int providerId, Set<LocalDate> days, Set<ClientDay> clientDays, Set<LocalDateTime> minutes) {

  public MetricsChanged {
    days = Set.copyOf(Objects.requireNonNull(days, "days"));
    clientDays = Set.copyOf(Objects.requireNonNull(clientDays, "clientDays"));
    minutes = Set.copyOf(Objects.requireNonNull(minutes, "minutes"));
  }
}
