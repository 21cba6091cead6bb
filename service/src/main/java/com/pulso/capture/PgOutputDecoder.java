package com.pulso.capture;

import com.pulso.capture.PgOutputMessage.Begin;
import com.pulso.capture.PgOutputMessage.Binary;
import com.pulso.capture.PgOutputMessage.Column;
import com.pulso.capture.PgOutputMessage.Commit;
import com.pulso.capture.PgOutputMessage.Delete;
import com.pulso.capture.PgOutputMessage.Insert;
import com.pulso.capture.PgOutputMessage.Null;
import com.pulso.capture.PgOutputMessage.Origin;
import com.pulso.capture.PgOutputMessage.Relation;
import com.pulso.capture.PgOutputMessage.Text;
import com.pulso.capture.PgOutputMessage.Truncate;
import com.pulso.capture.PgOutputMessage.TupleData;
import com.pulso.capture.PgOutputMessage.Type;
import com.pulso.capture.PgOutputMessage.UnchangedToast;
import com.pulso.capture.PgOutputMessage.Update;
import com.pulso.capture.PgOutputMessage.Value;
import com.pulso.sales.Lsn;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The one place that reads the {@code pgoutput} wire format (protocol version 1, as documented in
 * PostgreSQL's "Logical Replication Message Formats"): one message, as returned in the {@code data}
 * column of {@code pg_logical_slot_peek_binary_changes}, into a {@link PgOutputMessage}. Stateless.
 *
 * <p>Strings and text values are read as UTF-8: pgoutput sends them in the database encoding, and
 * Pulso's source databases are UTF-8.
 */
public final class PgOutputDecoder {

  /** 2000-01-01T00:00:00Z, PostgreSQL's epoch, in microseconds since the Unix epoch. */
  private static final long POSTGRES_EPOCH_MICROS = 946_684_800_000_000L;

  private PgOutputDecoder() {}

  public static PgOutputMessage decode(byte[] message) {
    return decode(ByteBuffer.wrap(message));
  }

  /** Reads from the buffer's position to its limit (the buffer itself is left untouched). */
  public static PgOutputMessage decode(ByteBuffer message) {
    ByteBuffer in = message.slice().order(ByteOrder.BIG_ENDIAN);
    if (!in.hasRemaining()) {
      throw new PgOutputDecodeException("empty pgoutput message");
    }
    byte kind = in.get();
    PgOutputMessage decoded;
    try {
      decoded = switch (kind) {
        case 'B' -> new Begin(lsn(in), timestamp(in), Integer.toUnsignedLong(in.getInt()));
        case 'C' -> new Commit(Byte.toUnsignedInt(in.get()), lsn(in), lsn(in), timestamp(in));
        case 'O' -> new Origin(lsn(in), string(in));
        case 'R' -> relation(in);
        case 'Y' -> new Type(in.getInt(), string(in), string(in));
        case 'I' -> new Insert(in.getInt(), tuple(in, 'N', kind));
        case 'U' -> update(in);
        case 'D' -> delete(in);
        case 'T' -> truncate(in);
        default -> throw new PgOutputDecodeException("unknown pgoutput message kind " + describe(kind)
            + ": this decoder reads protocol version 1 without 'messages' or 'streaming';"
            + " read the slot with proto_version '1' only");
      };
    } catch (BufferUnderflowException e) {
      throw new PgOutputDecodeException("pgoutput message " + describe(kind) + " is cut short ("
          + message.remaining() + " bytes)", e);
    }
    if (in.hasRemaining()) {
      throw new PgOutputDecodeException("pgoutput message " + describe(kind) + " has " + in.remaining()
          + " bytes left over after its last field (" + message.remaining() + " bytes in all)");
    }
    return decoded;
  }

  private static Relation relation(ByteBuffer in) {
    int relationId = in.getInt();
    String namespace = string(in);
    String name = string(in);
    int replicaIdentity = Byte.toUnsignedInt(in.get());
    int count = Short.toUnsignedInt(in.getShort());
    List<Column> columns = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      columns.add(new Column(Byte.toUnsignedInt(in.get()), string(in), in.getInt(), in.getInt()));
    }
    return new Relation(relationId, namespace, name, replicaIdentity, columns);
  }

  private static Update update(ByteBuffer in) {
    int relationId = in.getInt();
    byte marker = in.get();
    TupleData oldTuple = null;
    if (marker == 'K' || marker == 'O') {
      oldTuple = tupleData(in);
      marker = in.get();
    }
    if (marker != 'N') {
      throw new PgOutputDecodeException("pgoutput Update of relation " + relationId + ": expected the new tuple ('N'),"
          + " found " + describe(marker));
    }
    return new Update(relationId, oldTuple, tupleData(in));
  }

  private static Delete delete(ByteBuffer in) {
    int relationId = in.getInt();
    byte marker = in.get();
    if (marker != 'K' && marker != 'O') {
      throw new PgOutputDecodeException("pgoutput Delete of relation " + relationId + ": expected the old tuple"
          + " ('K' or 'O'), found " + describe(marker));
    }
    return new Delete(relationId, tupleData(in));
  }

  private static Truncate truncate(ByteBuffer in) {
    int count = in.getInt();
    int options = Byte.toUnsignedInt(in.get());
    if (count < 0 || count > in.remaining() / 4) {
      throw new PgOutputDecodeException("pgoutput Truncate announces " + Integer.toUnsignedString(count)
          + " relations but holds " + in.remaining() + " more bytes");
    }
    List<Integer> relationIds = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      relationIds.add(in.getInt());
    }
    return new Truncate(options, relationIds);
  }

  private static TupleData tuple(ByteBuffer in, char expected, byte kind) {
    byte marker = in.get();
    if (marker != expected) {
      throw new PgOutputDecodeException("pgoutput message " + describe(kind) + ": expected tuple marker "
          + describe((byte) expected) + ", found " + describe(marker));
    }
    return tupleData(in);
  }

  private static TupleData tupleData(ByteBuffer in) {
    int count = Short.toUnsignedInt(in.getShort());
    List<Value> values = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      byte kind = in.get();
      values.add(switch (kind) {
        case 'n' -> Null.INSTANCE;
        case 'u' -> UnchangedToast.INSTANCE;
        case 't' -> new Text(new String(bytes(in), StandardCharsets.UTF_8));
        case 'b' -> new Binary(bytes(in));
        default -> throw new PgOutputDecodeException("unknown pgoutput column value kind " + describe(kind)
            + " in column " + (i + 1) + " of " + count);
      });
    }
    return new TupleData(values);
  }

  private static byte[] bytes(ByteBuffer in) {
    int length = in.getInt();
    if (length < 0 || length > in.remaining()) {
      throw new PgOutputDecodeException("pgoutput column value of " + Integer.toUnsignedString(length)
          + " bytes, but only " + in.remaining() + " bytes are left in the message");
    }
    byte[] bytes = new byte[length];
    in.get(bytes);
    return bytes;
  }

  /** A NUL-terminated string. */
  private static String string(ByteBuffer in) {
    int start = in.position();
    int end = start;
    while (end < in.limit() && in.get(end) != 0) {
      end++;
    }
    if (end == in.limit()) {
      throw new PgOutputDecodeException("pgoutput string at offset " + start + " has no terminating NUL");
    }
    byte[] bytes = new byte[end - start];
    in.get(bytes);
    in.get(); // the NUL
    return new String(bytes, StandardCharsets.UTF_8);
  }

  private static Lsn lsn(ByteBuffer in) {
    return new Lsn(in.getLong());
  }

  private static Instant timestamp(ByteBuffer in) {
    long micros = Math.addExact(in.getLong(), POSTGRES_EPOCH_MICROS);
    return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
  }

  private static String describe(byte b) {
    int unsigned = Byte.toUnsignedInt(b);
    String hex = String.format("0x%02X", unsigned);
    return unsigned >= 0x20 && unsigned < 0x7F ? "'" + (char) unsigned + "' (" + hex + ")" : hex;
  }
}
