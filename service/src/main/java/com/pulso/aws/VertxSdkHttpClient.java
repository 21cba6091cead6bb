package com.pulso.aws;

import com.pulso.config.PulsoConfig;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.http.async.AsyncExecuteRequest;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;

/**
 * The AWS SDK's asynchronous HTTP transport, implemented over a Vert.x {@code HttpClient}: SDK calls
 * share Vert.x's Netty instead of bringing the SDK's own. Every Vert.x interaction happens on the one
 * context captured at construction; the SDK calls {@link #execute} from its own threads.
 *
 * <p>HTTP/1.1 only (Kinesis SubscribeToShard, which needs HTTP/2, is not supported). TLS uses the
 * JVM's default trust store, with SNI and host name verification. Callers must never block on an SDK
 * future from this client's context: the response that completes it is read on that very thread.
 * Built inside a verticle, the client lives on that verticle's context and Vert.x closes it when the
 * verticle is undeployed: build it where its owner lives.
 */
public final class VertxSdkHttpClient implements SdkAsyncHttpClient {

  /** Connections idle in the pool longer than this are closed before the server closes them under us. */
  private static final int POOLED_CONNECTION_KEEP_ALIVE_SECONDS = 20;

  private final Context context;
  private final HttpClientAgent http;
  private final Duration readTimeout;

  /**
   * @param vertx  the Vert.x instance; the current context (or a new one, off Vert.x threads) becomes
   *               this client's
   * @param config pool size and timeouts ({@code aws.http.*})
   */
  public VertxSdkHttpClient(Vertx vertx, PulsoConfig.AwsHttp config) {
    this.context = vertx.getOrCreateContext();
    this.readTimeout = config.readTimeout();
    HttpClientOptions options = new HttpClientOptions()
        .setProtocolVersion(HttpVersion.HTTP_1_1)
        .setConnectTimeout(Math.toIntExact(config.connectTimeout().toMillis()))
        .setKeepAlive(true)
        .setKeepAliveTimeout(POOLED_CONNECTION_KEEP_ALIVE_SECONDS)
        .setVerifyHost(true)
        .setForceSni(true);
    PoolOptions pool = new PoolOptions().setHttp1MaxSize(config.maxConnections());
    this.http = vertx.createHttpClient(options, pool);
  }

  @Override
  public CompletableFuture<Void> execute(AsyncExecuteRequest request) {
    CompletableFuture<Void> completion = new CompletableFuture<>();
    SdkHttpExchange exchange = new SdkHttpExchange(context, http, readTimeout, request, completion);
    context.runOnContext(v -> exchange.start());
    // The SDK cancels this future (or fails it, on its attempt timeout) to abandon the request.
    completion.whenComplete((ignored, error) -> {
      if (error != null) {
        context.runOnContext(v -> exchange.abandon(error));
      }
    });
    return completion;
  }

  @Override
  public String clientName() {
    return "vertx";
  }

  /** Closes the Vert.x client and its pooled connections; requests in flight fail. */
  @Override
  public void close() {
    http.close();
  }
}
