package com.pulso.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.pulso.aggregate.MetricItem.ClientDay;
import com.pulso.aggregate.MetricsChanged;
import io.vertx.core.json.JsonObject;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MetricsEventTest {

  private static final LocalDate DAY = LocalDate.of(2026, 11, 29);

  @Test
  void anEventNamesTheProvidersChangedDaysClientsPerDayAndMinutes() {
    MetricsChanged changed = new MetricsChanged(7, Set.of(DAY, DAY.plusDays(1)),
        Set.of(new ClientDay(7, DAY, 700_002), new ClientDay(7, DAY, 700_001), new ClientDay(7, DAY.plusDays(1), 700_001)),
        Set.of(DAY.atTime(8, 59), DAY.plusDays(1).atTime(0, 0)));

    JsonObject json = MetricsEvent.toJson(changed);

    assertThat(json).isEqualTo(new JsonObject("""
        {"providerId":7,"days":["2026-11-29","2026-11-30"],
         "clients":{"2026-11-29":[700001,700002],"2026-11-30":[700001]},
         "minutes":["2026-11-29T08:59","2026-11-30T00:00"]}"""));
    assertThat(MetricsEvent.fromJson(new JsonObject(json.encode()))).isEqualTo(changed);
    assertThat(MetricsEvent.address(7)).isEqualTo("pulso.metrics.7");
  }

  @Test
  void somethingElseIsRefusedNamingWhatItGot() {
    assertThatThrownBy(() -> MetricsEvent.fromJson(new JsonObject().put("providerId", 1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a metrics event");
  }

  @Test
  void minutesKeepTheirLocalTime() {
    LocalDateTime minute = LocalDateTime.of(2026, 11, 29, 23, 59);
    MetricsChanged changed = new MetricsChanged(1, Set.of(DAY), Set.of(), Set.of(minute));
    assertThat(MetricsEvent.fromJson(MetricsEvent.toJson(changed)).minutes()).containsExactly(minute);
  }
}
