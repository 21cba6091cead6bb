package com.pulso.capture;

import com.pulso.sales.SourcePosition;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A source change that could not become a sale change: kept with the reason and the row (column
 * name → text value, null for SQL NULL) so it can be inspected and replayed, never silently dropped.
 */
public record DeadLetter(SourcePosition position, String reason, Map<String, String> row) {

  public DeadLetter {
    Objects.requireNonNull(position, "position");
    Objects.requireNonNull(reason, "reason");
    row = Collections.unmodifiableMap(new LinkedHashMap<>(row));
  }
}
