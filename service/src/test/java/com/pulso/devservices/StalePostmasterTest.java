package com.pulso.devservices;

import static org.assertj.core.api.Assertions.assertThat;

import com.pulso.testing.TestPorts;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The quirk: a JVM killed with SIGKILL leaves its postmaster running; the next start must clear it. */
class StalePostmasterTest {

  private static final int PORT = TestPorts.port(35433);

  @TempDir
  Path dataDir;

  @Test
  void aPostmasterOrphanedByAKilledJvmIsStoppedByTheNextStart() throws Exception {
    Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), StalePostmasterChild.class.getName(),
        Integer.toString(PORT), dataDir.toString())
        .redirectErrorStream(true)
        .start();
    long orphan = -1;
    try {
      orphan = readPostmasterPid(child);

      child.destroyForcibly();
      assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(LocalProcess.isRunning(orphan)).as("postmaster %s outlives its killed JVM", orphan).isTrue();

      long restarted;
      try (EmbeddedDatabase database = EmbeddedDatabase.start(PORT, dataDir)) {
        restarted = database.postmasterPid();
        assertThat(restarted).isNotEqualTo(orphan);
        assertThat(LocalProcess.isRunning(orphan)).as("orphaned postmaster %s", orphan).isFalse();
        assertThat(selectOne(database)).isEqualTo(1);
      }
      assertThat(LocalProcess.isRunning(restarted)).as("postmaster %s after close", restarted).isFalse();
    } finally {
      child.destroyForcibly();
      stopIfStillOurs(orphan);
    }
  }

  /**
   * After a failure the orphan would hold the port until someone kills it. The pid is stopped only
   * while it still names our data directory: once stopped, the pid may be given to another process.
   */
  private void stopIfStillOurs(long postmaster) {
    if (postmaster <= 0) {
      return;
    }
    ProcessHandle.of(postmaster)
        .filter(p -> LocalProcess.isRunning(p.pid()))
        .filter(p -> p.info().commandLine().map(command -> command.contains(dataDir.toString())).orElse(false))
        .ifPresent(p -> LocalProcess.terminate(p, Duration.ofSeconds(10)));
  }

  /** Reads the child's output up to the pid line; the child's log lines come first. */
  private static long readPostmasterPid(Process child) throws Exception {
    BufferedReader output = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
    StringBuilder seen = new StringBuilder();
    for (String line = output.readLine(); line != null; line = output.readLine()) {
      if (line.startsWith(StalePostmasterChild.PID_LINE)) {
        long pid = Long.parseLong(line.substring(StalePostmasterChild.PID_LINE.length()).trim());
        drain(output);
        return pid;
      }
      seen.append(line).append('\n');
    }
    throw new AssertionError("the child JVM exited without starting PostgreSQL:\n" + seen);
  }

  /** Keeps the pipe flowing so the child never blocks on a full buffer. */
  private static void drain(BufferedReader output) {
    Thread drainer = new Thread(() -> {
      try {
        while (output.readLine() != null) {
          // discard
        }
      } catch (java.io.IOException e) {
        // the child was killed
      }
    }, "stale-postmaster-child-output");
    drainer.setDaemon(true);
    drainer.start();
  }

  private static int selectOne(EmbeddedDatabase database) throws Exception {
    try (Connection connection = DriverManager.getConnection(database.jdbcUrl("postgres"));
         Statement sql = connection.createStatement();
         ResultSet rs = sql.executeQuery("SELECT 1")) {
      rs.next();
      return rs.getInt(1);
    }
  }
}
