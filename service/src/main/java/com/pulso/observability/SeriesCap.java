package com.pulso.observability;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.config.MeterFilterReply;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * At most {@code max} series (distinct tag sets) per meter name: a tag fed by something outside
 * Pulso's control (a request's method, say) can no longer grow the registry, and each scrape, without
 * bound. Series beyond the cap are not registered (their meter is a no-op), and the first one refused
 * per name is logged.
 */
final class SeriesCap implements MeterFilter {

  private static final Logger LOG = LoggerFactory.getLogger(SeriesCap.class);

  private final int max;
  private final ConcurrentHashMap<String, Set<Meter.Id>> series = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, AtomicBoolean> warned = new ConcurrentHashMap<>();

  SeriesCap(int max) {
    this.max = max;
  }

  @Override
  public MeterFilterReply accept(Meter.Id id) {
    Set<Meter.Id> ofName = series.computeIfAbsent(id.getName(), name -> ConcurrentHashMap.newKeySet());
    if (ofName.contains(id) || (ofName.size() < max && ofName.add(id))) {
      return MeterFilterReply.NEUTRAL;
    }
    if (warned.computeIfAbsent(id.getName(), name -> new AtomicBoolean()).compareAndSet(false, true)) {
      LOG.warn("Meter {} reached {} series: further tag sets are not recorded (this one: {})", id.getName(), max,
          id.getTags());
    }
    return MeterFilterReply.DENY;
  }
}
