package com.pulso.aggregate;

import com.pulso.sales.Lsn;
import com.pulso.sales.Sale;
import com.pulso.sales.SaleChange;
import com.pulso.sales.SourcePosition;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * A source sales table changed at random (inserts, corrections that may move a sale anywhere, voids),
 * the changes as the capture would number them and route them to shards, and the ground truth: the
 * figures a query over the final table gives, computed here without the code under test.
 */
final class RandomSales {

  static final ZoneId ZONE = ZoneId.of("America/Bogota");
  static final List<LocalDate> DAYS = List.of(LocalDate.of(2026, 11, 29), LocalDate.of(2026, 11, 30));
  static final List<String> SHARDS = List.of("shardId-000000000000", "shardId-000000000001");
  static final int PROVIDERS = 3;
  private static final int PRODUCTS_PER_PROVIDER = 4;
  private static final int CLIENTS = 40;

  record Figures(long transactions, BigDecimal amount) {}

  private final Random random;
  private final Map<Long, Sale> table = new TreeMap<>();
  private final Map<String, List<SaleChange>> byShard = new LinkedHashMap<>();
  private long nextSaleId = 1;
  private long nextLsn = 0x1000;

  RandomSales(long seed, int changes) {
    this.random = new Random(seed);
    SHARDS.forEach(shard -> byShard.put(shard, new ArrayList<>()));
    int made = 0;
    while (made < changes) {
      // A transaction of 1-5 changes: positions share its commit LSN, indexed from 0.
      long lsn = nextLsn;
      nextLsn += 1 + random.nextInt(500);
      int size = Math.min(changes - made, 1 + random.nextInt(5));
      for (int index = 0; index < size; index++) {
        SaleChange change = nextChange(new SourcePosition(new Lsn(lsn), index));
        Sale current = change.current();
        byShard.get(SHARDS.get(Math.floorMod((current.providerId() + ":" + current.clientId()).hashCode(), SHARDS.size())))
            .add(change);
        made++;
      }
    }
  }

  /** Each shard's changes, in position order. */
  Map<String, List<SaleChange>> byShard() {
    return byShard;
  }

  /** Cuts a shard's changes into consecutive batches of 1..maxSize changes. */
  List<List<SaleChange>> batches(List<SaleChange> changes, int maxSize) {
    List<List<SaleChange>> batches = new ArrayList<>();
    for (int from = 0; from < changes.size(); ) {
      int to = Math.min(changes.size(), from + 1 + random.nextInt(maxSize));
      batches.add(changes.subList(from, to));
      from = to;
    }
    return batches;
  }

  Map<Long, Figures> clientDay(int providerId, LocalDate day) {
    Map<Long, Figures> figures = new TreeMap<>();
    table.values().stream().filter(s -> s.providerId() == providerId && day(s).equals(day))
        .forEach(s -> figures.merge(s.clientId(), new Figures(1, s.amount()), RandomSales::sum));
    return figures;
  }

  /** By "client product", e.g. "7 P1-A". */
  Map<String, Figures> clientProductDay(int providerId, LocalDate day) {
    Map<String, Figures> figures = new TreeMap<>();
    table.values().stream().filter(s -> s.providerId() == providerId && day(s).equals(day))
        .forEach(s -> figures.merge(s.clientId() + " " + s.productCode(), new Figures(1, s.amount()), RandomSales::sum));
    return figures;
  }

  Figures dayTotal(int providerId, LocalDate day) {
    return table.values().stream().filter(s -> s.providerId() == providerId && day(s).equals(day))
        .map(s -> new Figures(1, s.amount()))
        .reduce(new Figures(0, new BigDecimal("0.00")), RandomSales::sum);
  }

  Map<String, Figures> productMinutes(int providerId, LocalDate day) {
    Map<String, Figures> figures = new TreeMap<>();
    table.values().stream().filter(s -> s.providerId() == providerId && day(s).equals(day))
        .forEach(s -> figures.merge(minute(s) + " " + s.productCode(), new Figures(1, s.amount()), RandomSales::sum));
    return figures;
  }

  int liveSales() {
    return table.size();
  }

  private SaleChange nextChange(SourcePosition position) {
    int roll = random.nextInt(100);
    Instant commit = Instant.parse("2026-12-01T12:00:00Z");
    if (table.isEmpty() || roll < 60) {
      Sale sale = randomSale(nextSaleId++);
      table.put(sale.id(), sale);
      return new SaleChange.Inserted(position, commit, sale);
    }
    Sale existing = pickExisting();
    if (roll < 85) {
      Sale corrected = correct(existing);
      table.put(corrected.id(), corrected);
      return new SaleChange.Corrected(position, commit, existing, corrected);
    }
    table.remove(existing.id());
    return new SaleChange.Voided(position, commit, existing);
  }

  private Sale pickExisting() {
    List<Long> ids = new ArrayList<>(table.keySet());
    return table.get(ids.get(random.nextInt(ids.size())));
  }

  /** Changes one or several fields; sometimes none that counts (a net-zero correction). */
  private Sale correct(Sale sale) {
    long client = sale.clientId();
    String product = sale.productCode();
    int provider = sale.providerId();
    Instant time = sale.time();
    BigDecimal amount = sale.amount();
    switch (random.nextInt(5)) {
      case 0 -> client = 1 + random.nextInt(CLIENTS);
      case 1 -> {
        provider = 1 + random.nextInt(PROVIDERS);
        product = product(provider);
      }
      case 2 -> time = randomTime();
      case 3 -> amount = randomAmount();
      default -> {
        client = 1 + random.nextInt(CLIENTS);
        provider = 1 + random.nextInt(PROVIDERS);
        product = product(provider);
        time = randomTime();
        amount = randomAmount();
      }
    }
    return new Sale(sale.id(), client, product, provider, time, amount);
  }

  private Sale randomSale(long id) {
    int provider = 1 + random.nextInt(PROVIDERS);
    return new Sale(id, 1 + random.nextInt(CLIENTS), product(provider), provider, randomTime(), randomAmount());
  }

  private String product(int provider) {
    return "P" + provider + "-" + (char) ('A' + random.nextInt(PRODUCTS_PER_PROVIDER));
  }

  /** Anywhere in the two business days, often right at the midnight between them. */
  private Instant randomTime() {
    Instant midnight = DAYS.get(1).atStartOfDay(ZONE).toInstant();
    if (random.nextInt(10) == 0) {
      return random.nextBoolean() ? midnight.minusSeconds(1) : midnight;
    }
    Instant start = DAYS.get(0).atStartOfDay(ZONE).toInstant();
    return start.plusMillis((long) (random.nextDouble() * 2 * 24 * 3600 * 1000));
  }

  private BigDecimal randomAmount() {
    return BigDecimal.valueOf(1 + random.nextInt(9_999_999), 2);
  }

  private static LocalDate day(Sale sale) {
    return LocalDate.ofInstant(sale.time(), ZONE);
  }

  private static LocalDateTime minute(Sale sale) {
    return LocalDateTime.ofInstant(sale.time(), ZONE).truncatedTo(ChronoUnit.MINUTES);
  }

  private static Figures sum(Figures a, Figures b) {
    return new Figures(a.transactions() + b.transactions(), a.amount().add(b.amount()));
  }

  static Map<Long, Figures> figuresByClient(List<DailyClientTotal> totals) {
    Map<Long, Figures> figures = new HashMap<>();
    totals.forEach(t -> figures.put(t.clientId(), new Figures(t.transactions(), t.amount())));
    return new TreeMap<>(figures);
  }
}
