package com.pulso.observability;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class BatchedStdoutAppenderTest {

  /** Each write the chunked stream makes to standard output, as it made it. */
  private static final class Writes extends OutputStream {
    final List<String> writes = Collections.synchronizedList(new ArrayList<>());

    @Override
    public void write(int b) {
      throw new AssertionError("written a byte at a time");
    }

    @Override
    public void write(byte[] bytes, int offset, int length) {
      writes.add(new String(bytes, offset, length, StandardCharsets.UTF_8));
    }
  }

  @Test
  void linesReachTheOutputWholeInOrderInWritesOfAtMostPipeBufExceptALongerLineAlone() throws Exception {
    Writes out = new Writes();
    BatchedStdoutAppender.ChunkedStream stream = new BatchedStdoutAppender.ChunkedStream(out);
    SplittableRandom random = new SplittableRandom(7);
    StringBuilder all = new StringBuilder();
    for (int i = 0; i < 5_000; i++) {
      int length = random.nextInt(20) == 0 ? random.nextInt(4_000, 9_000) : random.nextInt(60, 400);
      String line = ("line " + i + " ").repeat(length).substring(0, length) + "\n";
      all.append(line);
      stream.write(line.getBytes(StandardCharsets.UTF_8));
      if (i % 1_000 == 999) {
        stream.flush(); // the periodic flush: a partial chunk goes out too
      }
    }
    stream.close(); // what was handed over is written before close returns

    assertThat(String.join("", out.writes)).isEqualTo(all.toString());
    for (String write : out.writes) {
      assertThat(write).endsWith("\n");
      if (write.length() > 4096) {
        assertThat(write.indexOf('\n')).as("a write over 4 KB is one line").isEqualTo(write.length() - 1);
      }
    }
    // Gathered: far fewer writes than lines.
    assertThat(out.writes.size()).isLessThan(5_000 / 4);
  }

  @Test
  void aClosedOutputNeitherBlocksNorFailsTheLoggingThread() throws Exception {
    OutputStream closed = new OutputStream() {
      @Override
      public void write(int b) throws java.io.IOException {
        throw new java.io.IOException("Broken pipe");
      }
    };
    BatchedStdoutAppender.ChunkedStream stream = new BatchedStdoutAppender.ChunkedStream(closed);
    byte[] line = "x".repeat(1_000).concat("\n").getBytes(StandardCharsets.UTF_8);
    // Far more chunks than the queue holds: the writer takes and drops them.
    for (int i = 0; i < BatchedStdoutAppender.CHUNKS_QUEUED * 20; i++) {
      stream.write(line);
    }
    stream.close();
  }
}
