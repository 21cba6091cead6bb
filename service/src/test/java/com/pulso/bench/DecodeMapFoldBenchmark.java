package com.pulso.bench;

import com.pulso.aggregate.BatchFold;
import com.pulso.aggregate.MetricKeys;
import com.pulso.capture.ChangeAssembler;
import com.pulso.capture.PgOutputDecoder;
import com.pulso.capture.RowChange;
import com.pulso.capture.SaleChangeMapper;
import com.pulso.capture.SaleMapping;
import com.pulso.config.PulsoConfig;
import com.pulso.sales.SaleChange;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The capture and aggregate hot path on one core, without I/O: pgoutput bytes of the sales table
 * decoded, assembled, mapped to sale changes and folded into DynamoDB deltas. Target ≥ 200,000
 * changes/s. Figures, not assertions: run it as README's "Benchmarks" says.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class DecodeMapFoldBenchmark {

  private static final int CHANGES = 1_000;
  private static final int RELATION_ID = 16_384;
  private static final String[] COLUMNS = {"id", "cliente_id", "producto", "fecha", "monto"};

  private final List<byte[]> transaction = new ArrayList<>();
  private SaleChangeMapper mapper;
  private MetricKeys keys;

  @Setup
  public void encodeOneTransaction() throws IOException {
    PulsoConfig.Source source = new PulsoConfig.Source("clientes", "id", "nombre", "apellido", "ventas", "id",
        "cliente_id", "producto", "fecha", "monto");
    Map<String, Integer> providers = new HashMap<>();
    for (int p = 0; p < 15; p++) {
      providers.put(String.format("PRD-%03d", p), 1 + p % 3);
    }
    ZoneId zone = ZoneId.of("America/Bogota");
    mapper = new SaleChangeMapper(source, zone, providers);
    keys = new MetricKeys(zone);

    SplittableRandom random = new SplittableRandom(7);
    long lsn = 0x16_B374_D848L;
    transaction.add(begin(lsn + CHANGES * 100L));
    transaction.add(relation());
    for (int i = 0; i < CHANGES; i++) {
      transaction.add(insert(
          String.valueOf(1_000_000 + i),
          String.valueOf(1 + random.nextInt(10_000)),
          String.format("PRD-%03d", random.nextInt(15)),
          String.format("2026-11-29 %02d:%02d:%02d.%06d-05", 8 + random.nextInt(12), random.nextInt(60),
              random.nextInt(60), random.nextInt(1_000_000)),
          String.format("%d.%02d", 1_500 + random.nextInt(250_000), random.nextInt(100))));
    }
    transaction.add(commit(lsn + CHANGES * 100L, lsn + CHANGES * 100L + 48));
    // A benchmark of a path that silently drops the changes would measure nothing.
    if (decodeMapFold().folded() != CHANGES) {
      throw new IllegalStateException("the benchmark's transaction did not map to " + CHANGES + " sale changes");
    }
  }

  @Benchmark
  @OperationsPerInvocation(CHANGES)
  public BatchFold decodeMapFold() {
    ChangeAssembler assembler = new ChangeAssembler();
    List<SaleChange> changes = new ArrayList<>(CHANGES);
    for (byte[] message : transaction) {
      assembler.accept(PgOutputDecoder.decode(message)).ifPresent(event -> {
        if (event instanceof RowChange change && mapper.map(change) instanceof SaleMapping.Mapped mapped) {
          changes.add(mapped.change());
        }
      });
    }
    return BatchFold.of(keys, "shardId-000000000000", changes);
  }

  // pgoutput protocol v1, as PostgreSQL writes it (network byte order, C strings).

  private static byte[] begin(long finalLsn) throws IOException {
    return message(out -> {
      out.writeByte('B');
      out.writeLong(finalLsn);
      out.writeLong(849_000_000_000_000L);
      out.writeInt(4242);
    });
  }

  private static byte[] relation() throws IOException {
    return message(out -> {
      out.writeByte('R');
      out.writeInt(RELATION_ID);
      cstring(out, "public");
      cstring(out, "ventas");
      out.writeByte('f');
      out.writeShort(COLUMNS.length);
      int[] types = {20, 20, 25, 1184, 1700};
      for (int c = 0; c < COLUMNS.length; c++) {
        out.writeByte(c == 0 ? 1 : 0);
        cstring(out, COLUMNS[c]);
        out.writeInt(types[c]);
        out.writeInt(-1);
      }
    });
  }

  private static byte[] insert(String... values) throws IOException {
    return message(out -> {
      out.writeByte('I');
      out.writeInt(RELATION_ID);
      out.writeByte('N');
      out.writeShort(values.length);
      for (String value : values) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        out.writeByte('t');
        out.writeInt(bytes.length);
        out.write(bytes);
      }
    });
  }

  private static byte[] commit(long commitLsn, long endLsn) throws IOException {
    return message(out -> {
      out.writeByte('C');
      out.writeByte(0);
      out.writeLong(commitLsn);
      out.writeLong(endLsn);
      out.writeLong(849_000_000_000_000L);
    });
  }

  private interface Writer {
    void write(DataOutputStream out) throws IOException;
  }

  private static byte[] message(Writer writer) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      writer.write(out);
    }
    return bytes.toByteArray();
  }

  private static void cstring(DataOutputStream out, String text) throws IOException {
    out.write(text.getBytes(StandardCharsets.UTF_8));
    out.writeByte(0);
  }
}
