package com.pulso.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether an operating-system process still runs, counting a zombie as gone: a child orphaned by a
 * stopped server is reparented to PID 1, which may reap it late, and until then the JDK reports it
 * alive. The same rule as the dev services' package-private {@code LocalProcess.isRunning}.
 */
public final class RunningProcesses {

  private RunningProcesses() {}

  /** Whether {@code process} is running (not exited, not a zombie). */
  public static boolean isRunning(ProcessHandle process) {
    return process.isAlive() && !isZombie(process.pid());
  }

  private static boolean isZombie(long pid) {
    try {
      // Format: "pid (comm) state ...": comm may hold spaces and parentheses, so read after the last ')'.
      String line = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      String afterName = line.substring(line.lastIndexOf(')') + 1).trim();
      return afterName.startsWith("Z") || afterName.startsWith("X");
    } catch (IOException | RuntimeException e) {
      return false; // no procfs (macOS) or the process just went: the JDK's answer stands
    }
  }
}
