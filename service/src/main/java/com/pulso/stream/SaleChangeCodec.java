package com.pulso.stream;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.pulso.sales.Sale;
import com.pulso.sales.SaleChange;
import com.pulso.sales.SourcePosition;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * The one home of the Kinesis record format v1 (docs/realtime.md): one record is the UTF-8 JSON
 * {@code {"v":1,"changes":[...]}} packing one or more sale changes bound for the same shard, in
 * position order. Amounts are strings with two decimals, times ISO-8601 UTC with microseconds.
 *
 * <p>Producers encode change by change ({@link #encodeChange}) so that a record can be filled up to a
 * size limit without encoding twice ({@link #recordSize}, {@link #record}); {@link #encode} does it all
 * at once. {@link #decode} reads any v1 record and rejects everything else with an
 * {@link UnreadableRecordException}.
 */
public final class SaleChangeCodec {

  /** The format version this codec writes and the only one it reads. */
  public static final int VERSION = 1;

  private static final byte[] RECORD_START = ("{\"v\":" + VERSION + ",\"changes\":[").getBytes(StandardCharsets.UTF_8);
  private static final byte[] RECORD_END = "]}".getBytes(StandardCharsets.UTF_8);
  private static final JsonFactory JSON = new JsonFactory();
  private static final DateTimeFormatter MICROS =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);

  private SaleChangeCodec() {}

  /** One change encoded as an element of a record's {@code changes} array. */
  public record EncodedChange(SaleChange change, byte[] json) {
    public int size() {
      return json.length;
    }
  }

  /** {@code <providerId>:<clientId>} of {@link SaleChange#current()}: every change of one provider+client on one shard. */
  public static String partitionKey(SaleChange change) {
    Sale current = change.current();
    return current.providerId() + ":" + current.clientId();
  }

  /** The record packing {@code changes} (same shard, position order). */
  public static byte[] encode(List<? extends SaleChange> changes) {
    List<EncodedChange> encoded = new ArrayList<>(changes.size());
    for (SaleChange change : changes) {
      encoded.add(encodeChange(change));
    }
    return record(encoded);
  }

  /**
   * @throws IllegalArgumentException when a time has sub-microsecond digits: the format (like
   *     PostgreSQL) carries microseconds, and dropping digits silently would change the data
   */
  public static EncodedChange encodeChange(SaleChange change) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator json = JSON.createGenerator(out)) {
      json.writeStartObject();
      json.writeStringField("pos", change.position().sortable());
      json.writeStringField("commit", time(change.commitTime()));
      // Java 17: no pattern switch on the sealed family yet; the final else keeps a new kind from passing silently.
      if (change instanceof SaleChange.Inserted inserted) {
        json.writeStringField("op", "insert");
        writeSale(json, "sale", inserted.sale());
      } else if (change instanceof SaleChange.Corrected corrected) {
        json.writeStringField("op", "correct");
        writeSale(json, "before", corrected.before());
        writeSale(json, "after", corrected.after());
      } else if (change instanceof SaleChange.Voided voided) {
        json.writeStringField("op", "void");
        writeSale(json, "sale", voided.sale());
      } else {
        throw new IllegalArgumentException("no record encoding for change kind " + change.getClass().getName());
      }
      json.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException("could not encode " + change, e); // a ByteArrayOutputStream does not fail
    }
    return new EncodedChange(change, out.toByteArray());
  }

  /** The size in bytes of a record packing {@code count} encoded changes of {@code changeBytes} bytes in all. */
  public static long recordSize(int count, long changeBytes) {
    return RECORD_START.length + changeBytes + Math.max(0, count - 1) + RECORD_END.length;
  }

  /** The record packing already encoded changes (same shard, position order). */
  public static byte[] record(List<EncodedChange> changes) {
    if (changes.isEmpty()) {
      throw new IllegalArgumentException("a record packs at least one change");
    }
    long bytes = 0;
    for (EncodedChange change : changes) {
      bytes += change.size();
    }
    long size = recordSize(changes.size(), bytes);
    if (size > Integer.MAX_VALUE - 16) {
      throw new IllegalArgumentException("a record of " + size + " bytes cannot be built");
    }
    byte[] record = new byte[(int) size];
    System.arraycopy(RECORD_START, 0, record, 0, RECORD_START.length);
    int at = RECORD_START.length;
    for (int i = 0; i < changes.size(); i++) {
      if (i > 0) {
        record[at++] = ',';
      }
      byte[] json = changes.get(i).json();
      System.arraycopy(json, 0, record, at, json.length);
      at += json.length;
    }
    System.arraycopy(RECORD_END, 0, record, at, RECORD_END.length);
    return record;
  }

  /**
   * The changes a record packs, in the record's order.
   *
   * @throws UnreadableRecordException when the record is not v1 JSON of this format, or of another version
   */
  public static List<SaleChange> decode(byte[] record) {
    JsonObject root;
    try {
      root = new JsonObject(Buffer.buffer(record));
    } catch (DecodeException | ClassCastException e) {
      throw UnreadableRecordException.malformed("not a JSON object: " + e.getMessage(), e);
    }
    Object version = root.getValue("v");
    if (!(version instanceof Integer number && number == VERSION)) {
      if (version == null) {
        throw UnreadableRecordException.malformed("no format version \"v\"");
      }
      throw UnreadableRecordException.unknownVersion(version);
    }
    if (!(root.getValue("changes") instanceof JsonArray changes) || changes.isEmpty()) {
      throw UnreadableRecordException.malformed("\"changes\" must be a non-empty array");
    }
    List<SaleChange> decoded = new ArrayList<>(changes.size());
    for (int i = 0; i < changes.size(); i++) {
      if (!(changes.getValue(i) instanceof JsonObject change)) {
        throw UnreadableRecordException.malformed("changes[" + i + "] is not an object");
      }
      try {
        decoded.add(decodeChange(change));
      } catch (UnreadableRecordException e) {
        throw UnreadableRecordException.malformed("changes[" + i + "]: " + e.getMessage(), e.getCause());
      } catch (IllegalArgumentException | DateTimeParseException | ArithmeticException e) {
        throw UnreadableRecordException.malformed("changes[" + i + "]: " + e.getMessage(), e);
      }
    }
    return decoded;
  }

  private static SaleChange decodeChange(JsonObject change) {
    SourcePosition position = SourcePosition.parseSortable(string(change, "pos"));
    Instant commit = Instant.parse(string(change, "commit"));
    String op = string(change, "op");
    return switch (op) {
      case "insert" -> new SaleChange.Inserted(position, commit, sale(change, "sale"));
      case "correct" -> new SaleChange.Corrected(position, commit, sale(change, "before"), sale(change, "after"));
      case "void" -> new SaleChange.Voided(position, commit, sale(change, "sale"));
      default -> throw UnreadableRecordException.malformed("unknown op '" + op + "' (insert, correct, void)");
    };
  }

  private static Sale sale(JsonObject change, String field) {
    if (!(change.getValue(field) instanceof JsonObject sale)) {
      throw UnreadableRecordException.malformed("\"" + field + "\" must be an object");
    }
    long providerId = integer(sale, "provider");
    if (providerId < Integer.MIN_VALUE || providerId > Integer.MAX_VALUE) {
      throw UnreadableRecordException.malformed("\"provider\" out of range: " + providerId);
    }
    return new Sale(integer(sale, "id"), integer(sale, "client"), string(sale, "product"), (int) providerId,
        Instant.parse(string(sale, "time")), new BigDecimal(string(sale, "amount")));
  }

  private static void writeSale(JsonGenerator json, String field, Sale sale) throws IOException {
    json.writeObjectFieldStart(field);
    json.writeNumberField("id", sale.id());
    json.writeNumberField("client", sale.clientId());
    json.writeStringField("product", sale.productCode());
    json.writeNumberField("provider", sale.providerId());
    json.writeStringField("time", time(sale.time()));
    json.writeStringField("amount", sale.amount().toPlainString());
    json.writeEndObject();
  }

  private static String time(Instant time) {
    if (time.getNano() % 1_000 != 0) {
      throw new IllegalArgumentException("time " + time + " has sub-microsecond digits; the record format carries"
          + " microseconds (truncate it where it is made, e.g. Instant.truncatedTo(ChronoUnit.MICROS))");
    }
    return MICROS.format(time);
  }

  private static String string(JsonObject object, String field) {
    if (!(object.getValue(field) instanceof String text)) {
      throw UnreadableRecordException.malformed("\"" + field + "\" must be a string");
    }
    return text;
  }

  private static long integer(JsonObject object, String field) {
    Object value = object.getValue(field);
    if (value instanceof Integer || value instanceof Long) {
      return ((Number) value).longValue();
    }
    throw UnreadableRecordException.malformed("\"" + field + "\" must be an integer");
  }
}
