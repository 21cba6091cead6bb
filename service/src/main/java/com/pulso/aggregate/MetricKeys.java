package com.pulso.aggregate;

import com.pulso.aggregate.MetricItem.ClientDay;
import com.pulso.aggregate.MetricItem.ProductMinute;
import com.pulso.aggregate.MetricItem.ShardDayTotal;
import com.pulso.aws.AwsResources;
import com.pulso.report.AwsLayout;
import com.pulso.sales.Sale;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The DynamoDB key scheme of docs/realtime.md, in one place: which items a sale counts in (days and
 * minutes in the business time zone), their keys and attribute names, and the way back from a key
 * to the item for readers. Immutable.
 *
 * <pre>
 * P#&lt;provider&gt;#D#&lt;yyyy-MM-dd&gt;  C#&lt;clientId&gt;           tx, amount, tx#&lt;product&gt;, amount#&lt;product&gt;, p_&lt;shard&gt;
 * P#&lt;provider&gt;#M#&lt;yyyy-MM-dd&gt;  &lt;HH:mm&gt;#&lt;product&gt;    tx, amount, ttl, p_&lt;shard&gt;
 * P#&lt;provider&gt;#T#&lt;yyyy-MM-dd&gt;  S#&lt;shardId&gt;            tx, amount, p_&lt;shard&gt;
 * P#&lt;provider&gt;#T#&lt;yyyy-MM-dd&gt;  S#bootstrap            tx, amount (the bootstrap's absolute base)
 * CHECKPOINT                  &lt;stream&gt;#&lt;shardId&gt;      seq, maxPos
 * </pre>
 */
public final class MetricKeys {

  public static final String TRANSACTIONS = "tx";
  public static final String AMOUNT = "amount";
  /** Epoch seconds after which DynamoDB may delete a minute item. */
  public static final String EXPIRES_AT = AwsLayout.TABLE_EXPIRES_AT;
  public static final String CHECKPOINT_SEQUENCE = "seq";
  /** A client-day item's per-product attributes are named by this, then the product code. */
  private static final String PRODUCT_SEPARATOR = "#";
  /**
   * The "shard" of the day-total items the bootstrap writes (absolute figures of the sales that
   * predate the slot). Kinesis shard ids look like {@code shardId-000000000000}, so it never clashes
   * with a real shard, and readers sum it with the shards' items like any other.
   */
  public static final String BOOTSTRAP_SHARD = "bootstrap";
  /** The highest {@code SourcePosition.sortable()} a consumer read from the shard (docs/realtime.md, resharding). */
  public static final String CHECKPOINT_MAX_POSITION = "maxPos";
  /** The bootstrap marker's attribute: the consistent point (LSN) of the slot the base figures belong to. */
  public static final String BOOTSTRAP_FROM = "from";
  private static final String BOOTSTRAP_PARTITION = "BOOTSTRAP";

  private static final String CHECKPOINT_PARTITION = "CHECKPOINT";
  private static final String POSITION_PREFIX = "p_";
  private static final String METRIC_PREFIX = "P#";
  private static final String CLIENT_DAY = "D";
  private static final String PRODUCT_MINUTE = "M";
  private static final String DAY_TOTAL = "T";
  private static final String CLIENT_PREFIX = "C#";
  private static final String SHARD_PREFIX = "S#";
  private static final DateTimeFormatter MINUTE = DateTimeFormatter.ofPattern("HH:mm");

  private final ZoneId businessZone;

  public MetricKeys(ZoneId businessZone) {
    this.businessZone = Objects.requireNonNull(businessZone, "businessZone");
  }

  public ZoneId businessZone() {
    return businessZone;
  }

  /** The business day of an instant. */
  public LocalDate dayOf(Instant time) {
    return LocalDate.ofInstant(time, businessZone);
  }

  public ClientDay clientDayOf(Sale sale) {
    return new ClientDay(sale.providerId(), dayOf(sale.time()), sale.clientId());
  }

  public ProductMinute productMinuteOf(Sale sale) {
    LocalDateTime local = LocalDateTime.ofInstant(sale.time(), businessZone).truncatedTo(ChronoUnit.MINUTES);
    return new ProductMinute(sale.providerId(), local, sale.productCode());
  }

  public ShardDayTotal shardDayTotalOf(Sale sale, String shardId) {
    return new ShardDayTotal(sale.providerId(), dayOf(sale.time()), shardId);
  }

  /** The day-total item holding the bootstrap's base figures of one provider's day. */
  public ShardDayTotal bootstrapDayTotal(int providerId, LocalDate day) {
    return new ShardDayTotal(providerId, day, BOOTSTRAP_SHARD);
  }

  /** The TTL of a minute item: its minute's start (business zone) plus the retention. */
  public long expiresAt(ProductMinute item, Duration retention) {
    return item.minute().atZone(businessZone).toInstant().plus(retention).getEpochSecond();
  }

  /**
   * The attribute of a metric item holding the highest {@code SourcePosition.sortable()} applied to
   * it from one shard. Shard ids hold characters such as '-': use it through an expression attribute name.
   */
  public static String positionAttribute(String shardId) {
    return POSITION_PREFIX + shardId;
  }

  /**
   * The attribute of a client-day item counting one product's transactions. Product codes may hold
   * any character: use it through an expression attribute name. It never clashes with {@code tx},
   * {@code amount} or a position attribute ({@code p_...}).
   */
  public static String productTransactionsAttribute(String productCode) {
    return TRANSACTIONS + PRODUCT_SEPARATOR + productCode;
  }

  /** The attribute of a client-day item summing one product's amounts (as {@link #productTransactionsAttribute}). */
  public static String productAmountAttribute(String productCode) {
    return AMOUNT + PRODUCT_SEPARATOR + productCode;
  }

  /** The product whose transactions an attribute of a client-day item counts; empty for any other attribute. */
  public static Optional<String> productOfTransactionsAttribute(String attribute) {
    String prefix = TRANSACTIONS + PRODUCT_SEPARATOR;
    return attribute.length() > prefix.length() && attribute.startsWith(prefix)
        ? Optional.of(attribute.substring(prefix.length()))
        : Optional.empty();
  }

  public String partitionKey(MetricItem item) {
    // Java 17 has no pattern switch: an instanceof chain over the sealed family.
    if (item instanceof ClientDay) {
      return clientDayPartition(item.providerId(), item.day());
    }
    if (item instanceof ProductMinute) {
      return productMinutePartition(item.providerId(), item.day());
    }
    return dayTotalPartition(((ShardDayTotal) item).providerId(), item.day());
  }

  public String sortKey(MetricItem item) {
    if (item instanceof ClientDay c) {
      return CLIENT_PREFIX + c.clientId();
    }
    if (item instanceof ProductMinute m) {
      return m.minute().format(MINUTE) + "#" + m.productCode();
    }
    return SHARD_PREFIX + ((ShardDayTotal) item).shardId();
  }

  /** The item's primary key, as GetItem and UpdateItem take it. */
  public Map<String, AttributeValue> key(MetricItem item) {
    return key(partitionKey(item), sortKey(item));
  }

  /** The partition holding one provider's per-client items of a day (one item per client). */
  public String clientDayPartition(int providerId, LocalDate day) {
    return partition(providerId, CLIENT_DAY, day);
  }

  /** The partition holding one provider's per-product minute items of a day. */
  public String productMinutePartition(int providerId, LocalDate day) {
    return partition(providerId, PRODUCT_MINUTE, day);
  }

  /** The partition holding one provider's day total, one item per shard: sum them. */
  public String dayTotalPartition(int providerId, LocalDate day) {
    return partition(providerId, DAY_TOTAL, day);
  }

  /** The key of a consumer's checkpoint for one shard of a stream (attribute {@link #CHECKPOINT_SEQUENCE}). */
  public Map<String, AttributeValue> checkpointKey(String stream, String shardId) {
    return key(CHECKPOINT_PARTITION, checkpointSortKeyPrefix(stream) + shardId);
  }

  /**
   * The key of the bootstrap marker of a capture slot: written last by a bootstrap, it says which
   * slot's base figures this table holds (attribute {@link #BOOTSTRAP_FROM}: the slot's consistent
   * point). A table created or emptied since has none, and the capture bootstraps again.
   */
  public Map<String, AttributeValue> bootstrapMarkerKey(String slot) {
    return key(BOOTSTRAP_PARTITION, slot);
  }

  /** The partition holding every checkpoint. */
  public String checkpointPartition() {
    return CHECKPOINT_PARTITION;
  }

  /** A stream's checkpoints are the sort keys that start with this; the shard id follows it. */
  public String checkpointSortKeyPrefix(String stream) {
    return stream + "#";
  }

  /**
   * The metric item a key names.
   *
   * @throws IllegalArgumentException when the key is not a metric item's (e.g. a checkpoint)
   */
  public MetricItem parse(String partitionKey, String sortKey) {
    String[] parts = partitionKey.split("#", -1);
    if (parts.length != 4 || !"P".equals(parts[0])) {
      throw notMetric(partitionKey, sortKey);
    }
    try {
      int providerId = Integer.parseInt(parts[1]);
      LocalDate day = LocalDate.parse(parts[3]);
      switch (parts[2]) {
        case CLIENT_DAY -> {
          if (sortKey.startsWith(CLIENT_PREFIX)) {
            return new ClientDay(providerId, day, Long.parseLong(sortKey.substring(CLIENT_PREFIX.length())));
          }
        }
        case PRODUCT_MINUTE -> {
          int hash = sortKey.indexOf('#');
          if (hash > 0 && hash < sortKey.length() - 1) {
            LocalTime time = LocalTime.parse(sortKey.substring(0, hash), MINUTE);
            return new ProductMinute(providerId, day.atTime(time), sortKey.substring(hash + 1));
          }
        }
        case DAY_TOTAL -> {
          if (sortKey.length() > SHARD_PREFIX.length() && sortKey.startsWith(SHARD_PREFIX)) {
            return new ShardDayTotal(providerId, day, sortKey.substring(SHARD_PREFIX.length()));
          }
        }
        default -> {
          // falls through to the failure below
        }
      }
    } catch (NumberFormatException | DateTimeParseException e) {
      throw notMetric(partitionKey, sortKey);
    }
    throw notMetric(partitionKey, sortKey);
  }

  /** Every metric item's partition key starts with this (checkpoints' do not). */
  public String metricPartitionPrefix() {
    return METRIC_PREFIX;
  }

  private static String partition(int providerId, String kind, LocalDate day) {
    return METRIC_PREFIX + providerId + "#" + kind + "#" + day;
  }

  private static Map<String, AttributeValue> key(String partitionKey, String sortKey) {
    return Map.of(AwsResources.PARTITION_KEY, AttributeValue.fromS(partitionKey),
        AwsResources.SORT_KEY, AttributeValue.fromS(sortKey));
  }

  private static IllegalArgumentException notMetric(String partitionKey, String sortKey) {
    return new IllegalArgumentException("not a metric item's key: pk='" + partitionKey + "', sk='" + sortKey + "'");
  }
}
