package com.pulso.glue;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;

import com.pulso.glue.SourceDatabase.DayBounds;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.StructType;

/**
 * The Spark part of a day: the day's counted sales read over JDBC in parallel (partitioned on the
 * sale id between the day's bounds), joined with the product → provider mapping, summed per provider
 * × client. Money stays decimal(18, 2) throughout; an overflow fails the run (ANSI mode) rather than
 * turning into a null.
 */
final class SalesAggregation {

  /** Rows per round trip of each JDBC read (PostgreSQL's driver reads everything at once without it). */
  private static final int FETCH_SIZE = 10_000;
  static final DecimalType MONEY = DataTypes.createDecimalType(18, 2);

  /** One provider × client of the day. */
  record ClientTotal(int providerId, long clientId, long transactions, BigDecimal totalAmount) {}

  private final SparkSession spark;
  private final JobArguments args;

  SalesAggregation(SparkSession spark, JobArguments args) {
    this.spark = spark;
    this.args = args;
  }

  /**
   * @param countedSales the day's sales that count ({@link SourceQueries#countedSales})
   * @param products     product code → provider id
   * @return per provider × client, ordered by provider and client
   */
  List<ClientTotal> totals(String countedSales, DayBounds bounds, Map<String, Integer> products) {
    long lower = bounds.minSaleId();
    long upper = bounds.maxSaleId() + 1;
    Dataset<Row> sales = spark.read().format("jdbc")
        .option("url", args.jdbcUrl())
        .option("driver", "org.postgresql.Driver")
        .option("dbtable", "(" + countedSales + ") counted_sales")
        .option("partitionColumn", SourceQueries.SALE_ID)
        .option("lowerBound", lower)
        .option("upperBound", upper)
        .option("numPartitions", (int) Math.min(args.partitions(), upper - lower))
        .option("fetchsize", FETCH_SIZE)
        .options(toMap(SourceDatabase.connectionProperties(args)))
        .load();

    Dataset<Row> totals = sales
        .join(broadcast(productMapping(products)), col(SourceQueries.PRODUCT).equalTo(col("code")))
        .groupBy(col("provider_id"), col(SourceQueries.CLIENT_ID))
        .agg(count(lit(1)).as("transactions"), sum(col(SourceQueries.AMOUNT)).cast(MONEY).as("total_amount"))
        .orderBy(col("provider_id"), col(SourceQueries.CLIENT_ID));

    List<ClientTotal> result = new ArrayList<>();
    for (Row row : totals.collectAsList()) {
      result.add(new ClientTotal(row.getInt(0), row.getLong(1), row.getLong(2), row.getDecimal(3).setScale(2)));
    }
    return result;
  }

  private Dataset<Row> productMapping(Map<String, Integer> products) {
    StructType schema = new StructType()
        .add("code", DataTypes.StringType, false)
        .add("provider_id", DataTypes.IntegerType, false);
    List<Row> rows = new ArrayList<>();
    products.forEach((code, provider) -> rows.add(RowFactory.create(code, provider)));
    return spark.createDataFrame(rows, schema);
  }

  private static Map<String, String> toMap(Properties properties) {
    Map<String, String> map = new HashMap<>();
    properties.stringPropertyNames().forEach(name -> map.put(name, properties.getProperty(name)));
    return map;
  }
}
