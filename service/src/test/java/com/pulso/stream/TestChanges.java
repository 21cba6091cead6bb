package com.pulso.stream;

import com.pulso.sales.Lsn;
import com.pulso.sales.Sale;
import com.pulso.sales.SaleChange;
import com.pulso.sales.SourcePosition;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Sale changes as capture would produce them (inserts, corrections that may move a sale, voids), in position order. */
final class TestChanges {

  private static final Instant START = Instant.parse("2026-11-29T13:00:00Z");

  private TestChanges() {}

  static List<SaleChange> generate(int count, int providers, int clientsPerProvider, long seed) {
    Random random = new Random(seed);
    List<SaleChange> changes = new ArrayList<>(count);
    Map<Long, Sale> live = new HashMap<>();
    List<Long> liveIds = new ArrayList<>();
    long lsn = 0x16_0000_0000L;
    long nextId = 1;
    int index = 0;
    for (int i = 0; i < count; i++) {
      if (index == 0 || random.nextInt(4) == 0) { // a new transaction now and then
        lsn += 1 + random.nextInt(10_000);
        index = 0;
      }
      SourcePosition position = new SourcePosition(new Lsn(lsn), index++);
      Instant commit = START.plus(i, ChronoUnit.MILLIS).plusNanos(random.nextInt(1000) * 1_000L);
      int kind = liveIds.isEmpty() ? 0 : random.nextInt(10);
      if (kind < 7) {
        Sale sale = sale(nextId++, random, providers, clientsPerProvider, commit);
        live.put(sale.id(), sale);
        liveIds.add(sale.id());
        changes.add(new SaleChange.Inserted(position, commit, sale));
      } else {
        int at = random.nextInt(liveIds.size());
        Sale before = live.get(liveIds.get(at));
        if (kind < 9) {
          Sale after = sale(before.id(), random, providers, clientsPerProvider, commit);
          live.put(after.id(), after);
          changes.add(new SaleChange.Corrected(position, commit, before, after));
        } else {
          live.remove(before.id());
          liveIds.set(at, liveIds.get(liveIds.size() - 1));
          liveIds.remove(liveIds.size() - 1);
          changes.add(new SaleChange.Voided(position, commit, before));
        }
      }
    }
    return changes;
  }

  /** {@code count} contiguous shards of equal width over every hash key, named {@code shard-<i>}. */
  static ShardMap evenShards(String stream, int count) {
    return evenShards(stream, count, "shard-");
  }

  static ShardMap evenShards(String stream, int count, String idPrefix) {
    BigInteger width = ShardMap.MAX_HASH_KEY.add(BigInteger.ONE).divide(BigInteger.valueOf(count));
    List<ShardMap.Shard> shards = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      BigInteger start = width.multiply(BigInteger.valueOf(i));
      BigInteger end = i == count - 1 ? ShardMap.MAX_HASH_KEY : start.add(width).subtract(BigInteger.ONE);
      shards.add(new ShardMap.Shard(idPrefix + i, start, end));
    }
    return new ShardMap(stream, shards);
  }

  private static Sale sale(long id, Random random, int providers, int clientsPerProvider, Instant commit) {
    int provider = 1 + random.nextInt(providers);
    long client = provider * 100_000L + random.nextInt(clientsPerProvider);
    return new Sale(id, client, "P" + provider + "-" + random.nextInt(40), provider,
        commit.minusMillis(random.nextInt(5_000)), BigDecimal.valueOf(random.nextInt(10_000_000), 2));
  }
}
