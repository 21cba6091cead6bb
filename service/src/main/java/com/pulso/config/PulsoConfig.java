package com.pulso.config;

import com.pulso.alerts.Signal;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.file.Path;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The validated configuration of one Pulso member: the single place where every key is read and
 * checked. Built once at start by {@link ConfigLoader}; immutable afterwards.
 */
public record PulsoConfig(
    String profile,
    Http http,
    Api api,
    ZoneId businessZone,
    Cluster cluster,
    Database database,
    Source source,
    Capture capture,
    Consume consume,
    Aggregate aggregate,
    Aws aws,
    DevServices devServices,
    Demo demo,
    Batch batch,
    Alerts alerts,
    CloudWatch cloudWatch) {

  /**
   * {@code tlsCert}/{@code tlsKey}: PEM files, both or neither (null: plain HTTP). {@code managementPort}:
   * the operators' endpoints (0: any free port). {@code forwardedForHops}: proxies in front whose
   * {@code X-Forwarded-For} entries are trusted (0: none, the TCP peer is the client).
   */
  public record Http(String host, int port, int managementPort, int forwardedForHops, Duration preStop,
                     Duration drain, Path tlsCert, Path tlsKey) {
    public boolean tls() {
      return tlsCert != null;
    }
  }

  /**
   * Keys stored at start when missing, so that the API can be used at once: {@code adminKey} (may be
   * empty) and {@code demoKeys}, provider id → key by id (local demo only); and how many requests a
   * key may make per minute.
   */
  public record Api(String adminKey, Map<Integer, String> demoKeys, int rateLimitPerMinute, int historyDays,
                    Stream stream, Unauthenticated unauthenticated) {}

  /**
   * What a request costs before it is known whose it is: per client address and minute, at most
   * {@code perAddressPerMinute} refused keys, WebSocket handshakes and public readiness checks; per
   * member and second, at most {@code keyLookupsPerSecond} keys looked up in the database.
   */
  public record Unauthenticated(int perAddressPerMinute, int keyLookupsPerSecond) {}

  /**
   * Limits of the WebSocket stream: a socket is closed after {@code maxLifetime} (the client opens it
   * again with a new ticket, its key checked again); at most {@code maxPerKey} sockets per API key and
   * {@code maxPerMember} in all on one member.
   */
  public record Stream(Duration maxLifetime, int maxPerKey, int maxPerMember) {}

  /**
   * {@code kubernetesServiceDns} empty: join the TCP-IP {@code members}; else discover through that DNS name.
   * {@code secret}: shared by the members (empty: none, local only); {@code tls}: the event bus's
   * mutual TLS (null: plain, local only).
   */
  public record Cluster(String name, String host, int port, int eventBusPort, List<String> members,
                        String kubernetesServiceDns, int heartbeatIntervalSeconds, int maxNoHeartbeatSeconds,
                        String secret, ClusterTls tls) {

    /** The same member settings on another Hazelcast port (a second member of one machine). */
    public Cluster onPort(int other) {
      return new Cluster(name, host, other, eventBusPort, members, kubernetesServiceDns, heartbeatIntervalSeconds,
          maxNoHeartbeatSeconds, secret, tls);
    }
  }

  /** PEM files: this member's certificate and key, and the CA that signs every member's certificate. */
  public record ClusterTls(Path cert, Path key, Path ca) {}

  /** {@code sslRootCert} is null unless {@code sslMode} verifies the server (verify-ca, verify-full). */
  public record Database(String host, int port, String name, String user, String password, int poolSize,
                         String sslMode, Path sslRootCert) {}

  /** Table and column names of the company's sales schema. */
  public record Source(String clientsTable, String clientIdColumn, String clientFirstNameColumn,
                       String clientLastNameColumn, String salesTable, String saleIdColumn,
                       String saleClientColumn, String saleProductColumn, String saleTimeColumn,
                       String saleAmountColumn) {}

  /**
   * Pulso's replication slot and publication on the source, how it is polled, and how many days
   * before today a bootstrap counts.
   */
  public record Capture(String slotName, String publicationName, Duration pollInterval, int maxChangesPerPoll,
                        int fetchSize, int bootstrapDays, Duration fenceLease) {}

  /**
   * How the shard consumers of a member poll Kinesis and rebalance. Kinesis allows 5 GetRecords
   * calls per second and shard and returns at most 10,000 records (10 MiB) per call.
   *
   * @param recordsPerCall    GetRecords' {@code Limit}
   * @param minPollInterval   the least time between two GetRecords calls on one shard (5 per second at 200 ms)
   * @param idleDelay         the wait after a call that found no new records
   * @param firstBackoff      the first backoff after a failure (throttling, an AWS error, a batch not applied)
   * @param maxBackoff        the cap of the exponential backoff (full jitter under it)
   * @param rebalanceInterval how often shard ownership is recomputed besides membership changes
   *                          (to pick up reshards and finished parents)
   */
  public record Consume(int recordsPerCall, Duration minPollInterval, Duration idleDelay, Duration firstBackoff,
                       Duration maxBackoff, Duration rebalanceInterval) {}

  /** How the real-time figures are kept in DynamoDB. */
  public record Aggregate(Duration minuteRetention) {}

  /** Endpoint overrides are null for the real AWS endpoint of the region. */
  public record Aws(String region, boolean manageResources, URI kinesisEndpoint, URI dynamoDbEndpoint,
                    URI s3Endpoint, URI glueEndpoint, URI snsEndpoint, URI cloudWatchEndpoint, String kinesisStream,
                    int kinesisShards, String dynamoDbTable, String s3Bucket, String s3KmsKeyId, AwsHttp http) {

    /** Whether objects are encrypted with a KMS key of ours ({@code aws.s3.kmsKeyId}). */
    public boolean s3Kms() {
      return !s3KmsKeyId.isEmpty();
    }
  }

  public record AwsHttp(int maxConnections, Duration connectTimeout, Duration readTimeout,
                        Duration apiCallTimeout, int maxRetries) {}

  public record DevServices(boolean enabled, Path dataDir, Path emulatorsDir) {}

  public record Demo(boolean enabled, int rate, int clients, int historyDays) {}

  /**
   * The nightly reports (docs/batch.md).
   *
   * @param schedule     Unix cron (minute hour day-of-month month day-of-week) in the business zone
   * @param runner       {@code glue} or {@code local}
   * @param retries      attempts after the first that failed or overran {@code timeout}
   * @param catchUpDays  at start, how many of the last closed days (yesterday's included) are reported when no
   *                     run reported them (0: none)
   * @param firstPoll    following an attempt: the first wait between two looks, doubled up to {@code maxPoll}
   */
  public record Batch(boolean enabled, String schedule, String runner, int retries, Duration timeout,
                      int catchUpDays, Duration firstPoll, Duration maxPoll, String glueJobName, Path localJobJar,
                      Path localClasspathFile, Path localJvmOptionsFile, Path localWorkDir) {}

  /**
   * Alerts (docs/operations.md).
   *
   * @param topicArn           SNS topic of every notification; empty: logged and listed only
   * @param escalationTopicArn SNS topic of alerts firing for {@code escalateAfter}; empty: none
   * @param renotify           reminders of a firing alert after it was escalated
   * @param evaluateEvery      how often members sample their signals and the rules are judged
   * @param keepResolved       how long resolved alerts are listed
   */
  public record Alerts(boolean enabled, String topicArn, String escalationTopicArn, Duration escalateAfter,
                       Duration renotify, Duration evaluateEvery, Duration keepResolved, BusinessHours businessHours,
                       List<AlertRule> rules) {}

  /**
   * Pulso's metrics in CloudWatch (docs/operations.md): every {@code period}, under the dimension
   * {@code Environment=environment} (the infrastructure's name for this environment, which its alarms select).
   */
  public record CloudWatch(boolean enabled, String environment, Duration period) {}

  /** When sales are expected, in the business zone: {@code days} of the week, {@code from} until {@code to}. */
  public record BusinessHours(Set<DayOfWeek> days, LocalTime from, LocalTime to) {

    public boolean contains(ZonedDateTime at) {
      LocalTime time = at.toLocalTime();
      return days.contains(at.getDayOfWeek()) && !time.isBefore(from) && time.isBefore(to);
    }
  }

  /**
   * A rule: it fires when {@code signal}, taken over {@code window}, is {@code above} (or below) {@code threshold}
   * for {@code forDuration}, and resolves once it has not been for {@code clearDuration}.
   */
  public record AlertRule(String name, Signal signal, boolean above, double threshold, Duration window,
                          Duration forDuration, Duration clearDuration, String severity) {}

  // Copies with one part changed: tests point a config at a fresh database, table or stream.

  public PulsoConfig withDatabase(Database changed) {
    return new PulsoConfig(profile, http, api, businessZone, cluster, changed, source, capture, consume, aggregate, aws, devServices, demo, batch, alerts, cloudWatch);
  }

  public PulsoConfig withSource(Source changed) {
    return new PulsoConfig(profile, http, api, businessZone, cluster, database, changed, capture, consume, aggregate, aws, devServices, demo, batch, alerts, cloudWatch);
  }

  public PulsoConfig withCapture(Capture changed) {
    return new PulsoConfig(profile, http, api, businessZone, cluster, database, source, changed, consume, aggregate, aws, devServices, demo, batch, alerts, cloudWatch);
  }

  public PulsoConfig withAws(Aws changed) {
    return new PulsoConfig(profile, http, api, businessZone, cluster, database, source, capture, consume, aggregate, changed, devServices, demo, batch, alerts, cloudWatch);
  }

  public PulsoConfig withDevServices(DevServices changed) {
    return new PulsoConfig(profile, http, api, businessZone, cluster, database, source, capture, consume, aggregate, aws, changed, demo, batch, alerts, cloudWatch);
  }

  public PulsoConfig withDemo(Demo changed) {
    return new PulsoConfig(profile, http, api, businessZone, cluster, database, source, capture, consume, aggregate, aws, devServices, changed, batch, alerts, cloudWatch);
  }

  public PulsoConfig withAlerts(Alerts changed) {
    return new PulsoConfig(profile, http, api, businessZone, cluster, database, source, capture, consume, aggregate, aws, devServices, demo, batch, changed, cloudWatch);
  }

  public PulsoConfig withBatch(Batch changed) {
    return new PulsoConfig(profile, http, api, businessZone, cluster, database, source, capture, consume, aggregate, aws, devServices, demo, changed, alerts, cloudWatch);
  }

  private static final int MIN_KEY_LENGTH = 16;
  private static final int MIN_SECRET_LENGTH = 32;
  private static final int MIN_ADMIN_KEY_LENGTH = 32;

  /** {@code cluster.tls.*}: the three files, or none of them. */
  private static ClusterTls clusterTls(ConfigReader r) {
    List<String> keys = List.of("cluster.tls.certPath", "cluster.tls.keyPath", "cluster.tls.caPath");
    long given = keys.stream().filter(key -> !r.string(key).isEmpty()).count();
    if (given == 0) {
      return null;
    }
    if (given < keys.size()) {
      throw new ConfigException("cluster.tls: give certPath, keyPath and caPath (PEM), or none for a plain event bus");
    }
    return new ClusterTls(r.readableFile(keys.get(0)), r.readableFile(keys.get(1)), r.readableFile(keys.get(2)));
  }

  /** "providerId:key" entries. */
  private static Map<Integer, String> demoKeys(List<String> entries) {
    Map<Integer, String> keys = new TreeMap<>();
    for (String entry : entries) {
      int colon = entry.indexOf(':');
      String id = colon < 0 ? "" : entry.substring(0, colon);
      String key = colon < 0 ? "" : entry.substring(colon + 1);
      if (!id.matches("[1-9][0-9]{0,8}") || key.length() < MIN_KEY_LENGTH) {
        throw new ConfigException("api.demoKeys: '" + entry + "' is not providerId:key (a key of at least "
            + MIN_KEY_LENGTH + " characters)");
      }
      keys.put(Integer.parseInt(id), key);
    }
    return Collections.unmodifiableMap(keys);
  }

  static PulsoConfig from(String profile, JsonObject tree) {
    ConfigReader r = new ConfigReader(tree);
    Http http = new Http(r.nonBlank("http.host"), r.port("http.port"), r.integer("http.managementPort", 0, 65535),
        r.integer("http.forwardedForHops", 0, 10),
        Duration.ofSeconds(r.integer("http.preStopSeconds", 0, 300)),
        Duration.ofSeconds(r.integer("http.drainSeconds", 0, 300)),
        r.string("http.tls.certPath").isEmpty() ? null : r.readableFile("http.tls.certPath"),
        r.string("http.tls.keyPath").isEmpty() ? null : r.readableFile("http.tls.keyPath"));
    if ((http.tlsCert() == null) != (http.tlsKey() == null)) {
      throw new ConfigException("http.tls: give both certPath and keyPath (PEM), or neither for plain HTTP");
    }
    Api api = new Api(r.string("api.adminKey"), demoKeys(r.optionalList("api.demoKeys")),
        r.integer("api.rateLimitPerMinute", 1, 1_000_000), r.integer("api.historyDays", 1, 36_600),
        new Stream(Duration.ofSeconds(r.integer("api.stream.maxLifetimeSeconds", 1, 24 * 3600)),
            r.integer("api.stream.maxPerKey", 1, 1_000_000), r.integer("api.stream.maxPerMember", 1, 1_000_000)),
        new Unauthenticated(r.integer("api.unauthenticated.perAddressPerMinute", 1, 1_000_000),
            r.integer("api.unauthenticated.keyLookupsPerSecond", 1, 1_000_000)));
    // Outside the local profile (whose demo key is published) an admin key must resist guessing: 32
    // random characters are 190 bits or more.
    int minAdminKey = "local".equals(profile) ? MIN_KEY_LENGTH : MIN_ADMIN_KEY_LENGTH;
    if (!api.adminKey().isEmpty() && api.adminKey().length() < minAdminKey) {
      throw new ConfigException("api.adminKey: at least " + minAdminKey + " random characters in the " + profile
          + " profile (or empty: none)");
    }
    Cluster cluster = new Cluster(r.nonBlank("cluster.name"), r.nonBlank("cluster.host"), r.port("cluster.port"),
        r.integer("cluster.eventBusPort", 0, 65535), r.list("cluster.members"), r.string("cluster.kubernetesServiceDns"),
        r.integer("cluster.heartbeatIntervalSeconds", 1, 60),
        r.integer("cluster.maxNoHeartbeatSeconds", 2, 600), r.string("cluster.secret"), clusterTls(r));
    if (!cluster.secret().isEmpty() && cluster.secret().length() < MIN_SECRET_LENGTH) {
      throw new ConfigException("cluster.secret: at least " + MIN_SECRET_LENGTH + " random characters (or empty: none,"
          + " local only)");
    }

    if (cluster.maxNoHeartbeatSeconds() <= cluster.heartbeatIntervalSeconds()) {
      throw new ConfigException("cluster.maxNoHeartbeatSeconds: must be greater than cluster.heartbeatIntervalSeconds ("
          + cluster.heartbeatIntervalSeconds() + ")");
    }
    String sslMode = r.oneOf("database.sslMode", Set.of("disable", "require", "verify-ca", "verify-full"));
    Database database = new Database(r.nonBlank("database.host"), r.port("database.port"), r.nonBlank("database.name"),
        r.nonBlank("database.user"), r.string("database.password"), r.integer("database.poolSize", 1, 200),
        sslMode, sslMode.startsWith("verify") ? r.readableFile("database.sslRootCert") : null);
    Source source = new Source(r.identifier("source.clientsTable"), r.identifier("source.clientIdColumn"),
        r.identifier("source.clientFirstNameColumn"), r.identifier("source.clientLastNameColumn"),
        r.identifier("source.salesTable"), r.identifier("source.saleIdColumn"), r.identifier("source.saleClientColumn"),
        r.identifier("source.saleProductColumn"), r.identifier("source.saleTimeColumn"),
        r.identifier("source.saleAmountColumn"));
    Capture capture = new Capture(r.identifier("capture.slotName"), r.identifier("capture.publicationName"),
        Duration.ofMillis(r.integer("capture.pollIntervalMillis", 1, 60_000)),
        r.integer("capture.maxChangesPerPoll", 1, 10_000_000), r.integer("capture.fetchSize", 1, 100_000),
        r.integer("capture.bootstrapDays", 0, 366), Duration.ofSeconds(r.integer("capture.fenceLeaseSeconds", 2, 600)));
    Consume consume = new Consume(r.integer("consume.recordsPerCall", 1, 10_000),
        Duration.ofMillis(r.integer("consume.minPollIntervalMillis", 0, 60_000)),
        Duration.ofMillis(r.integer("consume.idleDelayMillis", 0, 60_000)),
        Duration.ofMillis(r.integer("consume.firstBackoffMillis", 0, 60_000)),
        Duration.ofMillis(r.integer("consume.maxBackoffMillis", 0, 600_000)),
        Duration.ofMillis(r.integer("consume.rebalanceIntervalMillis", 100, 600_000)));
    if (consume.maxBackoff().compareTo(consume.firstBackoff()) < 0) {
      throw new ConfigException("consume.maxBackoffMillis: must be at least consume.firstBackoffMillis ("
          + consume.firstBackoff().toMillis() + ")");
    }
    Aggregate aggregate = new Aggregate(Duration.ofHours(r.integer("aggregate.minuteRetentionHours", 1, 24 * 366)));
    AwsHttp awsHttp = new AwsHttp(r.integer("aws.http.maxConnections", 1, 10_000),
        Duration.ofMillis(r.integer("aws.http.connectTimeoutMillis", 100, 600_000)),
        Duration.ofMillis(r.integer("aws.http.readTimeoutMillis", 100, 600_000)),
        Duration.ofMillis(r.integer("aws.http.apiCallTimeoutMillis", 100, 3_600_000)),
        r.integer("aws.http.maxRetries", 0, 20));
    Aws aws = new Aws(r.nonBlank("aws.region"), r.bool("aws.manageResources"),
        r.optionalEndpoint("aws.endpoints.kinesis"), r.optionalEndpoint("aws.endpoints.dynamodb"),
        r.optionalEndpoint("aws.endpoints.s3"), r.optionalEndpoint("aws.endpoints.glue"),
        r.optionalEndpoint("aws.endpoints.sns"), r.optionalEndpoint("aws.endpoints.cloudwatch"),
        r.nonBlank("aws.kinesis.stream"),
        r.integer("aws.kinesis.shards", 1, 10_000), r.nonBlank("aws.dynamodb.table"), r.nonBlank("aws.s3.bucket"),
        r.string("aws.s3.kmsKeyId"), awsHttp);
    DevServices devServices = new DevServices(r.bool("devServices.enabled"), Path.of(r.nonBlank("devServices.dataDir")),
        Path.of(r.nonBlank("devServices.emulatorsDir")));
    Demo demo = new Demo(r.bool("demo.enabled"), r.integer("demo.rate", 0, 100_000), r.integer("demo.clients", 1, 10_000_000),
        r.integer("demo.historyDays", 0, 3650));
    Batch batch = new Batch(r.bool("batch.enabled"), r.cron("batch.schedule"), r.oneOf("batch.runner", Set.of("glue", "local")),
        r.integer("batch.retries", 0, 10), Duration.ofMinutes(r.integer("batch.timeoutMinutes", 1, 24 * 60)),
        r.integer("batch.catchUpDays", 0, 366), Duration.ofMillis(r.integer("batch.firstPollMillis", 10, 600_000)),
        Duration.ofMillis(r.integer("batch.maxPollMillis", 10, 3_600_000)), r.nonBlank("batch.glue.jobName"),
        Path.of(r.nonBlank("batch.local.jobJar")), Path.of(r.nonBlank("batch.local.classpathFile")), Path.of(r.nonBlank("batch.local.jvmOptionsFile")),
        Path.of(r.nonBlank("batch.local.workDir")));
    if (batch.maxPoll().compareTo(batch.firstPoll()) < 0) {
      throw new ConfigException("batch.maxPollMillis: must be at least batch.firstPollMillis ("
          + batch.firstPoll().toMillis() + ")");
    }
    if ("aws".equals(profile) && (cluster.secret().isEmpty() || cluster.tls() == null)) {
      throw new ConfigException("cluster.secret and cluster.tls.*: the aws profile needs both (a member must not"
          + " accept anything that reaches its ports; docs/api.md, \"Security\"): set PULSO_CLUSTER_SECRET and"
          + " PULSO_CLUSTER_TLS_CERT_PATH, _KEY_PATH, _CA_PATH");
    }
    if (devServices.enabled() && "aws".equals(profile)) {
      throw new ConfigException("devServices.enabled: dev services never run in the aws profile");
    }
    return new PulsoConfig(profile, http, api, r.zone("business.timeZone"), cluster, database, source, capture, consume,
        aggregate, aws, devServices, demo, batch, alerts(r), new CloudWatch(r.bool("cloudWatch.enabled"),
        r.nonBlank("cloudWatch.environment"), Duration.ofSeconds(r.integer("cloudWatch.periodSeconds", 10, 3600))));
  }

  private static Alerts alerts(ConfigReader r) {
    List<AlertRule> rules = new ArrayList<>();
    for (String name : r.names("alerts.rules")) {
      String key = "alerts.rules." + name + ".";
      if (!r.bool(key + "enabled")) {
        continue;
      }
      String signalName = r.nonBlank(key + "signal");
      Signal signal = Signal.byKey(signalName).orElseThrow(() -> new ConfigException(key + "signal: '" + signalName
          + "' is not a signal (" + Arrays.stream(Signal.values()).map(Signal::key).toList() + ")"));
      rules.add(new AlertRule(name, signal, "above".equals(r.oneOf(key + "comparison", Set.of("above", "below"))),
          r.decimal(key + "threshold", -Double.MAX_VALUE, Double.MAX_VALUE),
          Duration.ofSeconds(r.integer(key + "windowSeconds", 0, 24 * 3600)),
          Duration.ofSeconds(r.integer(key + "forSeconds", 0, 24 * 3600)),
          Duration.ofSeconds(r.integer(key + "clearSeconds", 0, 24 * 3600)),
          r.oneOf(key + "severity", Set.of("warning", "critical"))));
    }
    String[] days = r.nonBlank("alerts.businessHours.days").split("-");
    if (days.length != 2) {
      throw new ConfigException("alerts.businessHours.days: a range of days, e.g. MON-SAT");
    }
    Set<DayOfWeek> businessDays = EnumSet.noneOf(DayOfWeek.class);
    DayOfWeek first = day(days[0]);
    DayOfWeek last = day(days[1]);
    for (DayOfWeek day = first; ; day = day.plus(1)) {
      businessDays.add(day);
      if (day == last) {
        break;
      }
    }
    return new Alerts(r.bool("alerts.enabled"), r.string("alerts.topicArn"), r.string("alerts.escalationTopicArn"),
        Duration.ofMinutes(r.integer("alerts.escalateAfterMinutes", 1, 7 * 24 * 60)),
        Duration.ofMinutes(r.integer("alerts.renotifyMinutes", 1, 7 * 24 * 60)),
        Duration.ofSeconds(r.integer("alerts.evaluateSeconds", 1, 600)),
        Duration.ofHours(r.integer("alerts.keepResolvedHours", 1, 24 * 90)),
        new BusinessHours(businessDays, time(r, "alerts.businessHours.from"), time(r, "alerts.businessHours.to")),
        List.copyOf(rules));
  }

  private static DayOfWeek day(String abbreviation) {
    return Arrays.stream(DayOfWeek.values()).filter(d -> d.name().startsWith(abbreviation.trim().toUpperCase()))
        .findFirst().orElseThrow(() -> new ConfigException("alerts.businessHours.days: '" + abbreviation
            + "' is not a day (MON, TUE, WED, THU, FRI, SAT, SUN)"));
  }

  private static LocalTime time(ConfigReader r, String key) {
    try {
      return LocalTime.parse(r.nonBlank(key));
    } catch (java.time.format.DateTimeParseException e) {
      throw new ConfigException(key + ": '" + r.string(key) + "' is not a time of day (HH:mm)");
    }
  }
}
