package com.pulso.aws;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.http.SdkHttpFullResponse;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.http.async.AsyncExecuteRequest;
import software.amazon.awssdk.http.async.SdkAsyncHttpResponseHandler;

/**
 * One SDK request carried over Vert.x: sends the head and the streamed body, hands the response head
 * and streamed body to the SDK, and ends the exchange exactly once — on the response's end, on a
 * transport failure, on the read timeout, or when the SDK abandons it. Confined to the client's
 * context: every method runs on it.
 */
final class SdkHttpExchange {

  /** Headers Vert.x writes itself from the request options and the body framing chosen here. */
  private static final Set<String> HEADERS_SET_BY_TRANSPORT =
      Set.of("host", "content-length", "transfer-encoding", "connection", "expect");

  private final Context context;
  private final HttpClient http;
  private final long readTimeoutNanos;
  private final AsyncExecuteRequest sdkRequest;
  private final SdkAsyncHttpResponseHandler responseHandler;
  private final CompletableFuture<Void> completion;

  private HttpClientRequest request;
  private RequestBodyWriter requestBody;
  private ResponseBodyPublisher responseBody;
  private boolean finished;
  /** The request body's declared length; -1 when it is sent chunked. */
  private long contentLength = -1;
  private long lastActivityNanos;
  private long readTimer = -1;

  SdkHttpExchange(Context context, HttpClient http, Duration readTimeout, AsyncExecuteRequest sdkRequest,
                  CompletableFuture<Void> completion) {
    this.context = context;
    this.http = http;
    this.readTimeoutNanos = readTimeout.toNanos();
    this.sdkRequest = sdkRequest;
    this.responseHandler = sdkRequest.responseHandler();
    this.completion = completion;
  }

  void start() {
    if (finished) {
      return;
    }
    SdkHttpRequest sdk = sdkRequest.request();
    RequestOptions options = new RequestOptions()
        .setMethod(HttpMethod.valueOf(sdk.method().name()))
        .setSsl("https".equalsIgnoreCase(sdk.protocol()))
        .setHost(sdk.host())
        .setPort(sdk.port())
        .setURI(pathAndQuery(sdk));
    Future<HttpClientRequest> requested;
    try {
      requested = http.request(options);
    } catch (RuntimeException e) {
      // A closed client throws instead of failing the future: the SDK must hear of it now, not at its timeout.
      fail(transportFailure(e));
      return;
    }
    requested.onComplete(obtained -> {
      if (obtained.failed()) {
        fail(transportFailure(obtained.cause()));
      } else if (finished) {
        obtained.result().reset();
      } else {
        send(obtained.result(), sdk);
      }
    });
  }

  private void send(HttpClientRequest request, SdkHttpRequest sdk) {
    this.request = request;
    sdk.forEachHeader((name, values) -> {
      if (!HEADERS_SET_BY_TRANSPORT.contains(name.toLowerCase(Locale.ROOT))) {
        request.putHeader(name, values);
      }
    });
    Optional<Long> length = sdk.firstMatchingHeader("Content-Length").map(Long::parseLong)
        .or(() -> sdkRequest.requestContentPublisher().contentLength());
    boolean sdkAsksChunked = sdk.firstMatchingHeader("Transfer-Encoding").filter("chunked"::equalsIgnoreCase).isPresent();
    if (length.isPresent() && !sdkAsksChunked) {
      contentLength = length.get();
      request.putHeader(HttpHeaders.CONTENT_LENGTH, Long.toString(contentLength));
    } else {
      request.setChunked(true);
    }
    request.exceptionHandler(error -> fail(transportFailure(error)));
    request.response().onComplete(response -> {
      if (response.succeeded()) {
        onResponse(response.result());
      } else {
        fail(transportFailure(response.cause()));
      }
    });
    touch();
    scheduleReadTimeout(readTimeoutNanos);
    requestBody = new RequestBodyWriter(context, request, this);
    sdkRequest.requestContentPublisher().subscribe(requestBody);
  }

  private void onResponse(HttpClientResponse response) {
    if (finished) {
      return;
    }
    response.pause();
    touch();
    responseBody = new ResponseBodyPublisher(context, response, this);
    response.handler(chunk -> {
      touch();
      responseBody.deliver(chunk);
    });
    response.endHandler(v -> succeed());
    response.exceptionHandler(error -> fail(transportFailure(error)));
    try {
      responseHandler.onHeaders(head(response));
      responseHandler.onStream(responseBody);
    } catch (RuntimeException e) {
      fail(e);
    }
  }

  /** Some bytes moved: the read timeout counts from now. */
  void touch() {
    lastActivityNanos = System.nanoTime();
  }

  /** The response ended: the SDK has (or will get, on subscribing) every byte. */
  private void succeed() {
    if (finished) {
      return;
    }
    finished = true;
    cancelReadTimeout();
    if (requestBody != null && !requestBody.isComplete()) {
      requestBody.cancel();
      if (contentLength >= 0 && requestBody.written() == contentLength) {
        // Every byte was sent and the server answered before the SDK's publisher said it was done (S3
        // answers a PutObject as its last bytes arrive): the request is ended as it is.
        request.end();
      } else {
        // The server answered before reading the whole body (an early error): the connection is
        // unusable. Closed, not reset: a reset after the response has ended leaves Vert.x handing the
        // connection, its request half-written, to the next request.
        request.connection().close();
      }
    }
    responseBody.complete();
    completion.complete(null);
  }

  /** Fails the exchange: resets the request and tells the SDK, once. */
  void fail(Throwable cause) {
    if (finished) {
      return;
    }
    finished = true;
    stop(cause);
    if (responseBody != null) {
      responseBody.fail(cause);
    }
    try {
      responseHandler.onError(cause);
    } finally {
      completion.completeExceptionally(cause);
    }
  }

  /** The SDK gave up on this request (cancelled the future, attempt timeout): reset it, tell nobody but the body's subscriber. */
  void abandon(Throwable reason) {
    if (finished) {
      return;
    }
    finished = true;
    stop(reason);
    if (responseBody != null) {
      responseBody.fail(reason);
    }
  }

  /** The response body's subscriber cancelled: the rest of the body is not wanted. */
  void responseBodyCancelled() {
    if (finished) {
      return;
    }
    finished = true;
    stop(null);
    completion.complete(null);
  }

  private void stop(Throwable cause) {
    cancelReadTimeout();
    if (requestBody != null) {
      requestBody.cancel();
    }
    if (request != null) {
      if (cause == null) {
        request.reset();
      } else {
        request.reset(0, cause);
      }
    }
  }

  private void scheduleReadTimeout(long delayNanos) {
    long delayMillis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(delayNanos));
    readTimer = context.owner().setTimer(delayMillis, id -> onReadTimer());
  }

  private void onReadTimer() {
    readTimer = -1;
    if (finished) {
      return;
    }
    long now = System.nanoTime();
    if (responseBody != null && responseBody.awaitsSubscriberDemand()) {
      // A consumer that reads slowly is not a server that does not answer.
      lastActivityNanos = now;
    }
    long idle = now - lastActivityNanos;
    if (idle >= readTimeoutNanos) {
      fail(new SocketTimeoutException("no data from " + origin() + " for " + TimeUnit.NANOSECONDS.toMillis(readTimeoutNanos)
          + " ms (aws.http.readTimeoutMillis) on " + sdkRequest.request().method() + " " + sdkRequest.request().encodedPath()));
    } else {
      scheduleReadTimeout(readTimeoutNanos - idle);
    }
  }

  private void cancelReadTimeout() {
    if (readTimer >= 0) {
      context.owner().cancelTimer(readTimer);
      readTimer = -1;
    }
  }

  /** The SDK retries I/O failures: a Vert.x transport error that is not an IOException is wrapped in one. */
  Throwable transportFailure(Throwable error) {
    if (error instanceof IOException) {
      return error;
    }
    return new IOException("HTTP exchange with " + origin() + " failed: " + error, error);
  }

  private String origin() {
    SdkHttpRequest sdk = sdkRequest.request();
    return sdk.protocol() + "://" + sdk.host() + ":" + sdk.port();
  }

  private static String pathAndQuery(SdkHttpRequest sdk) {
    String path = sdk.encodedPath() == null || sdk.encodedPath().isEmpty() ? "/" : sdk.encodedPath();
    return sdk.encodedQueryParameters().map(query -> path + "?" + query).orElse(path);
  }

  private static SdkHttpResponse head(HttpClientResponse response) {
    SdkHttpFullResponse.Builder head = SdkHttpFullResponse.builder()
        .statusCode(response.statusCode())
        .statusText(response.statusMessage());
    response.headers().forEach(header -> head.appendHeader(header.getKey(), header.getValue()));
    return head.build();
  }
}
