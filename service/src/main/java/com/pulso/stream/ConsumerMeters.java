package com.pulso.stream;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.function.LongSupplier;

/**
 * The meters of the shard consumers, tagged with the stream: records and changes read, unreadable
 * records, changes skipped as delivered by a parent shard, failures by kind, the lag of each shard
 * (Kinesis's {@code MillisBehindLatest}) and the end-to-end freshness of applied changes (source
 * commit to applied in DynamoDB).
 */
final class ConsumerMeters {
  final Counter records;
  final Counter changes;
  final Counter unreadable;
  final Counter skippedFromParent;
  final Counter skippedBeforeBootstrap;
  final Counter shardsFinished;
  final Timer freshness;
  final DistributionSummary callSize;
  private final MeterRegistry registry;
  private final String stream;

  ConsumerMeters(MeterRegistry registry, String stream) {
    this.registry = registry;
    this.stream = stream;
    records = counter("pulso.stream.consume.records", "Kinesis records read");
    changes = counter("pulso.stream.consume.changes", "Sale changes read (duplicate deliveries included)");
    unreadable = counter("pulso.stream.consume.unreadable", "Records the codec could not read, kept in S3 and skipped");
    skippedFromParent = counter("pulso.stream.consume.skipped.parent",
        "Changes skipped on a child shard because its parent delivered them before a reshard");
    skippedBeforeBootstrap = counter("pulso.stream.consume.skipped.bootstrap",
        "Changes skipped as committed before the capture's bootstrap (its base figures hold them)");
    shardsFinished = counter("pulso.stream.consume.shards.finished", "Closed shards read to their end");
    callSize = DistributionSummary.builder("pulso.stream.consume.call.size").baseUnit("bytes")
        .description("Record data returned by each GetRecords call").tags("stream", stream).register(registry);
    freshness = Timer.builder("pulso.freshness")
        .description("Source commit to applied in DynamoDB, per change")
        .publishPercentileHistogram()
        .register(registry);
  }

  Counter failures(String kind) {
    return Counter.builder("pulso.stream.consume.failures").description("Consumer failures by kind, each retried")
        .tags("stream", stream, "kind", kind).register(registry);
  }

  /** The lag gauge of one shard, reading {@code lag}; remove it when the shard is no longer read here. */
  Gauge lag(String shardId, LongSupplier lag) {
    return Gauge.builder("pulso.stream.consume.lag", lag, LongSupplier::getAsLong)
        .description("How far the shard's consumer is behind the shard's tip: MillisBehindLatest of its last read,"
            + " plus the time since that read (a consumer stuck on a write or a read falls behind as time passes)")
        .baseUnit("milliseconds")
        .tags("stream", stream, "shard", shardId)
        .strongReference(true)
        .register(registry);
  }

  void remove(Gauge gauge) {
    registry.remove(gauge);
  }

  private Counter counter(String name, String description) {
    return Counter.builder(name).description(description).tags("stream", stream).register(registry);
  }
}
