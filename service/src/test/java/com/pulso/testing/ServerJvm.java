package com.pulso.testing;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Pulso server started as the README does ({@code ./pulso}, already built) in a JVM of its own,
 * which a test can kill and start again: every start appends to one log, so a test can tell what
 * any of its lives said. Call from a test thread.
 */
public final class ServerJvm implements AutoCloseable {

  private static final Duration STOP_BOUND = Duration.ofSeconds(60);

  private final Map<String, String> env;
  private final Path log;
  private final int managementPort;
  /** Where the server's ports are reached: loopback, or the address of the test host it runs in. */
  private final String address;
  /** Put before ./pulso: nothing, or {@code ip netns exec <host>}. */
  private final List<String> launcher;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private Process process;
  private int starts;

  private ServerJvm(Map<String, String> env, Path log, String address, List<String> launcher) throws IOException {
    this.address = address;
    this.launcher = List.copyOf(launcher);
    Map<String, String> withManagement = new java.util.HashMap<>(env);
    if ("0".equals(withManagement.getOrDefault("PULSO_HTTP_MANAGEMENT_PORT", "0"))) {
      try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
        withManagement.put("PULSO_HTTP_MANAGEMENT_PORT", String.valueOf(socket.getLocalPort()));
      }
    }
    this.env = Map.copyOf(withManagement);
    this.log = log;
    this.managementPort = Integer.parseInt(this.env.get("PULSO_HTTP_MANAGEMENT_PORT"));
  }

  /** The operators' port of this server (readiness with details, metrics). */
  public int managementPort() {
    return managementPort;
  }

  /**
   * Starts {@code ./pulso} with {@code env} (plus {@code PULSO_SKIP_BUILD=true}); its operators' port
   * is {@code PULSO_HTTP_MANAGEMENT_PORT}, or a free one when that is absent or 0.
   */
  public static ServerJvm start(Map<String, String> env, Path log) throws IOException {
    return start(env, log, "127.0.0.1", List.of());
  }

  /** The same in test host {@code host} of {@code hosts} ({@link TestHosts}), reached at its address. */
  public static ServerJvm start(Map<String, String> env, Path log, TestHosts hosts, int host) throws IOException {
    return start(env, log, TestHosts.address(host), hosts.command(host, List.of()));
  }

  private static ServerJvm start(Map<String, String> env, Path log, String address, List<String> launcher)
      throws IOException {
    ServerJvm server = new ServerJvm(env, log, address, launcher);
    server.launch();
    return server;
  }

  private void launch() throws IOException {
    Path home = TestServices.home();
    Files.writeString(log, "---- start " + (++starts) + " ----\n", StandardCharsets.UTF_8,
        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    List<String> command = new java.util.ArrayList<>(launcher);
    command.add(home.resolve("pulso").toString());
    ProcessBuilder builder = new ProcessBuilder(command)
        .directory(home.toFile())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    builder.environment().putAll(env);
    builder.environment().put("PULSO_SKIP_BUILD", "true");
    // The nightly batch would start Spark jobs (catch-up) in every server a test starts: on only where asked for.
    builder.environment().putIfAbsent("PULSO_BATCH_ENABLED", "false");
    process = builder.start();
  }

  /** Waits until /health/ready answers 200 (every dependency UP); fails at once if the JVM exits. */
  public JsonObject awaitReady(Duration bound) throws InterruptedException {
    long deadline = System.nanoTime() + bound.toNanos();
    while (System.nanoTime() - deadline < 0) {
      if (!process.isAlive()) {
        throw new AssertionError("server exited (code " + process.exitValue() + ") before it was ready; log:\n" + tail());
      }
      try {
        HttpResponse<String> response = get("/health/ready");
        if (response.statusCode() == 200) {
          return new JsonObject(response.body());
        }
      } catch (IOException notListeningYet) {
        // keep waiting
      }
      Thread.sleep(250);
    }
    throw new AssertionError("server not ready within " + bound.toSeconds() + " s; log:\n" + tail());
  }

  /** SIGKILL: no shutdown hook, no undeploy, no goodbye to the cluster or the database. Returns once it is gone. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(STOP_BOUND.toSeconds(), TimeUnit.SECONDS)) {
      throw new AssertionError("server still running " + STOP_BOUND.toSeconds() + " s after SIGKILL");
    }
  }

  /** SIGSTOP: the JVM hangs, its sockets stay open (its kernel still answers for them), until {@link #thaw()}. */
  public void freeze() throws IOException, InterruptedException {
    signal("STOP");
  }

  /** SIGCONT: the frozen JVM runs on, its clocks gone forward by the freeze. */
  public void thaw() throws IOException, InterruptedException {
    signal("CONT");
  }

  private void signal(String name) throws IOException, InterruptedException {
    int exit = new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid())).inheritIO().start().waitFor();
    if (exit != 0) {
      throw new IllegalStateException("kill -" + name + " " + process.pid() + " exited " + exit);
    }
  }

  /** A new JVM with the same environment, after {@link #kill()} or {@link #stop()}. */
  public void restart() throws IOException {
    if (process.isAlive()) {
      throw new IllegalStateException("the server is still running: kill or stop it first");
    }
    launch();
  }

  /** SIGTERM, then waits for the orderly stop; SIGKILL if it does not come. Returns the exit code. */
  public int stop() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(STOP_BOUND.toSeconds(), TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(STOP_BOUND.toSeconds(), TimeUnit.SECONDS);
      throw new AssertionError("server did not stop within " + STOP_BOUND.toSeconds() + " s of SIGTERM; log:\n" + tail());
    }
    return process.exitValue();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** Sale changes this JVM applied in DynamoDB (the count of its freshness histogram); 0 while it cannot answer. */
  public long appliedChanges() {
    return metricSum("pulso_freshness_seconds_count");
  }

  /** Sale changes this JVM's capture shipped to Kinesis (acknowledged); 0 while it cannot answer. */
  public long publishedChanges() {
    return metricSum("pulso_stream_publish_changes_total");
  }

  /** Members this JVM sees in its cluster; 0 while it cannot answer. */
  public long clusterSize() {
    return metricSum("pulso_cluster_members");
  }

  /** Heap in use now, over every heap pool; 0 while it cannot answer. */
  public long heapUsedBytes() {
    return metricSum("jvm_memory_used_bytes{area=\"heap\"");
  }

  /** The sum of this JVM's /metrics lines starting with {@code prefix} (name and labels); 0 while it cannot answer. */
  public long metricSum(String prefix) {
    try {
      return get("/metrics").body().lines()
          .filter(line -> line.startsWith(prefix))
          .mapToLong(line -> (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
          .sum();
    } catch (IOException notAnswering) {
      return 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    }
  }

  /** Everything every start of this server wrote. */
  public String log() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /** The last 80 lines of the log, for failure messages. */
  public String tail() {
    List<String> lines = log().lines().toList();
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 80), lines.size()));
  }

  /** A GET of the operators' port: /health/ready with details, /metrics. */
  private HttpResponse<String> get(String path) throws IOException, InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + address + ":" + managementPort + path))
        .timeout(Duration.ofSeconds(10)).build();
    return http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  /** Makes sure no JVM of this server outlives the test. */
  @Override
  public void close() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroyForcibly().waitFor(STOP_BOUND.toSeconds(), TimeUnit.SECONDS);
    }
  }
}
