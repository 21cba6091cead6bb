package com.pulso.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

/**
 * Records every AWS operation the server's code performs while the tests run, so that infra/ can prove
 * its IAM policies allow exactly those ({@code LeastPrivilegeTest}). The SDK adds it to every client it
 * builds in the test JVM (it is listed in {@code software/amazon/awssdk/global/handlers/execution.interceptors}
 * on the test class path only); production code knows nothing of it.
 *
 * <p>One line per distinct call, tab-separated: the IAM service prefix, the SDK operation, the kind of
 * resource it named (stream, table, bucket, object, topic, job) and a detail: for an object, the first
 * segment of its key ({@code reports/}); for a topic, the last word of its name ({@code alerts}); for a created
 * table, its key schema; then the server's class
 * that made it (infra tells the local profile's calls by it). Lines go to
 * {@code <pulso.aws.calls.record>/<pid>.tsv} as they are first seen; without that property nothing is recorded.
 */
public final class AwsCallRecorder implements ExecutionInterceptor {

  /** The system property naming the directory of records. */
  public static final String RECORD_DIRECTORY = "pulso.aws.calls.record";

  private static final Set<String> SEEN = ConcurrentHashMap.newKeySet();
  private static final Optional<Path> RECORD = Optional.ofNullable(System.getProperty(RECORD_DIRECTORY))
      .map(directory -> Path.of(directory, ProcessHandle.current().pid() + ".tsv"));

  @Override
  public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
    Optional<Class<?>> caller = RECORD.isEmpty() ? Optional.empty() : caller();
    if (caller.isEmpty() || isTestCode(caller.get())) {
      return;
    }
    String line = String.join("\t", attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME).toLowerCase(),
        attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME), resource(context.request()),
        caller.get().getName().replaceFirst("^.*\\.", "").replaceFirst("\\$.*$", ""));
    if (SEEN.add(line)) {
      append(line);
    }
  }

  /**
   * The class that made the call: an async client runs interceptors on the calling thread, so it is the
   * first of Pulso's classes on the stack.
   */
  private static Optional<Class<?>> caller() {
    return StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE).walk(frames -> frames
        .<Class<?>>map(StackWalker.StackFrame::getDeclaringClass)
        .filter(type -> type.getName().startsWith("com.pulso.") && type != AwsCallRecorder.class)
        .findFirst());
  }

  /** Tests call AWS too, to set up or check: their classes come from target/test-classes. */
  private static boolean isTestCode(Class<?> type) {
    return type.getProtectionDomain().getCodeSource().getLocation().getPath().contains("/test-classes/");
  }

  /** The kind of resource a request names, and its detail. */
  static String resource(SdkRequest request) {
    Optional<String> key = request.getValueForField("Key", Object.class).filter(String.class::isInstance).map(String.class::cast);
    if (request.getValueForField("Bucket", String.class).isPresent()) {
      return key.map(k -> "object\t" + firstSegment(k)).orElse("bucket\t");
    }
    // BatchWriteItem and BatchGetItem name their tables as the keys of RequestItems.
    if (request.getValueForField("TableName", String.class).isPresent()
        || request.getValueForField("RequestItems", java.util.Map.class).isPresent()) {
      return "table\t" + request.getValueForField("KeySchema", List.class).map(AwsCallRecorder::keySchema).orElse("");
    }
    if (request.getValueForField("StreamName", String.class).or(() -> request.getValueForField("StreamARN", String.class))
        .or(() -> request.getValueForField("ShardIterator", String.class)).isPresent()) {
      return "stream\t";
    }
    Optional<String> topic = request.getValueForField("TopicArn", String.class);
    if (topic.isPresent()) {
      // Which of Pulso's topics: the last word of its name (pulso-<env>-alerts, pulso-<env>-escalation).
      return "topic\t" + topic.get().substring(topic.get().lastIndexOf('-') + 1);
    }
    if (request.getValueForField("JobName", String.class).isPresent()) {
      return "job\t";
    }
    Optional<String> namespace = request.getValueForField("Namespace", String.class);
    if (namespace.isPresent()) {
      // CloudWatch metrics: no resource, only the namespace (IAM's cloudwatch:namespace condition).
      return "namespace\t" + namespace.get();
    }
    if (request.getValueForField("SecretId", String.class).isPresent()) {
      return "secret\t";
    }
    return "none\t";
  }

  private static String firstSegment(String key) {
    int slash = key.indexOf('/');
    return slash < 0 ? key : key.substring(0, slash + 1);
  }

  private static String keySchema(List<?> elements) {
    return elements.stream().map(element -> {
      var schema = (software.amazon.awssdk.services.dynamodb.model.KeySchemaElement) element;
      return schema.attributeName() + ":" + schema.keyTypeAsString();
    }).collect(Collectors.joining(","));
  }

  private static synchronized void append(String line) {
    Path file = RECORD.orElseThrow();
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(file, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot record an AWS call in " + file, e);
    }
  }
}
