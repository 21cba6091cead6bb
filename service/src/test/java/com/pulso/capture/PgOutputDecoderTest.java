package com.pulso.capture;

import static com.pulso.capture.PgOutputFromPostgresTest.BODY;
import static com.pulso.capture.PgOutputFromPostgresTest.text;
import static com.pulso.capture.PgOutputFromPostgresTest.tuple;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.pulso.capture.PgOutputMessage.Begin;
import com.pulso.capture.PgOutputMessage.Binary;
import com.pulso.capture.PgOutputMessage.Column;
import com.pulso.capture.PgOutputMessage.Commit;
import com.pulso.capture.PgOutputMessage.Delete;
import com.pulso.capture.PgOutputMessage.Insert;
import com.pulso.capture.PgOutputMessage.Null;
import com.pulso.capture.PgOutputMessage.Origin;
import com.pulso.capture.PgOutputMessage.Relation;
import com.pulso.capture.PgOutputMessage.Truncate;
import com.pulso.capture.PgOutputMessage.Type;
import com.pulso.capture.PgOutputMessage.UnchangedToast;
import com.pulso.capture.PgOutputMessage.Update;
import com.pulso.sales.Lsn;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The decoder on pgoutput bytes PostgreSQL 17 sent (the fixture {@code capture/pgoutput-v1-pg17.hex},
 * recorded by {@link PgOutputFromPostgresTest}: its script, one transaction per statement) and on
 * hand-built messages for what PostgreSQL does not send. No database.
 */
class PgOutputDecoderTest {

  private static final int FULL = 16425;
  private static final int DEFAULT = 16432;
  private static final int MOOD = 16420;

  private record Recorded(Lsn lsn, long xid, byte[] data) {}

  private static List<Recorded> recorded;
  private static List<PgOutputMessage> messages;

  @BeforeAll
  static void decodeFixture() throws IOException {
    try (InputStream in = PgOutputDecoderTest.class.getResourceAsStream("/capture/pgoutput-v1-pg17.hex")) {
      recorded = new String(in.readAllBytes(), StandardCharsets.US_ASCII).lines()
          .filter(line -> !line.startsWith("#") && !line.isBlank())
          .map(line -> line.split(" "))
          .map(f -> new Recorded(Lsn.parse(f[0]), Long.parseLong(f[1]), HexFormat.of().parseHex(f[2])))
          .toList();
    }
    messages = recorded.stream().map(r -> PgOutputDecoder.decode(r.data())).toList();
  }

  @Test
  void recordedSessionDecodesIntoTheScriptsTransactions() {
    String kinds = messages.stream().map(m -> m.getClass().getSimpleName().substring(0, 2))
        .collect(Collectors.joining(" "));

    assertThat(kinds).isEqualTo(String.join(" ",
        "Be Ty Re In Co", "Be Re In Co", "Be Up Co", "Be Up Co", "Be Up Co", "Be Up Co", "Be De Co", "Be De Co",
        "Be Ty Re Re Tr Co", "Be Or Re In Co"));
  }

  @Test
  void beginAndCommitCarryLsnsXidAndMicrosecondCommitTime() {
    assertThat(messages.get(0)).isEqualTo(
        new Begin(Lsn.parse("0/1D3FD90"), Instant.parse("2026-11-29T15:27:39.311245Z"), 763));
    assertThat(messages.get(4)).isEqualTo(
        new Commit(0, Lsn.parse("0/1D3FD90"), Lsn.parse("0/1D3FDC0"), Instant.parse("2026-11-29T15:27:39.311245Z")));
    // As the slot reported them beside each message: the xid, and a commit's end LSN.
    long xid = -1;
    for (int i = 0; i < messages.size(); i++) {
      if (messages.get(i) instanceof Begin begin) {
        xid = begin.xid();
      }
      assertThat(recorded.get(i).xid()).isEqualTo(xid);
      if (messages.get(i) instanceof Commit commit) {
        assertThat(recorded.get(i).lsn()).isEqualTo(commit.endLsn());
      }
    }
  }

  @Test
  void typeAndRelationDescribeTheTables() {
    assertThat(messages.get(1)).isEqualTo(new Type(MOOD, "public", "mood"));
    assertThat(messages.get(2)).isEqualTo(new Relation(FULL, "public", "docs_full", 'f', List.of(
        new Column(1, "id", 23, -1), new Column(1, "label", 25, -1), new Column(1, "body", 25, -1),
        new Column(1, "mood", MOOD, -1), new Column(1, "amount", 1700, (10 << 16 | 2) + 4))));
    assertThat(messages.get(6)).isEqualTo(new Relation(DEFAULT, "public", "docs_default", 'd', List.of(
        new Column(1, "id", 23, -1), new Column(0, "label", 25, -1), new Column(0, "body", 25, -1))));
  }

  @Test
  void insertCarriesTheWholeToastedValue() {
    assertThat(messages.get(3)).isEqualTo(
        new Insert(FULL, tuple(text("1"), text("first"), text(BODY), text("happy"), text("12.50"))));
  }

  @Test
  void updatesCarryOldRowsNullsAndUnchangedToast() {
    assertThat(messages.get(10)).isEqualTo(new Update(FULL,
        tuple(text("1"), text("first"), text(BODY), text("happy"), text("12.50")),
        tuple(text("1"), text("second"), UnchangedToast.INSTANCE, text("happy"), text("12.50"))));
    assertThat(messages.get(13)).isEqualTo(new Update(DEFAULT, null,
        tuple(text("1"), text("second"), UnchangedToast.INSTANCE)));
    assertThat(messages.get(16)).isEqualTo(new Update(FULL,
        tuple(text("1"), text("second"), text(BODY), text("happy"), text("12.50")),
        tuple(text("1"), Null.INSTANCE, UnchangedToast.INSTANCE, Null.INSTANCE, text("12.50"))));
    assertThat(messages.get(19)).isEqualTo(new Update(DEFAULT, tuple(text("1"), Null.INSTANCE, Null.INSTANCE),
        tuple(text("2"), text("second"), UnchangedToast.INSTANCE)));
  }

  @Test
  void deletesCarryTheOldRowOrItsKey() {
    assertThat(messages.get(22)).isEqualTo(
        new Delete(FULL, tuple(text("1"), Null.INSTANCE, text(BODY), Null.INSTANCE, text("12.50"))));
    assertThat(messages.get(25)).isEqualTo(new Delete(DEFAULT, tuple(text("2"), Null.INSTANCE, Null.INSTANCE)));
  }

  @Test
  void truncateCarriesItsOptionsAndRelations() {
    Truncate truncate = (Truncate) messages.get(31);

    assertThat(truncate).isEqualTo(new Truncate(2, List.of(FULL, DEFAULT)));
    assertThat(truncate.restartIdentity()).isTrue();
    assertThat(truncate.cascade()).isFalse();
  }

  @Test
  void originCarriesTheOriginsCommitLsnAndName() {
    Origin origin = (Origin) messages.get(34);

    assertThat(origin.originCommitLsn()).isEqualTo(Lsn.parse("0/ABCDEF"));
    assertThat(origin.name()).startsWith("capture_test_");
    assertThat(((Begin) messages.get(33)).commitTime()).isEqualTo(Instant.parse("2026-11-29T15:00:00.123456Z"));
  }

  @Test
  void decodesFromABufferPositionWithoutMovingIt() {
    byte[] begin = recorded.get(0).data();
    ByteBuffer buffer = ByteBuffer.allocate(begin.length + 5);
    buffer.position(3);
    buffer.put(begin);
    buffer.position(3).limit(3 + begin.length);

    assertThat(PgOutputDecoder.decode(buffer)).isEqualTo(messages.get(0));
    assertThat(buffer.position()).isEqualTo(3);
  }

  @Test
  void timestampsBeforeThePostgresEpochAndHighLsnsDecode() {
    ByteBuffer begin = ByteBuffer.allocate(21).put((byte) 'B').putLong(0xFFFF_FFFF_0000_0010L).putLong(-1L)
        .putInt(0xFFFF_FFFE);

    assertThat(PgOutputDecoder.decode(begin.array())).isEqualTo(
        new Begin(Lsn.parse("FFFFFFFF/10"), Instant.parse("1999-12-31T23:59:59.999999Z"), 4_294_967_294L));
  }

  @Test
  void binaryColumnValuesDecode() {
    ByteBuffer insert = ByteBuffer.allocate(17).put((byte) 'I').putInt(7).put((byte) 'N').putShort((short) 2)
        .put((byte) 'b').putInt(3).put(new byte[] {1, 2, 3}).put((byte) 'n');

    assertThat(PgOutputDecoder.decode(insert.array())).isEqualTo(
        new Insert(7, tuple(new Binary(new byte[] {1, 2, 3}), Null.INSTANCE)));
  }

  @Test
  void unknownMessageKindFailsNamingTheByte() {
    // 'M' (logical decoding message) is only sent when asked for with messages 'true'.
    assertThatThrownBy(() -> PgOutputDecoder.decode(new byte[] {'M', 0, 0}))
        .isInstanceOf(PgOutputDecodeException.class).hasMessageContaining("'M' (0x4D)");
    assertThatThrownBy(() -> PgOutputDecoder.decode(new byte[] {(byte) 0xFE}))
        .isInstanceOf(PgOutputDecodeException.class).hasMessageContaining("kind 0xFE");
  }

  @Test
  void malformedMessagesFailClearly() {
    byte[] commit = recorded.get(4).data();

    assertThatThrownBy(() -> PgOutputDecoder.decode(new byte[0]))
        .isInstanceOf(PgOutputDecodeException.class).hasMessageContaining("empty");
    assertThatThrownBy(() -> PgOutputDecoder.decode(Arrays.copyOf(commit, commit.length - 1)))
        .isInstanceOf(PgOutputDecodeException.class).hasMessageContaining("'C'").hasMessageContaining("cut short");
    assertThatThrownBy(() -> PgOutputDecoder.decode(Arrays.copyOf(commit, commit.length + 2)))
        .isInstanceOf(PgOutputDecodeException.class).hasMessageContaining("2 bytes left over");
    assertThatThrownBy(() -> PgOutputDecoder.decode(new byte[] {'Y', 0, 0, 0, 1, 'p', 'u', 'b'}))
        .isInstanceOf(PgOutputDecodeException.class).hasMessageContaining("no terminating NUL");
    assertThatThrownBy(() -> PgOutputDecoder.decode(new byte[] {'I', 0, 0, 0, 1, 'N', 0, 1, 'x'}))
        .isInstanceOf(PgOutputDecodeException.class).hasMessageContaining("column value kind 'x'");
    assertThatThrownBy(() -> PgOutputDecoder.decode(new byte[] {'U', 0, 0, 0, 1, 'Q'}))
        .isInstanceOf(PgOutputDecodeException.class).hasMessageContaining("expected the new tuple");
    assertThatThrownBy(() -> PgOutputDecoder.decode(new byte[] {'I', 0, 0, 0, 1, 'N', 0, 1, 't', 0, 0, 0, 9, 'a'}))
        .isInstanceOf(PgOutputDecodeException.class).hasMessageContaining("9 bytes");
  }
}
