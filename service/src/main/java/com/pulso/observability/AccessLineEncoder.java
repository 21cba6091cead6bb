package com.pulso.observability;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.EncoderBase;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.slf4j.event.KeyValuePair;

/**
 * The access log's JSON line in the aws profile: one flat object per answer, its key-values as fields
 * — {@code {"timestamp":…,"level":"INFO","loggerName":"pulso.access","formattedMessage":"…",
 * "requestId":"…","method":"GET","route":"/v1/…","provider":"1","status":200,"durationMillis":3,
 * "bytes":10824}}.
 *
 * <p>Why not Logback's {@code JsonEncoder}, as the other loggers: it puts key-values in a list of
 * one-key objects ({@code kvpList}), which CloudWatch Logs Insights can only address by position
 * ({@code kvpList.2.route}); flat, they are fields to filter and group by
 * ({@code stats count(*) by route, status}), numbers staying numbers. It also walks every part of the
 * event for every line; this writes the few the access line has (a fifth less CPU per line:
 * README, {@code AccessLogBenchmark}).
 */
public final class AccessLineEncoder extends EncoderBase<ILoggingEvent> {

  @Override
  public byte[] headerBytes() {
    return null;
  }

  @Override
  public byte[] encode(ILoggingEvent event) {
    StringBuilder line = new StringBuilder(320);
    line.append("{\"timestamp\":").append(event.getTimeStamp()).append(",\"level\":\"").append(event.getLevel())
        .append("\",\"loggerName\":");
    string(line, event.getLoggerName());
    line.append(",\"formattedMessage\":");
    string(line, event.getFormattedMessage());
    List<KeyValuePair> pairs = event.getKeyValuePairs();
    if (pairs != null) {
      for (KeyValuePair pair : pairs) {
        line.append(',');
        string(line, pair.key);
        line.append(':');
        if (pair.value instanceof Integer || pair.value instanceof Long) {
          line.append(pair.value);
        } else {
          string(line, String.valueOf(pair.value));
        }
      }
    }
    return line.append("}\n").toString().getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public byte[] footerBytes() {
    return null;
  }

  /** A JSON string: quotes, backslashes and control characters escaped (RFC 8259 §7). */
  private static void string(StringBuilder line, String value) {
    line.append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"' -> line.append("\\\"");
        case '\\' -> line.append("\\\\");
        case '\n' -> line.append("\\n");
        case '\r' -> line.append("\\r");
        case '\t' -> line.append("\\t");
        default -> {
          if (c < 0x20) {
            line.append(String.format("\\u%04x", (int) c));
          } else {
            line.append(c);
          }
        }
      }
    }
    line.append('"');
  }
}
