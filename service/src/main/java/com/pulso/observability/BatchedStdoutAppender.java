package com.pulso.observability;

import ch.qos.logback.core.OutputStreamAppender;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Standard output for the access log, a line per API answer: lines gathered into writes of up to 4 KB
 * and flushed at most {@link #FLUSH_MILLIS} after they were logged. Logback's console appender makes a
 * write per line (System.out flushes every write): at tens of thousands of answers a second those
 * writes were most of the access log's cost. 4 KB is PIPE_BUF: a write that size to the pipe the
 * container runtime reads stays whole beside the other loggers' lines, so no line is cut by another.
 * Behind an {@code AsyncAppender}, it writes off the event loop.
 */
public final class BatchedStdoutAppender<E> extends OutputStreamAppender<E> {

  private static final int PIPE_BUF = 4096;
  static final long FLUSH_MILLIS = 200;

  private ScheduledExecutorService flusher;

  @Override
  public void start() {
    setImmediateFlush(false);
    setOutputStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), PIPE_BUF));
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
    super.stop();
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
}
