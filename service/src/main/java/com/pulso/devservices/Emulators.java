package com.pulso.devservices;

import com.pulso.config.Loopback;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kinesis (kinesalite) and DynamoDB (dynalite) emulators: one node child process running
 * {@code emulators.js}, bound to {@link Loopback#ADDRESS}. Its stdin stays an open pipe: the launcher
 * exits when it closes, so the child dies with this JVM even when the JVM is killed.
 */
public final class Emulators implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Emulators.class);
  private static final String LAUNCHER = "emulators.js";
  private static final Pattern READY = Pattern.compile("READY kinesis=(\\d+) dynamodb=(\\d+)");
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration NPM_TIMEOUT = Duration.ofMinutes(5);
  private static final Duration STOP_WAIT = Duration.ofSeconds(5);
  private static final int OUTPUT_LINES_KEPT = 20;
  /** Held while deciding on and running npm ci: another JVM may be doing the same in this directory. */
  private static final String INSTALL_LOCK_FILE = ".npm-install.lock";
  /** FileChannel.lock is per JVM: threads of one JVM queue here first instead of failing on an overlap. */
  private static final Object INSTALL_LOCK = new Object();

  private final Process node;
  private final int kinesisPort;
  private final int dynamoDbPort;

  private Emulators(Process node, int kinesisPort, int dynamoDbPort) {
    this.node = node;
    this.kinesisPort = kinesisPort;
    this.dynamoDbPort = dynamoDbPort;
  }

  /**
   * Installs the emulators' npm packages when {@code node_modules} is missing or older than
   * {@code package-lock.json}, starts them (port 0 picks a free port) and returns once both answer.
   */
  public static Emulators start(Path emulatorsDir, int kinesisPort, int dynamoDbPort) {
    Path dir = emulatorsDir.toAbsolutePath().normalize();
    if (!Files.isRegularFile(dir.resolve(LAUNCHER))) {
      throw new IllegalStateException("devServices.emulatorsDir: " + dir + " holds no " + LAUNCHER);
    }
    installPackagesIfStale(dir);
    Process node;
    try {
      node = new ProcessBuilder("node", LAUNCHER, "--kinesis-port", Integer.toString(kinesisPort),
          "--dynamodb-port", Integer.toString(dynamoDbPort))
          .directory(dir.toFile())
          .start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot run node (Node.js >= 20 must be on the PATH): " + e.getMessage(), e);
    }
    Emulators emulators = null;
    try {
      emulators = awaitReady(node, dir);
      emulators.checkHealth();
      LOG.info("Kinesis emulator on {}, DynamoDB emulator on {} (node pid {})",
          emulators.kinesisEndpoint(), emulators.dynamoDbEndpoint(), node.pid());
      return emulators;
    } catch (RuntimeException e) {
      stop(node);
      throw e;
    }
  }

  public int kinesisPort() {
    return kinesisPort;
  }

  public int dynamoDbPort() {
    return dynamoDbPort;
  }

  public URI kinesisEndpoint() {
    return URI.create("http://" + Loopback.ADDRESS + ":" + kinesisPort);
  }

  public URI dynamoDbEndpoint() {
    return URI.create("http://" + Loopback.ADDRESS + ":" + dynamoDbPort);
  }

  /** The node process. */
  public long pid() {
    return node.pid();
  }

  /** Closes the child's stdin (it shuts down), then waits; SIGTERM / SIGKILL if it lingers. */
  @Override
  public void close() {
    stop(node);
  }

  private static Emulators awaitReady(Process node, Path dir) {
    CompletableFuture<Matcher> ready = new CompletableFuture<>();
    OutputTail stderrTail = new OutputTail();
    Thread stdout = forward(node.getInputStream(), "emulators-stdout", line -> {
      Matcher matcher = READY.matcher(line);
      if (!ready.isDone() && matcher.matches()) {
        ready.complete(matcher);
      } else {
        LOG.info("emulators: {}", line);
      }
    });
    Thread stderr = forward(node.getErrorStream(), "emulators-stderr", line -> {
      LOG.warn("emulators: {}", line);
      stderrTail.add(line);
    });
    node.onExit().thenRun(() -> ready.completeExceptionally(
        new IllegalStateException("node exited with status " + node.exitValue() + " before it was ready")));
    try {
      Matcher matcher = ready.get(READY_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      return new Emulators(node, Integer.parseInt(matcher.group(1)), Integer.parseInt(matcher.group(2)));
    } catch (InterruptedException | ExecutionException | TimeoutException e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      stop(node);
      join(stdout);
      join(stderr);
      String reason = e instanceof TimeoutException ? "no READY line within " + READY_TIMEOUT.toSeconds() + " s"
          : e.getCause() != null ? e.getCause().getMessage() : e.toString();
      String errors = stderrTail.text();
      throw new IllegalStateException("the Kinesis/DynamoDB emulators did not start (node " + LAUNCHER + " in " + dir
          + "; a port may be taken): " + reason + (errors.isEmpty() ? "" : "\nstderr:\n" + errors), e);
    }
  }

  /** Any HTTP answer will do: it proves the emulator listens and serves. */
  private void checkHealth() {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    for (URI endpoint : List.of(kinesisEndpoint(), dynamoDbEndpoint())) {
      try {
        client.send(HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(10)).GET().build(),
            HttpResponse.BodyHandlers.discarding());
      } catch (IOException e) {
        throw new IllegalStateException("emulator at " + endpoint + " does not answer: " + e.getMessage(), e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while checking the emulator at " + endpoint, e);
      }
    }
  }

  /**
   * Checks and installs under a file lock, so that two JVMs starting in one checkout (./pulso and mvn
   * verify) never run npm ci at once, nor one of them while the other's install is half done.
   */
  private static void installPackagesIfStale(Path dir) {
    synchronized (INSTALL_LOCK) {
      Path lockPath = dir.resolve(INSTALL_LOCK_FILE);
      try (FileChannel channel = FileChannel.open(lockPath, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
           FileLock lock = channel.lock()) {
        installIfStale(dir);
      } catch (IOException e) {
        throw new IllegalStateException("cannot lock " + lockPath + " for the npm install: " + e.getMessage(), e);
      }
    }
  }

  private static void installIfStale(Path dir) {
    Path lockFile = dir.resolve("package-lock.json");
    // npm ci writes node_modules/.package-lock.json last: its presence marks a complete install.
    Path installed = dir.resolve("node_modules").resolve(".package-lock.json");
    try {
      if (Files.exists(installed) && modified(installed).compareTo(modified(lockFile)) >= 0) {
        return;
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + lockFile + ": " + e.getMessage(), e);
    }
    LOG.info("Installing the emulators' npm packages in {} (npm ci)", dir);
    List<String> command = List.of("npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund");
    OutputTail output = new OutputTail();
    try {
      // --ignore-scripts: leveldown's native build must never run; the in-memory stores need none.
      Process npm = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
      npm.getOutputStream().close();
      Thread reader = forward(npm.getInputStream(), "npm-ci", line -> {
        LOG.info("npm: {}", line);
        output.add(line);
      });
      if (!npm.waitFor(NPM_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        npm.destroyForcibly();
        throw new IllegalStateException("npm ci in " + dir + " did not finish within " + NPM_TIMEOUT.toMinutes() + " min");
      }
      join(reader);
      if (npm.exitValue() != 0) {
        throw new IllegalStateException("npm ci in " + dir + " failed with status " + npm.exitValue() + ":\n"
            + output.text());
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot run npm (Node.js >= 20 must be on the PATH): " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running npm ci in " + dir, e);
    }
  }

  private static FileTime modified(Path file) throws IOException {
    return Files.getLastModifiedTime(file);
  }

  /** The launcher exits when its stdin closes; SIGTERM, then SIGKILL, if it does not. */
  private static void stop(Process node) {
    LocalProcess.stop(node.toHandle(), "the emulators' node", () -> {
      try {
        node.getOutputStream().close();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }, STOP_WAIT);
  }

  private static Thread forward(InputStream stream, String name, Consumer<String> lines) {
    Thread thread = new Thread(() -> {
      try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
        for (String line = reader.readLine(); line != null; line = reader.readLine()) {
          lines.accept(line);
        }
      } catch (IOException e) {
        // The stream closes when the child goes away: nothing more to forward.
      }
    }, name);
    thread.setDaemon(true);
    thread.start();
    return thread;
  }

  /** The last lines of a child's output, kept for the error message should it fail. */
  private static final class OutputTail {

    private final Deque<String> lines = new ArrayDeque<>();

    synchronized void add(String line) {
      lines.addLast(line);
      if (lines.size() > OUTPUT_LINES_KEPT) {
        lines.removeFirst();
      }
    }

    synchronized String text() {
      return String.join("\n", lines);
    }
  }

  private static void join(Thread thread) {
    try {
      thread.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
