package com.pulso.bench;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs Debian's {@code wrk} (closed loop: each connection sends its next request when the answer
 * came, so it cannot hold a fixed rate) and reads what it prints. A run with a single answer that
 * is not 2xx/3xx, or a socket error, fails: its figures would be those of errors.
 */
final class Wrk {

  /** What one run measured; latencies in milliseconds. */
  record Run(String target, int connections, long requests, double requestsPerSecond, double p50, double p99) {}

  private static final Pattern REQUESTS = Pattern.compile("(\\d+) requests in ");
  private static final Pattern RATE = Pattern.compile("Requests/sec:\\s+([\\d.]+)");
  private static final Pattern NON_2XX = Pattern.compile("Non-2xx or 3xx responses: (\\d+)");
  private static final Pattern SOCKET_ERRORS = Pattern.compile("Socket errors: (.*)");
  private static final Pattern P50 = percentile("50");
  private static final Pattern P99 = percentile("99");

  private Wrk() {}

  private static Pattern percentile(String percent) {
    return Pattern.compile("(?m)^\\s+" + percent + "%\\s+([\\d.]+)(us|ms|s)\\s*$");
  }

  /** {@code wrk -t<min(2,connections)> -c<connections> -d<seconds>s --latency} with {@code headers}. */
  static Run run(String target, URI url, Map<String, String> headers, int connections, int seconds)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("wrk", "-t" + Math.min(2, connections), "-c" + connections,
        "-d" + seconds + "s", "--latency"));
    headers.forEach((name, value) -> command.addAll(List.of("-H", name + ": " + value)));
    command.add(url.toString());
    Process process;
    try {
      process = new ProcessBuilder(command).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new IllegalStateException("wrk cannot be started (" + e.getMessage() + "): install it with"
          + " `apt-get install wrk`", e);
    }
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    int exit = process.waitFor();
    if (exit != 0) {
      throw new IllegalStateException("wrk against " + target + " exited with " + exit + ":\n" + output);
    }
    Matcher non2xx = NON_2XX.matcher(output);
    if (non2xx.find()) {
      throw new IllegalStateException(non2xx.group(1) + " answers of " + target + " were not 2xx or 3xx (a 401 or 429"
          + " would be measured instead of the endpoint): the run is worthless, fix the setup\n" + output);
    }
    Matcher socketErrors = SOCKET_ERRORS.matcher(output);
    if (socketErrors.find()) {
      throw new IllegalStateException("socket errors against " + target + " (" + socketErrors.group(1)
          + "): the run is worthless\n" + output);
    }
    return new Run(target, connections, Long.parseLong(find(REQUESTS, output, target)),
        Double.parseDouble(find(RATE, output, target)), millis(P50, output, target), millis(P99, output, target));
  }

  private static double millis(Pattern percentile, String output, String target) {
    Matcher matcher = percentile.matcher(output);
    if (!matcher.find()) {
      throw new IllegalStateException("no " + percentile.pattern() + " line in wrk's output for " + target + ":\n"
          + output);
    }
    double value = Double.parseDouble(matcher.group(1));
    return switch (matcher.group(2)) {
      case "us" -> value / 1_000;
      case "ms" -> value;
      default -> value * 1_000;
    };
  }

  private static String find(Pattern pattern, String output, String target) {
    Matcher matcher = pattern.matcher(output);
    if (!matcher.find()) {
      throw new IllegalStateException("no '" + pattern.pattern() + "' in wrk's output for " + target + ":\n" + output);
    }
    return matcher.group(1);
  }
}
