package com.pulso.glue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the job does to AWS while the tests run, for infra/'s {@code LeastPrivilegeTest} to compare with
 * the Glue role: lines as the server's recorder writes them (service, operation, resource kind, detail, caller),
 * to {@code <pulso.aws.calls.record>/<pid>.tsv}. Written by what sees the calls: the Secrets Manager
 * endpoint ({@link SecretsManagerStub}) and the object store's file system ({@link ObjectStoreFileSystem}),
 * whose operations EMRFS turns into S3 requests on Glue (service {@code s3fs}; infra maps them).
 */
final class AwsCallRecord {

  private static final Set<String> SEEN = ConcurrentHashMap.newKeySet();

  private AwsCallRecord() {}

  static void add(String service, String operation, String kind, String detail) {
    String directory = System.getProperty("pulso.aws.calls.record");
    String line = String.join("\t", service, operation, kind, detail, "DailyReportJob");
    if (directory == null || !SEEN.add(line)) {
      return;
    }
    Path file = Path.of(directory, ProcessHandle.current().pid() + ".tsv");
    synchronized (AwsCallRecord.class) {
      try {
        Files.createDirectories(file.getParent());
        Files.writeString(file, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot record an AWS call in " + file, e);
      }
    }
  }
}
