package com.pulso.observability;

import ch.qos.logback.core.OutputStreamAppender;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Standard output for the access log, a line per API answer: the logging thread (an event loop)
 * encodes its line and copies it into a chunk of up to 4 KB; full chunks, and every
 * {@link #FLUSH_MILLIS} the chunk begun, are handed to a writer thread that makes one write of each.
 *
 * <p>Why: Logback's console appender makes a write per line (System.out flushes every write), and an
 * {@code AsyncAppender} in front of a buffered stream still hands over each line through a locked
 * queue, waking its worker for most of them: at tens of thousands of answers a second on two cores,
 * those writes and wake-ups were most of the access log's cost. Here the hand-over is per 4 KB. 4 KB
 * is PIPE_BUF: a write that size to the pipe the container runtime reads stays whole beside the other
 * loggers' lines, so no line is cut by another.
 *
 * <p>No line is dropped: when the writer falls {@link #CHUNKS_QUEUED} chunks behind (standard output
 * not read), the logging thread waits, as a console appender's would.
 */
public final class BatchedStdoutAppender<E> extends OutputStreamAppender<E> {

  private static final int PIPE_BUF = 4096;
  static final long FLUSH_MILLIS = 200;
  static final int CHUNKS_QUEUED = 256;

  private ScheduledExecutorService flusher;
  private ChunkedStream stream;

  @Override
  public void start() {
    setImmediateFlush(false);
    stream = new ChunkedStream(new FileOutputStream(FileDescriptor.out));
    setOutputStream(stream);
    super.start();
    flusher = Executors.newSingleThreadScheduledExecutor(task -> {
      Thread thread = new Thread(task, "access-log-flush");
      thread.setDaemon(true);
      return thread;
    });
    flusher.scheduleWithFixedDelay(this::flush, FLUSH_MILLIS, FLUSH_MILLIS, TimeUnit.MILLISECONDS);
  }

  @Override
  public void stop() {
    if (flusher != null) {
      flusher.shutdownNow();
    }
    flush();
    super.stop(); // closes the stream: the writer writes what was handed over, then ends
  }

  private void flush() {
    streamWriteLock.lock();
    try {
      if (getOutputStream() != null) {
        getOutputStream().flush();
      }
    } catch (IOException e) {
      addError("Cannot flush the access log to standard output", e);
    } finally {
      streamWriteLock.unlock();
    }
  }

  /**
   * Whole lines gathered into chunks of at most PIPE_BUF bytes (a longer line alone), written by a
   * thread of its own. Written to and flushed under the appender's lock: one caller at a time.
   */
  static final class ChunkedStream extends OutputStream {

    private static final byte[] END = new byte[0];

    private final OutputStream out;
    private final BlockingQueue<byte[]> chunks = new ArrayBlockingQueue<>(CHUNKS_QUEUED);
    private final Thread writer;
    private byte[] chunk = new byte[PIPE_BUF];
    private int size;

    ChunkedStream(OutputStream out) {
      this.out = out;
      this.writer = new Thread(this::writeChunks, "access-log-writer");
      writer.setDaemon(true);
      writer.start();
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    /** One call per encoded line (the appender writes each event's bytes at once). */
    @Override
    public void write(byte[] line, int offset, int length) throws IOException {
      if (size + length > PIPE_BUF) {
        flush();
      }
      if (length >= PIPE_BUF) {
        handOver(Arrays.copyOfRange(line, offset, offset + length));
        return;
      }
      System.arraycopy(line, offset, chunk, size, length);
      size += length;
    }

    @Override
    public void flush() throws IOException {
      if (size > 0) {
        handOver(Arrays.copyOf(chunk, size));
        size = 0;
      }
    }

    @Override
    public void close() throws IOException {
      flush();
      handOver(END);
      try {
        writer.join(TimeUnit.SECONDS.toMillis(5));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    private void handOver(byte[] bytes) throws IOException {
      try {
        chunks.put(bytes);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while handing the access log's lines to its writer");
      }
    }

    private void writeChunks() {
      boolean writable = true;
      try {
        for (byte[] bytes = chunks.take(); bytes != END; bytes = chunks.take()) {
          if (writable) {
            try {
              out.write(bytes);
              out.flush();
            } catch (IOException closed) {
              // Standard output is gone: nothing can be written any more, and the logging threads must
              // not wait on it, so what they hand over is taken and dropped.
              writable = false;
            }
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
