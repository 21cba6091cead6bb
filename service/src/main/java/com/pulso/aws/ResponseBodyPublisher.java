package com.pulso.aws;

import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import java.nio.ByteBuffer;
import java.util.Objects;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

/**
 * The response body as the SDK reads it: a single-subscriber Reactive Streams publisher over the
 * paused Vert.x response, where the subscriber's demand becomes {@code fetch(n)}. Every signal is
 * sent from the client's context, so signals are serialized; a terminal state reached before the
 * subscriber arrives is delivered right after {@code onSubscribe}.
 */
final class ResponseBodyPublisher implements Publisher<ByteBuffer> {

  private final Context context;
  private final HttpClientResponse response;
  private final SdkHttpExchange exchange;

  // Confined to the context.
  private Subscriber<? super ByteBuffer> subscriber;
  private long demand;
  private boolean cancelled;
  private boolean ended;
  private Throwable failure;
  private boolean terminated;

  ResponseBodyPublisher(Context context, HttpClientResponse response, SdkHttpExchange exchange) {
    this.context = context;
    this.response = response;
    this.exchange = exchange;
  }

  @Override
  public void subscribe(Subscriber<? super ByteBuffer> s) {
    Objects.requireNonNull(s, "subscriber");
    context.runOnContext(v -> attach(s));
  }

  private void attach(Subscriber<? super ByteBuffer> s) {
    if (subscriber != null) {
      s.onSubscribe(new Subscription() {
        @Override public void request(long n) {}
        @Override public void cancel() {}
      });
      s.onError(new IllegalStateException("an HTTP response body can be subscribed to only once"));
      return;
    }
    subscriber = s;
    s.onSubscribe(new Subscription() {
      @Override
      public void request(long n) {
        context.runOnContext(v -> onRequest(n));
      }

      @Override
      public void cancel() {
        context.runOnContext(v -> onCancel());
      }
    });
    if (failure != null) {
      signalError(failure);
    } else if (ended) {
      signalComplete();
    }
  }

  private void onRequest(long n) {
    if (cancelled || terminated) {
      return;
    }
    if (n <= 0) {
      // Reactive Streams §3.9.
      exchange.fail(new IllegalArgumentException("the response body subscriber requested " + n + " items (§3.9)"));
      return;
    }
    demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
    response.fetch(n);
  }

  private void onCancel() {
    if (!cancelled && !terminated) {
      cancelled = true;
      exchange.responseBodyCancelled();
    }
  }

  /** A chunk arrived from Vert.x, which delivers only as many as were fetched. */
  void deliver(Buffer chunk) {
    if (cancelled || terminated) {
      return;
    }
    demand--;
    try {
      subscriber.onNext(ByteBuffer.wrap(chunk.getBytes()));
    } catch (RuntimeException e) {
      // §2.13: a subscriber that throws is treated as cancelled; the exchange reports the failure.
      cancelled = true;
      exchange.fail(e);
    }
  }

  void complete() {
    ended = true;
    if (subscriber != null) {
      signalComplete();
    }
  }

  void fail(Throwable cause) {
    failure = cause;
    if (subscriber != null) {
      signalError(cause);
    }
  }

  /** True while the body is not over and nobody asked for more of it: the reader, not the server, sets the pace. */
  boolean awaitsSubscriberDemand() {
    return !ended && failure == null && demand == 0;
  }

  private void signalComplete() {
    if (!cancelled && !terminated) {
      terminated = true;
      subscriber.onComplete();
    }
  }

  private void signalError(Throwable cause) {
    if (!cancelled && !terminated) {
      terminated = true;
      subscriber.onError(cause);
    }
  }
}
