package com.pulso.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.pulso.db.Postgres;
import com.pulso.testing.Await;
import com.pulso.testing.SalesWorkload;
import com.pulso.testing.ServerJvm;
import com.pulso.testing.ServerPipeline;
import com.pulso.testing.TestPorts;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One source transaction of 200,000 sales, captured by a server JVM whose heap is capped: capture
 * reads the slot through a cursor and ships in bounded batches, so the transaction's size does not
 * become the server's memory. The figures end exact and the server survives.
 */
class LargeTransactionTest {

  private static final int HTTP_PORT = TestPorts.port(28091);
  private static final int CLUSTER_PORT = TestPorts.port(25811);
  private static final int ROWS = 200_000;
  private static final String HEAP_CAP = "-Xmx256m";

  private ServerPipeline pipeline;

  @BeforeEach
  void freshPipeline() throws Exception {
    pipeline = ServerPipeline.create();
  }

  @AfterEach
  void stopServerAndDropSlotAndStream() throws Exception {
    pipeline.close();
  }

  @Test
  void aTransactionOf200000RowsIsCapturedExactlyWithTheHeapCapped(@TempDir Path dir) throws Exception {
    ServerJvm server = pipeline.startServer(dir.resolve("server.log"), HTTP_PORT, CLUSTER_PORT,
        Map.of("JAVA_OPTS", HEAP_CAP));
    pipeline.awaitCaptureStreaming();
    LocalDate firstDay = LocalDate.now(pipeline.config().businessZone()).minusDays(1);

    insertInOneTransaction(firstDay);
    assertThat(pipeline.count("SELECT count(*) FROM ventas")).isEqualTo(ROWS);

    AtomicLong peakHeap = new AtomicLong();
    Await.waitUntil(() -> {
      assertThat(server.isAlive()).as("server alive; log:%n%s", server.tail()).isTrue();
      peakHeap.accumulateAndGet(server.heapUsedBytes(), Math::max);
      return server.appliedChanges() >= ROWS;
    }, Duration.ofSeconds(240), () -> "every change applied (" + server.appliedChanges() + " of " + ROWS + ")");
    pipeline.awaitFiguresEqualGroundTruth(SalesWorkload.days(firstDay), Duration.ofSeconds(120));

    System.out.printf("200,000-row transaction with %s: peak heap seen %,d MB%n", HEAP_CAP, peakHeap.get() >> 20);
    assertThat(server.isAlive()).as("server alive; log:%n%s", server.tail()).isTrue();
    assertThat(server.log()).doesNotContain("OutOfMemoryError");
  }

  /**
   * One INSERT of {@link #ROWS} sales over the workload's products, 200 clients and two days:
   * deterministic amounts and times, every minute of the two days used.
   */
  private void insertInOneTransaction(LocalDate firstDay) throws Exception {
    String sql = """
        INSERT INTO ventas (cliente_id, producto, fecha, monto)
        SELECT 1 + (g * 7919) % 200,
               (?::text[])[1 + g % cardinality(?::text[])],
               ?::timestamptz + make_interval(secs => (g * 172800.0 / ?)),
               ((g * 104729) % 2500000 + 100) / 100.0
        FROM generate_series(0::bigint, ? - 1) AS g""";
    try (Connection c = Postgres.connect(pipeline.config().database()); PreparedStatement st = c.prepareStatement(sql)) {
      java.sql.Array products = c.createArrayOf("text", SalesWorkload.PRODUCTS.toArray());
      st.setArray(1, products);
      st.setArray(2, products);
      st.setObject(3, OffsetDateTime.ofInstant(firstDay.atStartOfDay(pipeline.config().businessZone()).toInstant(),
          ZoneOffset.UTC));
      st.setInt(4, ROWS);
      st.setInt(5, ROWS);
      assertThat(st.executeUpdate()).isEqualTo(ROWS);
    }
  }
}
