package com.pulso.api;

import com.hazelcast.core.HazelcastInstance;
import com.pulso.aggregate.BaselineWriter;
import com.pulso.aggregate.MetricKeys;
import com.pulso.aggregate.MetricsReader;
import com.pulso.alerts.AlertStore;
import com.pulso.aws.AwsClients;
import com.pulso.batch.BatchRuns;
import com.pulso.batch.ReportStore;
import com.pulso.cluster.ClusterSecret;
import com.pulso.cluster.ClusterSetup;
import com.pulso.config.PulsoConfig;
import com.pulso.observability.Readiness;
import com.pulso.stream.BootstrapGate;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.micrometer.PrometheusScrapingHandler;
import io.vertx.sqlclient.Pool;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The member's HTTP server: the provider API under {@code /v1} (API keys, problem+json errors) and
 * {@code /health/live} and {@code /health/ready} (UP or DOWN, no key), the contract
 * ({@code /openapi.json}, {@code /docs}) and the provider dashboard ({@code /dashboard}, its key typed in the page).
 * The operators' endpoints ({@code /health/*} with details, {@code /metrics}) are on a port of their
 * own, {@code http.managementPort}.
 * Stopping it stops accepting connections and lets requests in flight finish within
 * {@code http.drainSeconds}.
 */
public final class ApiVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(ApiVerticle.class);

  private final PulsoConfig config;
  private final Pool pool;
  private final AwsClients aws;
  private final ApiKeys keys;
  private final Readiness readiness;
  private final PrometheusMeterRegistry registry;
  private HttpServer server;
  private HttpServer management;
  private BootstrapGate bootstrap;
  private Router router;
  private FiguresStream stream;

  public ApiVerticle(PulsoConfig config, Pool pool, AwsClients aws, ApiKeys keys, Readiness readiness,
                     PrometheusMeterRegistry registry) {
    this.config = config;
    this.pool = pool;
    this.aws = aws;
    this.keys = keys;
    this.readiness = readiness;
    this.registry = registry;
  }

  @Override
  public Future<?> start() {
    router = Router.router(vertx);
    RequestMetrics requests = new RequestMetrics(registry);
    router.route().handler(requests);
    router.route().handler(new AccessLog());
    if (config.http().tls()) {
      // Browsers that saw Pulso over HTTPS never try it in plain text again (a year).
      router.route().handler(ctx -> {
        ctx.response().putHeader("strict-transport-security", "max-age=31536000");
        ctx.next();
      });
    }
    PulsoConfig.Http http = config.http();
    AddressLimiter addresses = new AddressLimiter(config.api().unauthenticated().perAddressPerMinute(),
        http.forwardedForHops(), Clock.systemUTC());
    HealthRoutes.mount(router, vertx, readiness, addresses);

    ApiDocs.mount(router);
    Dashboard.mount(router);

    MetricKeys metricKeys = new MetricKeys(config.businessZone());
    MetricsReader reader = new MetricsReader(aws, config.aws().dynamoDbTable(), metricKeys);
    bootstrap = new BootstrapGate(vertx, new BaselineWriter(vertx, aws, config.aws().dynamoDbTable(), metricKeys,
        config.aggregate().minuteRetention(), registry), config.capture().slotName());
    HazelcastInstance hazelcast = ClusterSetup.hazelcast(vertx);
    ReportStore reports = new ReportStore(vertx, aws, config.aws().s3Bucket());
    ClusterSecret secret = new ClusterSecret(config.cluster().secret());
    FiguresCache figures = new FiguresCache(vertx, FiguresCache.clusterMap(hazelcast), secret, reader, bootstrap,
        reports, config.businessZone(), Clock.systemUTC(), registry);
    KnownProviders providers = new KnownProviders(vertx, pool);
    StreamTickets tickets = new StreamTickets(vertx, hazelcast.getMap("pulso.api.stream-tickets"), secret);
    // Ahead of the key check: a browser's WebSocket cannot send the key; it shows a ticket instead.
    stream = new FiguresStream(vertx, tickets, keys, addresses, figures, config.businessZone(), config.api().stream(),
        registry);
    router.get("/v1/providers/:providerId/stream").handler(stream::notUpgraded);

    // Figures and keys are per key: no shared cache may keep an answer (X-API-Key is not a header
    // caches treat as a credential), and no browser cache either.
    Parameters.DateWindow dates = new Parameters.DateWindow(config.businessZone(), Clock.systemUTC(),
        config.api().historyDays());
    router.route("/v1/*").handler(ctx -> {
      ctx.response().putHeader("cache-control", "no-store");
      ctx.put(Parameters.DateWindow.KEY, dates);
      ctx.next();
    });
    router.route("/v1/*").handler(new Authentication(keys, addresses).authenticate());
    router.route("/v1/*").handler(new RateLimiter(config.api().rateLimitPerMinute(), Clock.systemUTC()));
    router.post("/v1/stream-tickets").handler(tickets.issuing(providers));
    ProviderRoutes.mount(router, config, pool, providers, figures, reports);
    AdminRoutes.mount(router, keys, new AlertStore(pool), config.alerts().keepResolved());
    BatchRunRoutes.mount(router, new BatchRuns(pool), config.businessZone(), Clock.systemUTC());
    router.route().last().handler(ctx -> ctx.fail(Problem.notFound("no such resource: " + ctx.request().method()
        + " " + ctx.request().path())));
    router.route().failureHandler(this::answerFailure);

    // No WebSocket compression: permessage-deflate keeps a zlib context per connection (hundreds of KB
    // with context takeover, so a thousand dashboards cost hundreds of MB) to shrink messages of a few
    // hundred bytes, and its pipeline handler inspects every HTTP answer the member writes.
    // No HTTP/2 over clear text (h2c): nothing in front of Pulso speaks it (the ALB talks HTTP/1.1 to its
    // targets), and its header-size refusals are Netty's bare 431, not problem+json. HTTP/2 stays with TLS.
    HttpServerOptions options = new HttpServerOptions().setHost(http.host()).setPort(http.port())
        .setHttp2ClearTextEnabled(false)
        .setPerMessageWebSocketCompressionSupported(false).setPerFrameWebSocketCompressionSupported(false);
    if (http.tls()) {
      options.setSsl(true).setUseAlpn(true).setKeyCertOptions(new PemKeyCertOptions()
          .setCertPath(http.tlsCert().toString()).setKeyPath(http.tlsKey().toString()));
    }
    server = vertx.createHttpServer(options);
    management = vertx.createHttpServer(new HttpServerOptions().setHost(http.host()).setPort(http.managementPort())
        .setHttp2ClearTextEnabled(false));
    // The public port first: once the operators' port answers ready, the API is served.
    return bootstrap.start()
        .compose(v -> server.requestHandler(router).invalidRequestHandler(Problem::answerUnreadable)
            .webSocketHandshakeHandler(stream::handshake)
            .webSocketHandler(stream::open)
            .listen()
            .recover(err -> Future.failedFuture(new IllegalStateException(
                "HTTP server cannot listen on " + http.host() + ":" + http.port() + " (http.port / PULSO_HTTP_PORT): "
                    + err.getMessage(), err))))
        .compose(v -> management.requestHandler(managementRouter(requests))
            .invalidRequestHandler(Problem::answerUnreadable).listen()
            .recover(err -> Future.failedFuture(new IllegalStateException("management server cannot listen on "
                + http.host() + ":" + http.managementPort() + " (http.managementPort / PULSO_HTTP_MANAGEMENT_PORT): "
                + err.getMessage(), err))));
  }

  /** The operators' port: health with each dependency's state and reason, and the metrics. */
  private Router managementRouter(RequestMetrics requests) {
    Router operators = Router.router(vertx);
    operators.route().handler(requests);
    HealthRoutes.mount(operators, vertx, readiness, null);
    operators.get("/metrics").handler(PrometheusScrapingHandler.create(registry));
    operators.route().last().handler(ctx -> ctx.fail(Problem.notFound("no such resource: " + ctx.request().path())));
    operators.route().failureHandler(this::answerFailure);
    return operators;
  }

  /** Every failure is answered as a problem: a handler's {@link Problem} as it is, anything else as a 500 (logged). */
  private void answerFailure(RoutingContext ctx) {
    if (ctx.response().ended()) {
      return;
    }
    Throwable failure = ctx.failure();
    if (failure instanceof Problem problem) {
      problem.answer(ctx);
    } else if (failure == null) {
      int status = ctx.statusCode();
      new Problem(status, status == 405 ? "method not allowed here" : "the request cannot be served").answer(ctx);
    } else {
      LOG.error("{} {} failed", ctx.request().method(), ctx.request().path(), failure);
      new Problem(500, "internal error; it was logged").answer(ctx);
    }
  }

  /** The routes, once started: a test checks them against the OpenAPI document. */
  Router router() {
    return router;
  }

  @Override
  public Future<?> stop() {
    PulsoConfig.Http http = config.http();
    Future<Void> drained = server == null ? Future.succeededFuture()
        : server.shutdown(http.drain().toMillis(), TimeUnit.MILLISECONDS);
    if (management != null) {
      drained = drained.eventually(() -> management.close());
    }
    if (stream != null) {
      stream.close();
    }
    return drained.eventually(() -> bootstrap == null ? Future.succeededFuture() : bootstrap.stop());
  }
}
