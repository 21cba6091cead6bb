package com.pulso.devservices;

import com.pulso.config.Loopback;
import com.pulso.config.PulsoConfig;
import com.pulso.db.Postgres;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PostgreSQL 17 for the local profile and the tests: zonky's embedded binaries on loopback, set up
 * for logical decoding, with the data directory kept across restarts.
 */
public final class EmbeddedDatabase implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedDatabase.class);
  static final String SUPERUSER = "postgres";
  private static final String ZONKY_LOCK_FILE = "epg-lock";
  private static final Duration STARTUP_WAIT = Duration.ofSeconds(60);
  private static final Duration PID_FILE_WAIT = Duration.ofSeconds(5);
  private static final Duration STOP_WAIT = Duration.ofSeconds(15);

  private final EmbeddedPostgres postgres;
  private final Path dataDir;
  private final long postmasterPid;
  private final String serverVersion;

  private EmbeddedDatabase(EmbeddedPostgres postgres, Path dataDir, long postmasterPid, String serverVersion) {
    this.postgres = postgres;
    this.dataDir = dataDir;
    this.postmasterPid = postmasterPid;
    this.serverVersion = serverVersion;
  }

  /**
   * Starts on {@code database.port} with data in {@code <devServices.dataDir>/postgres}, and creates
   * the configured user and database when they are not the built-in {@code postgres} ones.
   */
  public static EmbeddedDatabase start(PulsoConfig config) {
    PulsoConfig.Database database = config.database();
    EmbeddedDatabase started = start(database.port(), config.devServices().dataDir().resolve("postgres"));
    try {
      started.ensureUserAndDatabase(database.user(), database.name());
    } catch (RuntimeException e) {
      started.close();
      throw e;
    }
    return started;
  }

  /** Starts on {@link Loopback#ADDRESS}:{@code port}; initialises {@code dataDir} only when it holds no cluster yet. */
  public static EmbeddedDatabase start(int port, Path dataDir) {
    Path dir = dataDir.toAbsolutePath().normalize();
    try {
      Files.createDirectories(dir);
      // No cluster yet, no postmaster; and initdb wants the directory empty, lock file included.
      if (Files.exists(dir.resolve("postgresql.conf"))) {
        stopOrphanedPostmaster(dir);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare the PostgreSQL data directory " + dir + ": " + e.getMessage(), e);
    }
    EmbeddedPostgres postgres;
    try {
      postgres = EmbeddedPostgres.builder()
          .setPort(port)
          .setDataDirectory(dir)
          .setCleanDataDirectory(false)
          .setPGStartupWait(STARTUP_WAIT)
          .setServerConfig("listen_addresses", Loopback.ADDRESS)
          .setServerConfig("wal_level", "logical")
          // zonky turns it off; a peek of a logical slot then misses commits not yet flushed.
          .setServerConfig("synchronous_commit", "on")
          .setServerConfig("max_replication_slots", "10")
          .setServerConfig("max_wal_senders", "10")
          .start();
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException("embedded PostgreSQL did not start on " + Loopback.ADDRESS + ":" + port
          + " with data in " + dir + " (is the port taken? pg_ctl's output is in the log above): " + e.getMessage(), e);
    }
    try {
      long pid = awaitPostmasterPid(dir).orElseThrow(
          () -> new IllegalStateException(dir.resolve("postmaster.pid") + " names no pid"));
      return new EmbeddedDatabase(postgres, dir, pid, queryServerVersion(jdbcUrl(port, "postgres")));
    } catch (IOException | SQLException | InterruptedException | RuntimeException e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      try {
        postgres.close();
      } catch (IOException closeFailure) {
        e.addSuppressed(closeFailure);
      }
      throw new IllegalStateException("embedded PostgreSQL on port " + port + " started but is not usable: "
          + e.getMessage(), e);
    }
  }

  public int port() {
    return postgres.getPort();
  }

  public Path dataDir() {
    return dataDir;
  }

  public long postmasterPid() {
    return postmasterPid;
  }

  /** E.g. {@code 17.11}. */
  public String serverVersion() {
    return serverVersion;
  }

  /** JDBC URL of {@code database} for the superuser (trust authentication: no password). */
  public String jdbcUrl(String database) {
    return jdbcUrl(port(), database);
  }

  private static String jdbcUrl(int port, String database) {
    return "jdbc:postgresql://" + Loopback.ADDRESS + ":" + port + "/" + database + "?user=" + SUPERUSER;
  }

  /** Stops the postmaster (fast shutdown) and waits until no postgres process of it is left. */
  @Override
  public void close() {
    try {
      postgres.close();
    } catch (IOException e) {
      LOG.warn("pg_ctl stop failed for {}: {}", dataDir, e.getMessage());
    }
    if (!LocalProcess.awaitExit(postmasterPid, STOP_WAIT)) {
      LOG.warn("PostgreSQL postmaster {} (data {}) still runs after pg_ctl stop: terminating it", postmasterPid, dataDir);
      ProcessHandle.of(postmasterPid).ifPresent(p -> LocalProcess.terminate(p, STOP_WAIT));
    }
  }

  /**
   * A JVM killed with SIGKILL leaves its postmaster running (pg_ctl detaches it), holding the port
   * and the data directory. Nothing else may own it once zonky's lock on the directory is free.
   */
  private static void stopOrphanedPostmaster(Path dir) throws IOException {
    try (FileChannel channel = FileChannel.open(dir.resolve(ZONKY_LOCK_FILE),
        StandardOpenOption.CREATE, StandardOpenOption.WRITE);
         FileLock lock = tryLock(channel, dir)) {
      OptionalLong pid = readPostmasterPid(dir);
      if (pid.isEmpty() || !LocalProcess.isRunning(pid.getAsLong())) {
        return;
      }
      ProcessHandle postmaster = ProcessHandle.of(pid.getAsLong()).orElseThrow();
      Optional<String> command = postmaster.info().command();
      if (command.isPresent() && !command.get().endsWith("postgres")) {
        LOG.warn("{} names pid {}, which now runs {}: not a postmaster, leaving it alone",
            dir.resolve("postmaster.pid"), pid.getAsLong(), command.get());
        return;
      }
      LOG.warn("Stopping an orphaned PostgreSQL postmaster (pid {}) left running on {} by a process that died",
          pid.getAsLong(), dir);
      LocalProcess.terminate(postmaster, STOP_WAIT);
      LOG.warn("Stopped the orphaned PostgreSQL postmaster (pid {})", pid.getAsLong());
    }
  }

  private static FileLock tryLock(FileChannel channel, Path dir) throws IOException {
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    }
    if (lock == null) {
      throw new IllegalStateException("the PostgreSQL data directory " + dir
          + " is in use by another running process: stop it, or set devServices.dataDir to another directory");
    }
    return lock;
  }

  /**
   * The postmaster's pid once its file names it: PostgreSQL may still be writing the file when
   * pg_ctl reports it started (seen once in CI under load).
   */
  private static OptionalLong awaitPostmasterPid(Path dir) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + PID_FILE_WAIT.toNanos();
    OptionalLong pid = readPostmasterPid(dir);
    while (pid.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(50);
      pid = readPostmasterPid(dir);
    }
    return pid;
  }

  private static OptionalLong readPostmasterPid(Path dir) throws IOException {
    Path pidFile = dir.resolve("postmaster.pid");
    if (!Files.exists(pidFile)) {
      return OptionalLong.empty();
    }
    List<String> lines = Files.readAllLines(pidFile, StandardCharsets.US_ASCII);
    if (lines.isEmpty() || !lines.get(0).trim().matches("\\d+")) {
      return OptionalLong.empty();
    }
    return OptionalLong.of(Long.parseLong(lines.get(0).trim()));
  }

  private static String queryServerVersion(String jdbcUrl) throws SQLException {
    try (Connection connection = DriverManager.getConnection(jdbcUrl);
         Statement statement = connection.createStatement();
         ResultSet rs = statement.executeQuery("SHOW server_version")) {
      rs.next();
      return rs.getString(1).split(" ")[0];
    }
  }

  /** Local-profile convenience: the configured role is a superuser, since capture needs replication. */
  private void ensureUserAndDatabase(String user, String database) {
    try (Connection connection = DriverManager.getConnection(jdbcUrl("postgres"))) {
      if (!exists(connection, "SELECT 1 FROM pg_roles WHERE rolname = ?", user)) {
        execute(connection, "CREATE ROLE " + Postgres.quoteIdentifier(user) + " LOGIN SUPERUSER");
        LOG.info("Created PostgreSQL role {}", user);
      }
      if (!exists(connection, "SELECT 1 FROM pg_database WHERE datname = ?", database)) {
        execute(connection, "CREATE DATABASE " + Postgres.quoteIdentifier(database) + " OWNER "
            + Postgres.quoteIdentifier(user));
        LOG.info("Created PostgreSQL database {}", database);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create PostgreSQL role '" + user + "' / database '" + database
          + "' (database.user / database.name): " + e.getMessage(), e);
    }
  }

  private static boolean exists(Connection connection, String sql, String name) throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      statement.setString(1, name);
      try (ResultSet rs = statement.executeQuery()) {
        return rs.next();
      }
    }
  }

  private static void execute(Connection connection, String sql) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }

  @Override
  public String toString() {
    return "PostgreSQL " + serverVersion + " " + Loopback.ADDRESS + ":" + port() + " (data " + dataDir + ")";
  }
}
