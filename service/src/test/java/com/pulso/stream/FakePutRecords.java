package com.pulso.stream;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.IntFunction;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequest;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResultEntry;

/**
 * PutRecords without Kinesis, for the publisher's retry logic (which crosses no boundary): routes each
 * entry by its explicit hash key over {@link #shards}, fails entries or whole calls as told, keeps what
 * it accepted per shard, and notes every breach of the Kinesis limits and of the ordering rule (a
 * shard's next record only once the one before is acknowledged). Answers arrive on a later turn of
 * the caller's context, as the real client's do. Used from one Vert.x context only.
 */
final class FakePutRecords implements Function<PutRecordsRequest, Future<PutRecordsResponse>> {

  /** Decides an entry's error code (null: accepted) from its shard and how often this record was sent. */
  interface EntryOutcome {
    String errorCode(String shardId, int attempt);
  }

  final Map<String, List<byte[]>> accepted = new LinkedHashMap<>();
  final List<String> violations = new ArrayList<>();
  final Map<String, Integer> sendsPerShard = new HashMap<>();
  int calls;
  int entries;
  int resentEntries;

  private final Vertx vertx;
  private volatile ShardMap shards;
  private final EntryOutcome outcome;
  private final IntFunction<Throwable> callFailure;
  private final Map<String, Integer> attempts = new HashMap<>();
  private final Set<String> failedOnce = new HashSet<>();
  private final Set<String> acknowledged = new HashSet<>();
  private final Map<String, String> unacknowledgedByShard = new HashMap<>();

  FakePutRecords(Vertx vertx, ShardMap shards, EntryOutcome outcome, IntFunction<Throwable> callFailure) {
    this.vertx = vertx;
    this.shards = shards;
    this.outcome = outcome;
    this.callFailure = callFailure;
  }

  static FakePutRecords accepting(Vertx vertx, ShardMap shards) {
    return new FakePutRecords(vertx, shards, (shard, attempt) -> null, call -> null);
  }

  @Override
  public synchronized Future<PutRecordsResponse> apply(PutRecordsRequest request) {
    calls++;
    checkLimits(request);
    Throwable whole = callFailure.apply(calls);
    List<PutRecordsResultEntry> results = new ArrayList<>();
    int failed = 0;
    for (PutRecordsRequestEntry entry : request.records()) {
      entries++;
      String shard = shards.shardForHashKey(new BigInteger(entry.explicitHashKey())).id();
      String record = entry.data().asUtf8String();
      sendsPerShard.merge(shard, 1, Integer::sum);
      if (acknowledged.contains(record)) {
        violations.add("an acknowledged record was sent again on " + shard);
      }
      String waiting = unacknowledgedByShard.get(shard);
      if (waiting != null && !waiting.equals(record)) {
        violations.add("shard " + shard + " got a new record while an earlier one was unacknowledged");
      }
      if (failedOnce.contains(record)) {
        resentEntries++;
      }
      int attempt = attempts.merge(record, 1, Integer::sum);
      String error = whole != null ? "whole call" : outcome.errorCode(shard, attempt);
      if (error != null) {
        failed++;
        failedOnce.add(record);
        unacknowledgedByShard.put(shard, record);
        results.add(PutRecordsResultEntry.builder().errorCode(error).errorMessage("Rate exceeded for shard " + shard).build());
      } else {
        unacknowledgedByShard.remove(shard);
        acknowledged.add(record);
        accepted.computeIfAbsent(shard, s -> new ArrayList<>()).add(entry.data().asByteArray());
        results.add(PutRecordsResultEntry.builder().shardId(shard).sequenceNumber(Integer.toString(entries)).build());
      }
    }
    Promise<PutRecordsResponse> answer = Promise.promise();
    PutRecordsResponse response = PutRecordsResponse.builder().failedRecordCount(failed).records(results).build();
    vertx.runOnContext(v -> {
      if (whole != null) {
        answer.fail(whole);
      } else {
        answer.complete(response);
      }
    });
    return answer.future();
  }

  /** Routes later entries by another map: the stream was resharded under the publisher. */
  void reshard(ShardMap resharded) {
    shards = resharded;
  }

  synchronized int acknowledgedRecords() {
    return acknowledged.size();
  }

  private void checkLimits(PutRecordsRequest request) {
    if (request.records().size() > KinesisPublisher.MAX_CALL_RECORDS) {
      violations.add("a call of " + request.records().size() + " records");
    }
    long bytes = 0;
    Set<String> shardsOfCall = new HashSet<>();
    for (PutRecordsRequestEntry entry : request.records()) {
      long size = entry.data().asByteArrayUnsafe().length + entry.partitionKey().getBytes(StandardCharsets.UTF_8).length;
      if (size > KinesisPublisher.MAX_RECORD_BYTES) {
        violations.add("a record of " + size + " bytes");
      }
      bytes += size;
      if (!shardsOfCall.add(shards.shardForHashKey(new BigInteger(entry.explicitHashKey())).id())) {
        violations.add("two records for one shard in one call");
      }
    }
    if (bytes > KinesisPublisher.MAX_CALL_BYTES) {
      violations.add("a call of " + bytes + " bytes");
    }
  }
}
