package com.pulso.aws;

import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Objects;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

/**
 * Streams the SDK's request body into a Vert.x request with back-pressure: one chunk is requested at
 * a time, and the next only once the Vert.x write queue has room. Signals arrive on SDK threads and
 * are handled on the client's context, in the order they were sent.
 */
final class RequestBodyWriter implements Subscriber<ByteBuffer> {

  private final Context context;
  private final HttpClientRequest request;
  private final SdkHttpExchange exchange;

  // Confined to the context.
  private Subscription subscription;
  private boolean stopped;
  private boolean complete;
  private long written;

  RequestBodyWriter(Context context, HttpClientRequest request, SdkHttpExchange exchange) {
    this.context = context;
    this.request = request;
    this.exchange = exchange;
  }

  @Override
  public void onSubscribe(Subscription s) {
    Objects.requireNonNull(s, "subscription");
    context.runOnContext(v -> {
      if (subscription != null || stopped) {
        s.cancel();
        return;
      }
      subscription = s;
      s.request(1);
    });
  }

  @Override
  public void onNext(ByteBuffer bytes) {
    Objects.requireNonNull(bytes, "body chunk");
    // Copied on the SDK's thread: the publisher may reuse its buffer once onNext returns.
    byte[] copy = new byte[bytes.remaining()];
    bytes.duplicate().get(copy);
    context.runOnContext(v -> write(Buffer.buffer(copy)));
  }

  @Override
  public void onError(Throwable error) {
    Objects.requireNonNull(error, "error");
    context.runOnContext(v -> {
      if (!stopped) {
        stopped = true;
        exchange.fail(new IOException("the SDK's request body failed: " + error.getMessage(), error));
      }
    });
  }

  @Override
  public void onComplete() {
    context.runOnContext(v -> {
      if (!stopped) {
        stopped = true;
        complete = true;
        request.end().onFailure(exchange::fail);
      }
    });
  }

  /** True once the whole body was handed to Vert.x. */
  boolean isComplete() {
    return complete;
  }

  /** Bytes handed to Vert.x so far. */
  long written() {
    return written;
  }

  /** Stops the flow: the exchange is over. */
  void cancel() {
    if (!stopped) {
      stopped = true;
      if (subscription != null) {
        subscription.cancel();
      }
    }
  }

  private void write(Buffer chunk) {
    if (stopped) {
      return;
    }
    if (chunk.length() > 0) {
      written += chunk.length();
      request.write(chunk).onFailure(error -> exchange.fail(exchange.transportFailure(error)));
      exchange.touch();
    }
    if (request.writeQueueFull()) {
      request.drainHandler(drained -> {
        request.drainHandler(null);
        exchange.touch();
        requestNext();
      });
    } else {
      requestNext();
    }
  }

  private void requestNext() {
    if (!stopped) {
      subscription.request(1);
    }
  }
}
