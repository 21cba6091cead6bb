package com.pulso.devservices;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Liveness and shutdown of the operating-system processes the dev services own. A zombie counts as
 * gone: an orphaned postmaster is reparented to PID 1, which may reap it late, and until then the JDK
 * still reports the pid as alive.
 */
public final class LocalProcess {

  private static final Logger LOG = LoggerFactory.getLogger(LocalProcess.class);
  private static final Duration KILL_WAIT = Duration.ofSeconds(10);

  private LocalProcess() {}

  /** Whether {@code pid} names a process that is running (not exited, not a zombie). */
  public static boolean isRunning(long pid) {
    Optional<ProcessHandle> handle = ProcessHandle.of(pid);
    return handle.isPresent() && handle.get().isAlive() && !isZombie(pid);
  }

  /**
   * Asks the process to exit its own way ({@code ask}: e.g. close its stdin), gives it up to
   * {@code grace}, then {@link #terminate}s it. A failing {@code ask} goes straight to terminate.
   */
  static void stop(ProcessHandle process, String name, Runnable ask, Duration grace) {
    try {
      ask.run();
      if (awaitExit(process.pid(), grace)) {
        return;
      }
      LOG.warn("{} (pid {}) still runs {} s after it was asked to stop: terminating it", name, process.pid(),
          grace.toSeconds());
    } catch (RuntimeException e) {
      LOG.warn("Could not ask {} (pid {}) to stop ({}): terminating it", name, process.pid(), e.getMessage());
    }
    terminate(process, grace);
  }

  /** SIGTERM, up to {@code grace} to exit, then SIGKILL for it and the children it had. */
  static void terminate(ProcessHandle process, Duration grace) {
    List<ProcessHandle> children = process.descendants().toList();
    process.destroy();
    if (awaitExit(process.pid(), grace)) {
      return;
    }
    process.destroyForcibly();
    children.forEach(ProcessHandle::destroyForcibly);
    if (!awaitExit(process.pid(), KILL_WAIT)) {
      throw new IllegalStateException("process " + process.pid() + " survived SIGKILL");
    }
  }

  /** Polls until the process is gone; true if it went within {@code timeout}. */
  static boolean awaitExit(long pid, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (isRunning(pid)) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return !isRunning(pid);
      }
    }
    return true;
  }

  private static boolean isZombie(long pid) {
    Path stat = Path.of("/proc", Long.toString(pid), "stat");
    try {
      // Format: "pid (comm) state ...": comm may hold spaces and parentheses, so read after the last ')'.
      String line = Files.readString(stat);
      String afterName = line.substring(line.lastIndexOf(')') + 1).trim();
      return afterName.startsWith("Z") || afterName.startsWith("X");
    } catch (IOException | RuntimeException e) {
      return false; // no procfs (macOS) or the process just went: the JDK's answer stands
    }
  }
}
