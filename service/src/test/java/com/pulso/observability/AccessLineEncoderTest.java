package com.pulso.observability;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.slf4j.event.KeyValuePair;

class AccessLineEncoderTest {

  private static LoggingEvent event(String message, Object... keyValues) {
    LoggerContext context = new LoggerContext();
    LoggingEvent event = new LoggingEvent("test", context.getLogger("pulso.access"), Level.INFO, message, null, null);
    for (int i = 0; i < keyValues.length; i += 2) {
      event.addKeyValuePair(new KeyValuePair((String) keyValues[i], keyValues[i + 1]));
    }
    return event;
  }

  @Test
  void anAnswersLineIsOneFlatJsonObjectWhoseFiguresAreNumbers() {
    LoggingEvent event = event("0123456789abcdef GET /v1/providers/:providerId/daily-sales provider=1 status=200 3 ms 10824 bytes",
        "requestId", "0123456789abcdef", "method", "GET", "route", "/v1/providers/:providerId/daily-sales",
        "provider", "1", "status", 200, "durationMillis", 3L, "bytes", 10_824L);
    String line = new String(new AccessLineEncoder().encode(event), StandardCharsets.UTF_8);

    assertThat(line).endsWith("}\n").doesNotContain("kvpList");
    assertThat(line.indexOf('\n')).isEqualTo(line.length() - 1);
    JsonObject json = new JsonObject(line);
    assertThat(json.getLong("timestamp")).isEqualTo(event.getTimeStamp());
    assertThat(json.getString("level")).isEqualTo("INFO");
    assertThat(json.getString("loggerName")).isEqualTo("pulso.access");
    assertThat(json.getString("formattedMessage")).isEqualTo(event.getFormattedMessage());
    assertThat(json.getString("route")).isEqualTo("/v1/providers/:providerId/daily-sales");
    assertThat(json.getString("provider")).isEqualTo("1");
    assertThat(json.getValue("status")).isEqualTo(200);
    assertThat(json.getValue("durationMillis")).isEqualTo(3);
    assertThat(json.getValue("bytes")).isEqualTo(10_824);
  }

  @Test
  void quotesBackslashesAndControlCharactersAreEscaped() {
    String nasty = "a\"b\\c\nd\re\tf\u0001g ñ 𝟙";
    String line = new String(new AccessLineEncoder().encode(event(nasty, "route", nasty)), StandardCharsets.UTF_8);

    assertThat(line.indexOf('\n')).as("one line").isEqualTo(line.length() - 1);
    JsonObject json = new JsonObject(line);
    assertThat(json.getString("formattedMessage")).isEqualTo(nasty);
    assertThat(json.getString("route")).isEqualTo(nasty);
  }
}
