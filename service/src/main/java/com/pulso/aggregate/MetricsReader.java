package com.pulso.aggregate;

import com.pulso.aggregate.MetricItem.ClientDay;
import com.pulso.aggregate.MetricItem.ProductMinute;
import com.pulso.aggregate.MetricItem.ShardDayTotal;
import com.pulso.aws.AwsClients;
import com.pulso.aws.AwsResources;
import io.vertx.core.Future;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;

/**
 * Reads the real-time figures back from the metrics table, exact. Reads are strongly consistent: a
 * reader usually comes right after {@code pulso.metrics.<providerId>} announced a write, and must not
 * cache what was there before it. Items whose figures net out to zero (a sale voided the same day)
 * are left out, as a query over the source would have no row for them.
 */
public final class MetricsReader {

  private static final String PROJECTION = "#pk, #sk, #tx, #amount";
  private static final Map<String, String> NAMES = Map.of(
      "#pk", AwsResources.PARTITION_KEY,
      "#sk", AwsResources.SORT_KEY,
      "#tx", MetricKeys.TRANSACTIONS,
      "#amount", MetricKeys.AMOUNT);

  private final AwsClients clients;
  private final String table;
  private final MetricKeys keys;
  /** Items per Query page; null: DynamoDB's own limit (1 MB a page). */
  private final Integer pageLimit;

  public MetricsReader(AwsClients clients, String table, MetricKeys keys) {
    this(clients, table, keys, null);
  }

  /** With small pages, so that a test reads many of them. */
  MetricsReader(AwsClients clients, String table, MetricKeys keys, Integer pageLimit) {
    this.clients = clients;
    this.table = Objects.requireNonNull(table, "table");
    this.keys = keys;
    this.pageLimit = pageLimit;
  }

  /** The provider's figures per client for a business day, by client id. */
  public Future<List<DailyClientTotal>> clientDay(int providerId, LocalDate day) {
    return query(keys.clientDayPartition(providerId, day)).map(items -> items.stream()
        .map(item -> {
          ClientDay key = (ClientDay) parse(item);
          return new DailyClientTotal(providerId, day, key.clientId(), transactions(item), amount(item));
        })
        .filter(total -> !isZero(total.transactions(), total.amount()))
        .sorted(Comparator.comparingLong(DailyClientTotal::clientId))
        .toList());
  }

  /**
   * The provider's figures per client and product for a business day, by client id then product: the
   * client-day items' per-product attributes.
   */
  public Future<List<DailyClientProductTotal>> clientProductDay(int providerId, LocalDate day) {
    // Those attributes are named by their products, which no projection can list: whole items are read.
    return query(keys.clientDayPartition(providerId, day), null).map(items -> {
      List<DailyClientProductTotal> totals = new ArrayList<>();
      for (Map<String, AttributeValue> item : items) {
        long clientId = ((ClientDay) parse(item)).clientId();
        item.forEach((attribute, value) -> MetricKeys.productOfTransactionsAttribute(attribute).ifPresent(product -> {
          long transactions = Long.parseLong(value.n());
          BigDecimal amount = amount(item.get(MetricKeys.productAmountAttribute(product)));
          if (!isZero(transactions, amount)) {
            totals.add(new DailyClientProductTotal(providerId, day, clientId, product, transactions, amount));
          }
        }));
      }
      totals.sort(Comparator.comparingLong(DailyClientProductTotal::clientId)
          .thenComparing(DailyClientProductTotal::productCode));
      return totals;
    });
  }

  /** The provider's total for a business day: the sum of the shards' day-total items. */
  public Future<DailyTotal> dayTotal(int providerId, LocalDate day) {
    return dayTotalShares(providerId, day).map(shares -> DailyTotal.sum(providerId, day, shares.values()));
  }

  /** The shares of the provider's day total, by shard ({@link MetricKeys#BOOTSTRAP_SHARD}'s included). */
  public Future<Map<String, DailyTotal>> dayTotalShares(int providerId, LocalDate day) {
    return query(keys.dayTotalPartition(providerId, day)).map(items -> {
      Map<String, DailyTotal> shares = new TreeMap<>();
      for (Map<String, AttributeValue> item : items) {
        shares.put(((ShardDayTotal) parse(item)).shardId(), new DailyTotal(providerId, day, transactions(item), amount(item)));
      }
      return shares;
    });
  }

  /** The provider's figures per product and minute for a business day (minutes within the retention only). */
  public Future<List<MinuteBucket>> productMinutes(int providerId, LocalDate day) {
    return query(keys.productMinutePartition(providerId, day)).map(items -> items.stream()
        .map(item -> {
          ProductMinute key = (ProductMinute) parse(item);
          return new MinuteBucket(providerId, key.minute(), key.productCode(), transactions(item), amount(item));
        })
        .filter(bucket -> !isZero(bucket.transactions(), bucket.amount()))
        .sorted(Comparator.comparing(MinuteBucket::minute).thenComparing(MinuteBucket::productCode))
        .toList());
  }

  private Future<List<Map<String, AttributeValue>>> query(String partitionKey) {
    return query(partitionKey, PROJECTION);
  }

  /** Every item of a partition, with the attributes {@code projection} names (null: all of them). */
  private Future<List<Map<String, AttributeValue>>> query(String partitionKey, String projection) {
    return page(partitionKey, projection, null, new ArrayList<>());
  }

  private Future<List<Map<String, AttributeValue>>> page(String partitionKey, String projection,
                                                         Map<String, AttributeValue> startKey,
                                                         List<Map<String, AttributeValue>> items) {
    QueryRequest.Builder request = QueryRequest.builder()
        .tableName(table)
        .keyConditionExpression("#pk = :pk")
        .expressionAttributeNames(projection == null ? Map.of("#pk", AwsResources.PARTITION_KEY) : NAMES)
        .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS(partitionKey)))
        .projectionExpression(projection)
        .consistentRead(true)
        .limit(pageLimit);
    if (startKey != null) {
      request.exclusiveStartKey(startKey);
    }
    return clients.call(() -> clients.dynamoDb().query(request.build())).compose(response -> {
      items.addAll(response.items());
      return response.hasLastEvaluatedKey() && !response.lastEvaluatedKey().isEmpty()
          ? page(partitionKey, projection, response.lastEvaluatedKey(), items)
          : Future.succeededFuture(items);
    });
  }

  private MetricItem parse(Map<String, AttributeValue> item) {
    return keys.parse(item.get(AwsResources.PARTITION_KEY).s(), item.get(AwsResources.SORT_KEY).s());
  }

  private static long transactions(Map<String, AttributeValue> item) {
    AttributeValue value = item.get(MetricKeys.TRANSACTIONS);
    return value == null ? 0 : Long.parseLong(value.n());
  }

  /** Exact: a stored amount with more than two decimals is an error, never rounded away. */
  private static BigDecimal amount(Map<String, AttributeValue> item) {
    return amount(item.get(MetricKeys.AMOUNT));
  }

  private static BigDecimal amount(AttributeValue value) {
    return value == null ? BigDecimal.ZERO.setScale(2) : new BigDecimal(value.n()).setScale(2);
  }

  private static boolean isZero(long transactions, BigDecimal amount) {
    return transactions == 0 && amount.signum() == 0;
  }
}
