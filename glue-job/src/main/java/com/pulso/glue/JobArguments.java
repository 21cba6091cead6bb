package com.pulso.glue;

import com.pulso.report.ReportLayout;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * What one run of the job is asked to do, from {@code --name value} pairs as Glue passes job
 * parameters (and the local runner does too).
 *
 * @param days         the business days to report, in order
 * @param jdbcPassword null when neither {@code --jdbc-password} nor {@code PULSO_JDBC_PASSWORD} gives one
 * @param jdbcSecretId a Secrets Manager secret ({@code {"username": ..., "password": ...}}) holding the user and
 *                     password instead (on Glue: never a job argument); null when not given
 * @param output       a Hadoop URI ({@code s3://bucket}) or a local directory; reports go under its {@code reports/}
 * @param partitions   how many JDBC reads of a day's sales run in parallel
 * @param onGlue       whether Glue started the run (it passes {@code --JOB_ID} / {@code --JOB_RUN_ID})
 */
public record JobArguments(List<LocalDate> days, String jdbcUrl, String jdbcUser, String jdbcPassword,
                           String jdbcSecretId, SourceTables source, ZoneId zone, String output, int partitions,
                           String runId, boolean onGlue) {

  /** Read when {@code --jdbc-password} is not given, so that a local runner need not put it on a command line. */
  public static final String PASSWORD_ENV = "PULSO_JDBC_PASSWORD";
  public static final ZoneId DEFAULT_ZONE = ZoneId.of("America/Bogota");
  public static final int DEFAULT_PARTITIONS = 4;
  /** A run covers at most this many days (a year, a leap one included). */
  public static final int MAX_DAYS = 366;

  /** Glue's own parameters that name the run; any other parameter Glue adds is ignored on Glue. */
  private static final Set<String> GLUE_RUN_ARGUMENTS = Set.of("JOB_NAME", "JOB_ID", "JOB_RUN_ID");

  static final String USAGE = """
      usage: DailyReportJob (--date YYYY-MM-DD | --from YYYY-MM-DD --to YYYY-MM-DD)
               --jdbc-url jdbc:postgresql://host:port/db [--jdbc-user U] [--jdbc-password P | --jdbc-secret-id ARN]
               --output s3://bucket | /local/dir
               [--time-zone America/Bogota] [--partitions 4] [--run-id ID]
               [--clients-table clientes] [--client-id-column id] [--client-first-name-column nombre]
               [--client-last-name-column apellido] [--sales-table ventas] [--sale-id-column id]
               [--sale-client-column cliente_id] [--sale-product-column producto]
               [--sale-time-column fecha] [--sale-amount-column monto]
      The password may come from the environment variable PULSO_JDBC_PASSWORD instead, or the user and
      password from a Secrets Manager secret (--jdbc-secret-id: JSON with "username" and "password").""";

  /** The job's parameters: name → default (null: none). */
  private static final Map<String, String> PARAMETERS = parameters();

  public JobArguments {
    days = List.copyOf(days);
  }

  private static Map<String, String> parameters() {
    SourceTables d = SourceTables.defaults();
    Map<String, String> p = new LinkedHashMap<>();
    for (String name : new String[] {"date", "from", "to", "jdbc-url", "jdbc-user", "jdbc-password", "jdbc-secret-id", "output",
        "run-id"}) {
      p.put(name, null);
    }
    p.put("time-zone", DEFAULT_ZONE.getId());
    p.put("partitions", Integer.toString(DEFAULT_PARTITIONS));
    p.put("clients-table", d.clientsTable());
    p.put("client-id-column", d.clientIdColumn());
    p.put("client-first-name-column", d.clientFirstNameColumn());
    p.put("client-last-name-column", d.clientLastNameColumn());
    p.put("sales-table", d.salesTable());
    p.put("sale-id-column", d.saleIdColumn());
    p.put("sale-client-column", d.saleClientColumn());
    p.put("sale-product-column", d.saleProductColumn());
    p.put("sale-time-column", d.saleTimeColumn());
    p.put("sale-amount-column", d.saleAmountColumn());
    return p;
  }

  /** An argument that is not the job's, on Glue: Glue passes its own special parameters along. */
  public record Ignored(String name) {}

  /**
   * Reads {@code --name value} pairs. On Glue (a {@code --JOB_ID} or {@code --JOB_RUN_ID} is there)
   * parameters that are not the job's are Glue's own and ignored ({@code ignored} gets them); run by
   * hand or by the local runner, an unknown one is refused, a typo must not pass for a default.
   *
   * @throws IllegalArgumentException naming the argument that is missing or wrong
   */
  public static JobArguments parse(String[] args, Map<String, String> env, Clock clock, List<Ignored> ignored) {
    Map<String, String> given = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String token = args[i];
      if (!token.startsWith("--") || token.length() == 2) {
        throw new IllegalArgumentException("expected --name value pairs, found '" + token + "'");
      }
      String name = token.substring(2);
      // Glue may pass a flag-like parameter with an empty value: then the next token is a name.
      String value = i + 1 < args.length && !args[i + 1].startsWith("--") ? args[++i] : "";
      if (given.put(name, value) != null) {
        throw new IllegalArgumentException("--" + name + " is given twice");
      }
    }
    boolean onGlue = given.containsKey("JOB_ID") || given.containsKey("JOB_RUN_ID");
    for (String name : given.keySet()) {
      if (!PARAMETERS.containsKey(name) && !GLUE_RUN_ARGUMENTS.contains(name)) {
        if (!onGlue) {
          throw new IllegalArgumentException("unknown argument --" + name);
        }
        ignored.add(new Ignored(name));
      }
    }
    Map<String, String> values = new LinkedHashMap<>(PARAMETERS);
    given.forEach((name, value) -> {
      if (PARAMETERS.containsKey(name)) {
        values.put(name, value.isEmpty() ? null : value);
      }
    });

    List<LocalDate> days = days(values);
    String jdbcUrl = required(values, "jdbc-url");
    if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
      throw new IllegalArgumentException("--jdbc-url must be a PostgreSQL JDBC URL (jdbc:postgresql://host:port/db): " + jdbcUrl);
    }
    String password = values.get("jdbc-password") != null ? values.get("jdbc-password") : env.get(PASSWORD_ENV);
    ZoneId zone;
    try {
      zone = ZoneId.of(required(values, "time-zone"));
    } catch (DateTimeException e) {
      throw new IllegalArgumentException("--time-zone is not a time zone id (e.g. America/Bogota): " + values.get("time-zone"));
    }
    int partitions;
    try {
      partitions = Integer.parseInt(required(values, "partitions"));
    } catch (NumberFormatException e) {
      partitions = 0;
    }
    if (partitions < 1 || partitions > 256) {
      throw new IllegalArgumentException("--partitions must be a whole number from 1 to 256: " + values.get("partitions"));
    }
    String glueRunId = given.get("JOB_RUN_ID");
    String runId = glueRunId != null && !glueRunId.isEmpty() ? glueRunId
        : values.get("run-id") != null ? values.get("run-id") : generatedRunId(clock);
    if (!ReportLayout.isRunId(runId)) {
      throw new IllegalArgumentException("the run id must be letters, digits, '_', '.' or '-' (at most 128): " + runId);
    }
    SourceTables source = new SourceTables(identifier(values, "clients-table"), identifier(values, "client-id-column"),
        identifier(values, "client-first-name-column"), identifier(values, "client-last-name-column"),
        identifier(values, "sales-table"), identifier(values, "sale-id-column"), identifier(values, "sale-client-column"),
        identifier(values, "sale-product-column"), identifier(values, "sale-time-column"),
        identifier(values, "sale-amount-column"));
    if (values.get("jdbc-secret-id") != null && (password != null || values.get("jdbc-user") != null)) {
      throw new IllegalArgumentException("give the user and password either in a secret (--jdbc-secret-id) or as"
          + " --jdbc-user and --jdbc-password, not both");
    }
    return new JobArguments(days, jdbcUrl, values.get("jdbc-user"), password, values.get("jdbc-secret-id"), source, zone,
        required(values, "output"),
        partitions, runId, onGlue);
  }

  private static List<LocalDate> days(Map<String, String> values) {
    String date = values.get("date");
    String from = values.get("from");
    String to = values.get("to");
    if (date != null && (from != null || to != null)) {
      throw new IllegalArgumentException("give either --date or --from and --to, not both");
    }
    if (date != null) {
      return List.of(date("date", date));
    }
    if (from == null || to == null) {
      throw new IllegalArgumentException("missing --date (or --from and --to): the business day(s) to report");
    }
    LocalDate first = date("from", from);
    LocalDate last = date("to", to);
    if (last.isBefore(first)) {
      throw new IllegalArgumentException("--to " + last + " is before --from " + first);
    }
    List<LocalDate> days = first.datesUntil(last.plusDays(1)).toList();
    if (days.size() > MAX_DAYS) {
      throw new IllegalArgumentException("--from " + first + " --to " + last + " covers " + days.size()
          + " days; a run covers at most " + MAX_DAYS);
    }
    return days;
  }

  private static LocalDate date(String name, String value) {
    try {
      return LocalDate.parse(value);
    } catch (DateTimeException e) {
      throw new IllegalArgumentException("--" + name + " is not a date YYYY-MM-DD: " + value);
    }
  }

  private static String required(Map<String, String> values, String name) {
    String value = values.get(name);
    if (value == null) {
      throw new IllegalArgumentException("missing --" + name);
    }
    return value;
  }

  private static String identifier(Map<String, String> values, String name) {
    String value = required(values, name);
    if (!SourceTables.isIdentifier(value)) {
      throw new IllegalArgumentException("--" + name + " must be a SQL identifier (letters, digits, underscore): " + value);
    }
    return value;
  }

  private static String generatedRunId(Clock clock) {
    return "manual-" + DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC).format(clock.instant())
        + "-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0x10000));
  }

  /** These arguments with the source's user and password (read from {@link #jdbcSecretId()}), the secret spent. */
  JobArguments withCredentials(String user, String password) {
    return new JobArguments(days, jdbcUrl, user, password, null, source, zone, output, partitions, runId, onGlue);
  }
}
