package com.pulso.report;

import java.time.LocalDate;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The nightly reports in S3, one home for the job that writes them and the server that reads them
 * (ARCHITECTURE.md, "Storage layouts"):
 *
 * <pre>
 * reports/provider=&lt;id&gt;/year=YYYY/month=MM/day=DD/
 *   part-&lt;runId&gt;.parquet      for Athena / the Glue catalog
 *   _part-&lt;runId&gt;.jsonl       one {@link Row} per line, for serving
 *   _manifest.json           written last: a day without it does not exist
 * </pre>
 *
 * A re-run of a day writes files of new names (its run id in them, {@link #dataFileName}) and then a
 * new manifest: readers trust only the files the manifest names, and stale files are removed after.
 * Every name but the Parquet file's starts with '_', which Athena, Hive and Spark skip: a table over
 * the directories reads the Parquet files alone.
 */
public final class ReportLayout {

  /** Every report lives under this prefix of the bucket. */
  public static final String ROOT = "reports/";
  /** The manifest's name in its day's directory. */
  public static final String MANIFEST = "_manifest.json";
  /** The manifest format this layout describes ({@link Manifest#VERSION}). */
  public static final int MANIFEST_VERSION = 1;
  public static final String PARQUET = "parquet";
  public static final String JSON_LINES = "jsonl";

  /** A run id as it may appear in a file name: a Glue job run id ({@code jr_...}) or the local runner's. */
  private static final Pattern RUN_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
  private static final Pattern DAY_PREFIX = Pattern.compile(
      "reports/provider=([1-9][0-9]{0,8})/year=([0-9]{4})/month=([0-9]{2})/day=([0-9]{2})/");

  private ReportLayout() {}

  /** The fields of {@code _manifest.json}. */
  public static final class Manifest {
    /** {@link #MANIFEST_VERSION}: a reader refuses a version it does not know. */
    public static final String VERSION = "version";
    public static final String PROVIDER_ID = "providerId";
    /** The business day, {@code YYYY-MM-DD}. */
    public static final String DATE = "date";
    /** The job run that wrote it (the Glue job run id, or the local runner's). */
    public static final String RUN_ID = "runId";
    /** When it was written, ISO-8601 instant. */
    public static final String CREATED_AT = "createdAt";
    /** Report rows (clients). */
    public static final String ROWS = "rows";
    public static final String TRANSACTIONS = "transactions";
    /** Exact decimal as a string with two decimals. */
    public static final String TOTAL_AMOUNT = "totalAmount";
    /** What of the source the run had read: an object of the {@code SOURCE_*} fields. */
    public static final String SOURCE_HIGH_WATER_MARK = "sourceHighWaterMark";
    /**
     * The highest sale id in the day's window when the run read it (null: the day had no sales): the
     * run counted the day's sales up to it, a sale written later is not in the report.
     */
    public static final String SOURCE_MAX_SALE_ID = "maxSaleId";
    /** When the run read the day's bounds, by the source database's clock (ISO-8601 instant). */
    public static final String SOURCE_READ_AT = "readAt";
    /** The data files, each an object of the {@code FILE_*} fields. */
    public static final String FILES = "files";
    /** The file's name within its day's directory. */
    public static final String FILE_NAME = "name";
    /** {@link #PARQUET} or {@link #JSON_LINES}. */
    public static final String FILE_FORMAT = "format";
    public static final String FILE_BYTES = "bytes";
    /** Lower-case hex SHA-256 of the file's bytes. */
    public static final String FILE_SHA256 = "sha256";

    private Manifest() {}
  }

  /** The fields of one report row (a JSON lines object, a Parquet column): one provider × client × day. */
  public static final class Row {
    public static final String PROVIDER_ID = "providerId";
    public static final String DATE = "date";
    public static final String CLIENT_ID = "clientId";
    public static final String FIRST_NAME = "firstName";
    public static final String LAST_NAME = "lastName";
    public static final String TRANSACTIONS = "transactions";
    /** Exact decimal as a string with two decimals (Parquet: decimal(18, 2)). */
    public static final String TOTAL_AMOUNT = "totalAmount";

    private Row() {}
  }

  /** A provider's reports: every day of it is under this prefix. */
  public static String providerPrefix(int providerId) {
    requirePositive(providerId);
    return ROOT + "provider=" + providerId + "/";
  }

  /** The directory (key prefix, ending in '/') of one provider's day. */
  public static String dayPrefix(int providerId, LocalDate day) {
    Objects.requireNonNull(day, "day");
    return providerPrefix(providerId) + String.format("year=%04d/month=%02d/day=%02d/", day.getYear(),
        day.getMonthValue(), day.getDayOfMonth());
  }

  /** The key of one provider's day's manifest. */
  public static String manifestKey(int providerId, LocalDate day) {
    return dayPrefix(providerId, day) + MANIFEST;
  }

  /** The key of a file a manifest names. */
  public static String fileKey(int providerId, LocalDate day, String fileName) {
    if (fileName == null || fileName.isEmpty() || fileName.contains("/") || fileName.equals(MANIFEST)) {
      throw new IllegalArgumentException("not a report file name: " + fileName);
    }
    return dayPrefix(providerId, day) + fileName;
  }

  /** Whether {@code runId} may name a run's files (letters, digits, '_', '.', '-'; at most 128). */
  public static boolean isRunId(String runId) {
    return runId != null && RUN_ID.matcher(runId).matches();
  }

  /**
   * The name of a run's data file of a format in its day's directory: {@code part-<runId>.parquet},
   * {@code _part-<runId>.jsonl}.
   */
  public static String dataFileName(String runId, String format) {
    if (!isRunId(runId)) {
      throw new IllegalArgumentException("not a run id (letters, digits, '_', '.', '-'): " + runId);
    }
    return switch (format) {
      case PARQUET -> "part-" + runId + "." + PARQUET;
      case JSON_LINES -> "_part-" + runId + "." + JSON_LINES;
      default -> throw new IllegalArgumentException("not a report file format: " + format);
    };
  }

  /** A provider and day named by a day prefix. */
  public record ProviderDay(int providerId, LocalDate day) {}

  /**
   * The provider and day of a key under a day's directory.
   *
   * @throws IllegalArgumentException when the key is not in the layout
   */
  public static ProviderDay providerDayOf(String key) {
    Matcher matcher = DAY_PREFIX.matcher(key);
    if (!matcher.lookingAt()) {
      throw new IllegalArgumentException("not a report key: " + key);
    }
    try {
      return new ProviderDay(Integer.parseInt(matcher.group(1)), LocalDate.of(Integer.parseInt(matcher.group(2)),
          Integer.parseInt(matcher.group(3)), Integer.parseInt(matcher.group(4))));
    } catch (java.time.DateTimeException e) {
      throw new IllegalArgumentException("not a report key: " + key, e);
    }
  }

  private static void requirePositive(int providerId) {
    if (providerId < 1) {
      throw new IllegalArgumentException("providerId must be positive: " + providerId);
    }
  }
}
