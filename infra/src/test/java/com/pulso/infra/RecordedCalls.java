package com.pulso.infra;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The AWS operations a module's tests recorded as they ran, earlier in the same build: the server's
 * ({@code service/target/aws-calls}, its tests' SDK interceptor) and the Glue job's
 * ({@code glue-job/target/aws-calls}). One line per distinct call.
 *
 * @param service   the IAM service prefix ({@code s3fs}: a file system operation EMRFS makes into S3 requests)
 * @param operation the SDK operation (or file system method)
 * @param kind      what it named: stream, table, bucket, object, job, secret
 * @param detail    an object's first key segment ({@code reports/}); a created table's key schema
 * @param caller    the class that made it
 */
record RecordedCalls(String service, String operation, String kind, String detail, String caller)
    implements Comparable<RecordedCalls> {

  /** Every call {@code module}'s tests recorded; fails when they did not run in this build. */
  static Set<RecordedCalls> of(String module) {
    Path directory = Path.of(System.getProperty("pulso.home", "..")).resolve(module).resolve("target/aws-calls");
    assertThat(directory).as("%s: no record of the AWS calls of %s's tests; run the whole build (mvn verify from the"
        + " project's root), which runs them before infra's", directory, module).isDirectory();
    try (Stream<Path> files = Files.list(directory)) {
      Set<RecordedCalls> calls = files.flatMap(RecordedCalls::lines).map(line -> line.split("\t", -1))
          .map(f -> new RecordedCalls(f[0], f[1], f[2], f[3], f[4])).collect(Collectors.toCollection(TreeSet::new));
      assertThat(calls).as("the AWS calls recorded in %s", directory).isNotEmpty();
      return calls;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Stream<String> lines(Path file) {
    try {
      return Files.readAllLines(file).stream().filter(line -> !line.isBlank());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public int compareTo(RecordedCalls other) {
    return toString().compareTo(other.toString());
  }
}
