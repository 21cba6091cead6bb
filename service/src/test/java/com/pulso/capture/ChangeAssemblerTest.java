package com.pulso.capture;

import static com.pulso.capture.PgOutputFromPostgresTest.text;
import static com.pulso.capture.PgOutputFromPostgresTest.tuple;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.pulso.capture.PgOutputMessage.Begin;
import com.pulso.capture.PgOutputMessage.Binary;
import com.pulso.capture.PgOutputMessage.Column;
import com.pulso.capture.PgOutputMessage.Commit;
import com.pulso.capture.PgOutputMessage.Insert;
import com.pulso.capture.PgOutputMessage.Relation;
import com.pulso.capture.PgOutputMessage.Truncate;
import com.pulso.sales.Lsn;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Transaction bookkeeping on hand-built messages (real bytes are in {@link PgOutputFromPostgresTest}). */
class ChangeAssemblerTest {

  private static final Lsn COMMIT_LSN = Lsn.parse("0/5000");
  private static final Instant TIME = Instant.parse("2026-11-29T20:00:00Z");
  private static final Begin BEGIN = new Begin(COMMIT_LSN, TIME, 900);
  private static final Relation VENTAS = new Relation(42, "public", "ventas", Relation.IDENTITY_FULL,
      List.of(new Column(1, "id", 20, -1), new Column(1, "producto", 25, -1)));

  @Test
  void changesOfATransactionAreNumberedFromZeroAndTheCommitCountsThem() {
    ChangeAssembler assembler = new ChangeAssembler();
    List<TransactionEvent> events = new ArrayList<>();
    for (PgOutputMessage m : List.of(BEGIN, VENTAS, insert(1), insert(2), new Truncate(0, List.of(42)), insert(3),
        new Commit(0, COMMIT_LSN, Lsn.parse("0/5030"), TIME), new Begin(Lsn.parse("0/6000"), TIME, 901), insert(4))) {
      assembler.accept(m).ifPresent(events::add);
    }

    assertThat(events).extracting(e -> e.getClass().getSimpleName() + " " + e.commitLsn() + " "
        + (e instanceof RowChange c ? c.index() : e instanceof TransactionEvent.Truncated t ? t.index() : "-"))
        .containsExactly("RowChange 0/5000 0", "RowChange 0/5000 1", "Truncated 0/5000 2", "RowChange 0/5000 3",
            "Committed 0/5000 -", "RowChange 0/6000 0");
    assertThat(((TransactionEvent.Committed) events.get(4)).changeCount()).isEqualTo(4);
    assertThat(((TransactionEvent.Committed) events.get(4)).endLsn()).isEqualTo(Lsn.parse("0/5030"));
    assertThat(((RowChange) events.get(5)).xid()).isEqualTo(901);
  }

  @Test
  void messagesOutOfTransactionOrderFailClearly() {
    assertThatThrownBy(() -> assembler(VENTAS).accept(insert(1)))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("outside a transaction");
    assertThatThrownBy(() -> assembler(BEGIN).accept(insert(1)))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("relation 42 before any Relation message");
    assertThatThrownBy(() -> assembler(BEGIN).accept(BEGIN))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("never committed");
    assertThatThrownBy(() -> assembler(BEGIN).accept(new Commit(0, Lsn.parse("0/4FFF"), COMMIT_LSN, TIME)))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("announced its commit at 0/5000");
  }

  @Test
  void tupleNotMatchingItsRelationOrInBinaryFails() {
    assertThatThrownBy(() -> assembler(BEGIN, VENTAS).accept(new Insert(42, tuple(text("1")))))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("1 values").hasMessageContaining("2 columns");
    assertThatThrownBy(() -> assembler(BEGIN, VENTAS).accept(new Insert(42, tuple(text("1"), new Binary(new byte[1])))))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("binary");
  }

  private static ChangeAssembler assembler(PgOutputMessage... before) {
    ChangeAssembler assembler = new ChangeAssembler();
    for (PgOutputMessage m : before) {
      assembler.accept(m);
    }
    return assembler;
  }

  private static Insert insert(long id) {
    return new Insert(42, tuple(text(Long.toString(id)), text("LAC-001")));
  }
}
