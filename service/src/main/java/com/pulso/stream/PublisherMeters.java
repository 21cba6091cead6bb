package com.pulso.stream;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The meters of {@link KinesisPublisher}, tagged with the stream: what Kinesis acknowledged (changes,
 * records, bytes), what was sent and retried, the sizes of records and calls, and PutRecords latency.
 */
final class PublisherMeters {
  final Counter changes;
  final Counter records;
  final Counter bytes;
  final Counter recordsSent;
  final Counter entriesRetried;
  final Counter publishFailures;
  final Counter misrouted;
  final Counter refreshFailures;
  final DistributionSummary recordSize;
  final DistributionSummary callRecords;
  final DistributionSummary callBytes;
  final Timer callSucceeded;
  final Timer callFailed;
  private final MeterRegistry registry;
  private final String stream;

  PublisherMeters(MeterRegistry registry, String stream) {
    this.registry = registry;
    this.stream = stream;
    changes = counter("pulso.stream.publish.changes", "Sale changes acknowledged by Kinesis");
    records = counter("pulso.stream.publish.records", "Kinesis records acknowledged");
    bytes = counter("pulso.stream.publish.bytes", "Bytes acknowledged (record data plus partition key)");
    recordsSent = counter("pulso.stream.publish.records.sent", "Kinesis records sent, attempts included");
    entriesRetried = counter("pulso.stream.publish.entries.retried", "PutRecords entries sent again after a failure");
    publishFailures = counter("pulso.stream.publish.failures", "Publishes failed after a permanent error or bounded attempts");
    misrouted = counter("pulso.stream.publish.misrouted", "Records that landed on another shard than mapped (a reshard)");
    refreshFailures = counter("pulso.stream.publish.shard.refresh.failures", "Shard listings that failed");
    recordSize = DistributionSummary.builder("pulso.stream.publish.record.size").baseUnit("bytes")
        .description("Size of each record sent").tags("stream", stream).register(registry);
    callRecords = DistributionSummary.builder("pulso.stream.publish.call.records").baseUnit("records")
        .description("Records per PutRecords call").tags("stream", stream).register(registry);
    callBytes = DistributionSummary.builder("pulso.stream.publish.call.size").baseUnit("bytes")
        .description("Size of each PutRecords call (data plus partition keys)").tags("stream", stream).register(registry);
    callSucceeded = latency("success");
    callFailed = latency("failure");
  }

  Counter entriesFailed(String code) {
    return Counter.builder("pulso.stream.publish.entries.failed").description("PutRecords entries failed, by error code")
        .tags("stream", stream, "error", code).register(registry);
  }

  private Counter counter(String name, String description) {
    return Counter.builder(name).description(description).tags("stream", stream).register(registry);
  }

  private Timer latency(String outcome) {
    return Timer.builder("pulso.stream.publish.putrecords").description("PutRecords calls, SDK retries included")
        .tags("stream", stream, "outcome", outcome).register(registry);
  }
}
