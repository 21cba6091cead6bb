package com.pulso.aws;

import static com.pulso.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.pulso.config.PulsoConfig;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.SelfSignedCertificate;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.junit5.VertxExtension;
import java.io.ByteArrayOutputStream;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.http.async.AsyncExecuteRequest;
import software.amazon.awssdk.http.async.SdkAsyncHttpResponseHandler;
import software.amazon.awssdk.http.async.SdkHttpContentPublisher;
import software.amazon.awssdk.utils.async.SimplePublisher;

/**
 * The adapter against a real Vert.x HTTP server started here: the SDK's side of the interface is
 * driven exactly as the SDK drives it (a request publisher in, a handler and a subscriber out).
 */
@ExtendWith(VertxExtension.class)
class VertxSdkHttpClientTest {

  private static final int MIB = 1024 * 1024;
  /** Liveness bound for waits, never an assertion on duration. */
  private static final long WAIT_SECONDS = 60;

  private final Map<String, ReceivedUpload> uploads = new ConcurrentHashMap<>();
  private final Promise<Void> silentRequestArrived = Promise.promise();
  private final Promise<Void> silentConnectionClosed = Promise.promise();
  private final ExecutorService sdkThreads = Executors.newCachedThreadPool();
  private HttpServer server;
  private VertxSdkHttpClient client;

  record ReceivedUpload(byte[] body, String transferEncoding, String contentLength) {}

  record Received(SdkHttpResponse head, byte[] body) {}

  /** What the SDK holds: the execute future and, through its handler, the response. */
  record Call(CompletableFuture<Void> execution, CompletableFuture<Received> response) {}

  @BeforeEach
  void startServer(Vertx vertx) throws Exception {
    server = await(vertx.createHttpServer().requestHandler(this::serve).listen(0, "127.0.0.1"));
  }

  @AfterEach
  void stop() throws Exception {
    if (client != null) {
      client.close();
    }
    sdkThreads.shutdownNow();
    await(server.close());
  }

  @Test
  void streamedRequestBodyWithContentLengthArrivesByteIdentical(Vertx vertx) throws Exception {
    client = client(vertx, Duration.ofSeconds(30));
    byte[] body = randomBytes(5 * MIB, 1);

    Received response = execute(put("/upload/sized").putHeader("Content-Length", Integer.toString(body.length)).build(),
        manyChunks(body, 16 * 1024, true)).response().get(WAIT_SECONDS, TimeUnit.SECONDS);

    assertThat(response.head().statusCode()).isEqualTo(200);
    ReceivedUpload upload = uploads.get("sized");
    assertThat(upload.body()).isEqualTo(body);
    assertThat(upload.contentLength()).isEqualTo(Integer.toString(body.length));
    assertThat(upload.transferEncoding()).isNull();
  }

  /**
   * The server has every byte of the body and answers before the SDK's publisher says it is complete
   * (S3 answering a PutObject as its last bytes arrive): the request is ended as it is, and the
   * connection carries the next request (it was once handed back half-written, and the next request on
   * it failed: "unexpected message type: VertxFullHttpRequest, state: 1").
   */
  @Test
  void anAnswerBeforeThePublisherCompletesLeavesTheConnectionFitForTheNextRequest(Vertx vertx) throws Exception {
    client = new VertxSdkHttpClient(vertx, new PulsoConfig.AwsHttp(1, Duration.ofSeconds(3), Duration.ofSeconds(30),
        Duration.ofSeconds(60), 0));
    for (int i = 0; i < 5; i++) {
      byte[] body = randomBytes(64 * 1024, 10 + i);
      SdkHttpContentPublisher lateCompletion = contentPublisher(subscriber -> {
        SimplePublisher<ByteBuffer> publisher = new SimplePublisher<>();
        publisher.subscribe(subscriber);
        sdkThreads.execute(() -> {
          publisher.send(ByteBuffer.wrap(body)).join();
          try {
            Thread.sleep(300); // the answer arrives meanwhile
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          publisher.complete();
        });
      }, Optional.of((long) body.length));
      Received late = execute(put("/upload/late-" + i).putHeader("Content-Length", Integer.toString(body.length)).build(),
          lateCompletion).response().get(WAIT_SECONDS, TimeUnit.SECONDS);
      assertThat(late.head().statusCode()).isEqualTo(200);
      assertThat(uploads.get("late-" + i).body()).isEqualTo(body);

      byte[] next = randomBytes(1024, 20 + i);
      Received following = execute(put("/upload/next-" + i).putHeader("Content-Length", "1024").build(), single(next))
          .response().get(WAIT_SECONDS, TimeUnit.SECONDS);
      assertThat(following.head().statusCode()).isEqualTo(200);
      assertThat(uploads.get("next-" + i).body()).isEqualTo(next);
    }
  }

  /** Refused before its body was read (a 413 on the head): that connection is closed, the next request gets another. */
  @Test
  void anEarlyAnswerToAHalfSentBodyLeavesTheNextRequestAWorkingConnection(Vertx vertx) throws Exception {
    client = new VertxSdkHttpClient(vertx, new PulsoConfig.AwsHttp(1, Duration.ofSeconds(3), Duration.ofSeconds(30),
        Duration.ofSeconds(60), 0));
    byte[] body = randomBytes(8 * MIB, 3);
    Received refused = execute(put("/refuse").putHeader("Content-Length", Integer.toString(body.length)).build(),
        manyChunks(body, 16 * 1024, true)).response().get(WAIT_SECONDS, TimeUnit.SECONDS);
    assertThat(refused.head().statusCode()).isEqualTo(413);

    byte[] next = randomBytes(1024, 4);
    Received following = execute(put("/upload/after-refusal").putHeader("Content-Length", "1024").build(), single(next))
        .response().get(WAIT_SECONDS, TimeUnit.SECONDS);
    assertThat(following.head().statusCode()).isEqualTo(200);
    assertThat(uploads.get("after-refusal").body()).isEqualTo(next);
  }

  @Test
  void streamedRequestBodyOfUnknownLengthIsSentChunkedAndArrivesByteIdentical(Vertx vertx) throws Exception {
    client = client(vertx, Duration.ofSeconds(30));
    byte[] body = randomBytes(5 * MIB, 2);

    execute(put("/upload/unsized").build(), manyChunks(body, 10_000, false)).response().get(WAIT_SECONDS, TimeUnit.SECONDS);

    ReceivedUpload upload = uploads.get("unsized");
    assertThat(upload.body()).isEqualTo(body);
    assertThat(upload.transferEncoding()).isEqualToIgnoringCase("chunked");
  }

  @Test
  void streamedResponseBodyArrivesByteIdentical(Vertx vertx) throws Exception {
    client = client(vertx, Duration.ofSeconds(30));

    Received response = execute(get("/download/" + 5 * MIB), empty()).response().get(WAIT_SECONDS, TimeUnit.SECONDS);

    assertThat(response.head().statusCode()).isEqualTo(200);
    assertThat(response.head().firstMatchingHeader("x-pulso-test")).contains("download");
    assertThat(response.body()).isEqualTo(randomBytes(5 * MIB, 5 * MIB));
  }

  @Test
  void twoHundredConcurrentRequestsAllSucceedOverTheBoundedPool(Vertx vertx) throws Exception {
    client = client(vertx, Duration.ofSeconds(30));
    List<CompletableFuture<Received>> responses = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      byte[] body = ("request " + i).getBytes(StandardCharsets.UTF_8);
      responses.add(execute(post("/echo").putHeader("Content-Length", Integer.toString(body.length)).build(),
          single(body)).response());
    }

    for (int i = 0; i < 200; i++) {
      Received response = responses.get(i).get(WAIT_SECONDS, TimeUnit.SECONDS);
      assertThat(response.head().statusCode()).isEqualTo(200);
      assertThat(new String(response.body(), StandardCharsets.UTF_8)).isEqualTo("request " + i);
    }
  }

  @Test
  void serverThatNeverAnswersFailsTheCallWithAReadTimeout(Vertx vertx) throws Exception {
    client = client(vertx, Duration.ofMillis(300));

    Call call = execute(get("/silent"), empty());

    assertThatThrownBy(() -> call.response().get(WAIT_SECONDS, TimeUnit.SECONDS))
        .hasCauseInstanceOf(SocketTimeoutException.class)
        .hasMessageContaining("aws.http.readTimeoutMillis");
    assertThatThrownBy(() -> call.execution().get(WAIT_SECONDS, TimeUnit.SECONDS))
        .hasCauseInstanceOf(SocketTimeoutException.class);
    await(silentConnectionClosed.future());
  }

  @Test
  void cancellingTheFutureResetsTheRequest(Vertx vertx) throws Exception {
    client = client(vertx, Duration.ofSeconds(30));
    Call call = execute(get("/silent"), empty());
    await(silentRequestArrived.future());

    call.execution().cancel(true);

    await(silentConnectionClosed.future());
    assertThat(call.execution()).isCancelled();
  }

  @Test
  void readTimeoutDoesNotFireWhileTheReaderHoldsBackDemand(Vertx vertx) throws Exception {
    // A read timeout long enough not to fire before the first bytes on a loaded machine, and a reader
    // that asks for the first chunk only after three read timeouts' worth of waiting.
    Duration readTimeout = Duration.ofSeconds(2);
    client = client(vertx, readTimeout);
    CompletableFuture<Received> response = new CompletableFuture<>();
    SlowReader reader = new SlowReader(vertx, readTimeout.multipliedBy(3).toMillis(), response);

    client.execute(AsyncExecuteRequest.builder().request(get("/download/" + MIB)).requestContentPublisher(empty())
        .responseHandler(reader).build());

    assertThat(response.get(WAIT_SECONDS, TimeUnit.SECONDS).body()).isEqualTo(randomBytes(MIB, MIB));
  }

  @Test
  void responseBodyRefusesASecondSubscriber(Vertx vertx) throws Exception {
    client = client(vertx, Duration.ofSeconds(30));
    CompletableFuture<Publisher<ByteBuffer>> stream = new CompletableFuture<>();
    client.execute(AsyncExecuteRequest.builder().request(get("/download/10")).requestContentPublisher(empty())
        .responseHandler(new SdkAsyncHttpResponseHandler() {
          @Override public void onHeaders(SdkHttpResponse headers) {}
          @Override public void onStream(Publisher<ByteBuffer> publisher) {
            stream.complete(publisher);
          }
          @Override public void onError(Throwable error) {
            stream.completeExceptionally(error);
          }
        }).build());
    Publisher<ByteBuffer> publisher = stream.get(WAIT_SECONDS, TimeUnit.SECONDS);
    CompletableFuture<Received> first = new CompletableFuture<>();
    CompletableFuture<Received> second = new CompletableFuture<>();

    new CollectingHandler(first).onStream(publisher);
    new CollectingHandler(second).onStream(publisher);

    assertThat(first.get(WAIT_SECONDS, TimeUnit.SECONDS).body()).isEqualTo(randomBytes(10, 10));
    assertThatThrownBy(() -> second.get(WAIT_SECONDS, TimeUnit.SECONDS)).hasCauseInstanceOf(IllegalStateException.class);
  }

  @Test
  void httpsToACertificateTheJvmDoesNotTrustIsRefused(Vertx vertx) throws Exception {
    SelfSignedCertificate certificate = SelfSignedCertificate.create("localhost");
    HttpServer tls = await(vertx.createHttpServer(new HttpServerOptions().setSsl(true).setKeyCertOptions(certificate.keyCertOptions()))
        .requestHandler(request -> request.response().end("secret"))
        .listen(0, "127.0.0.1"));
    try {
      client = client(vertx, Duration.ofSeconds(30));
      SdkHttpRequest request = SdkHttpRequest.builder().protocol("https").host("localhost").port(tls.actualPort())
          .encodedPath("/").method(SdkHttpMethod.GET).build();

      Call call = execute(request, empty());

      assertThatThrownBy(() -> call.response().get(WAIT_SECONDS, TimeUnit.SECONDS))
          .hasRootCauseInstanceOf(java.security.cert.CertPathBuilderException.class);
    } finally {
      await(tls.close());
      certificate.delete();
    }
  }

  // --- the server -------------------------------------------------------------------------------

  private void serve(HttpServerRequest request) {
    String path = request.path();
    if (path.startsWith("/upload/")) {
      String id = path.substring("/upload/".length());
      String transferEncoding = request.getHeader("Transfer-Encoding");
      String contentLength = request.getHeader("Content-Length");
      request.body().onSuccess(body -> {
        uploads.put(id, new ReceivedUpload(body.getBytes(), transferEncoding, contentLength));
        request.response().end("stored");
      });
    } else if (path.startsWith("/download/")) {
      int size = Integer.parseInt(path.substring("/download/".length()));
      request.response().putHeader("x-pulso-test", "download").end(Buffer.buffer(randomBytes(size, size)));
    } else if (path.equals("/echo")) {
      request.body().onSuccess(body -> request.response().end(body));
    } else if (path.equals("/refuse")) {
      request.response().setStatusCode(413).end();
    } else if (path.equals("/silent")) {
      request.connection().closeHandler(v -> silentConnectionClosed.tryComplete());
      silentRequestArrived.tryComplete();
    } else {
      request.response().setStatusCode(404).end();
    }
  }

  // --- the SDK's side ---------------------------------------------------------------------------

  private VertxSdkHttpClient client(Vertx vertx, Duration readTimeout) {
    return new VertxSdkHttpClient(vertx,
        new PulsoConfig.AwsHttp(16, Duration.ofSeconds(3), readTimeout, Duration.ofSeconds(60), 0));
  }

  private SdkHttpRequest.Builder request(SdkHttpMethod method, String path) {
    return SdkHttpRequest.builder().protocol("http").host("127.0.0.1").port(server.actualPort())
        .encodedPath(path).method(method);
  }

  private SdkHttpRequest get(String path) {
    return request(SdkHttpMethod.GET, path).build();
  }

  private SdkHttpRequest.Builder put(String path) {
    return request(SdkHttpMethod.PUT, path);
  }

  private SdkHttpRequest.Builder post(String path) {
    return request(SdkHttpMethod.POST, path);
  }

  private Call execute(SdkHttpRequest request, SdkHttpContentPublisher body) {
    CompletableFuture<Received> response = new CompletableFuture<>();
    CompletableFuture<Void> execution = client.execute(AsyncExecuteRequest.builder()
        .request(request)
        .requestContentPublisher(body)
        .responseHandler(new CollectingHandler(response))
        .build());
    return new Call(execution, response);
  }

  /** A body published from other threads in many chunks, each sent only once the previous was taken. */
  private SdkHttpContentPublisher manyChunks(byte[] body, int chunkSize, boolean lengthKnown) {
    return contentPublisher(subscriber -> {
      SimplePublisher<ByteBuffer> publisher = new SimplePublisher<>();
      publisher.subscribe(subscriber);
      sdkThreads.execute(() -> {
        for (int offset = 0; offset < body.length; offset += chunkSize) {
          int end = Math.min(body.length, offset + chunkSize);
          publisher.send(ByteBuffer.wrap(body, offset, end - offset)).join();
        }
        publisher.complete();
      });
    }, lengthKnown ? Optional.of((long) body.length) : Optional.empty());
  }

  private static SdkHttpContentPublisher single(byte[] body) {
    AsyncRequestBody bytes = AsyncRequestBody.fromBytes(body);
    return contentPublisher(bytes, bytes.contentLength());
  }

  private static SdkHttpContentPublisher empty() {
    return single(new byte[0]);
  }

  private static SdkHttpContentPublisher contentPublisher(Publisher<ByteBuffer> publisher, Optional<Long> length) {
    return new SdkHttpContentPublisher() {
      @Override
      public Optional<Long> contentLength() {
        return length;
      }

      @Override
      public void subscribe(Subscriber<? super ByteBuffer> subscriber) {
        publisher.subscribe(subscriber);
      }
    };
  }

  /** Reads the response as the SDK does, asking for one chunk at a time. */
  private static final class CollectingHandler implements SdkAsyncHttpResponseHandler {
    private final CompletableFuture<Received> result;
    private volatile SdkHttpResponse head;

    CollectingHandler(CompletableFuture<Received> result) {
      this.result = result;
    }

    @Override
    public void onHeaders(SdkHttpResponse headers) {
      head = headers;
    }

    @Override
    public void onStream(Publisher<ByteBuffer> stream) {
      stream.subscribe(new Subscriber<>() {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private Subscription subscription;

        @Override
        public void onSubscribe(Subscription s) {
          subscription = s;
          s.request(1);
        }

        @Override
        public void onNext(ByteBuffer chunk) {
          byte[] copy = new byte[chunk.remaining()];
          chunk.get(copy);
          bytes.writeBytes(copy);
          subscription.request(1);
        }

        @Override
        public void onError(Throwable error) {
          result.completeExceptionally(error);
        }

        @Override
        public void onComplete() {
          result.complete(new Received(head, bytes.toByteArray()));
        }
      });
    }

    @Override
    public void onError(Throwable error) {
      result.completeExceptionally(error);
    }
  }

  /** A reader that waits before asking for each chunk, as a consumer busy elsewhere does. */
  private static final class SlowReader implements SdkAsyncHttpResponseHandler {
    private final Vertx vertx;
    private final long pauseMillis;
    private final CompletableFuture<Received> result;
    private volatile SdkHttpResponse head;

    SlowReader(Vertx vertx, long pauseMillis, CompletableFuture<Received> result) {
      this.vertx = vertx;
      this.pauseMillis = pauseMillis;
      this.result = result;
    }

    @Override
    public void onHeaders(SdkHttpResponse headers) {
      head = headers;
    }

    @Override
    public void onStream(Publisher<ByteBuffer> stream) {
      stream.subscribe(new Subscriber<>() {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        @Override
        public void onSubscribe(Subscription s) {
          vertx.setTimer(pauseMillis, id -> s.request(Long.MAX_VALUE));
        }

        @Override
        public void onNext(ByteBuffer chunk) {
          byte[] copy = new byte[chunk.remaining()];
          chunk.get(copy);
          bytes.writeBytes(copy);
        }

        @Override
        public void onError(Throwable error) {
          result.completeExceptionally(error);
        }

        @Override
        public void onComplete() {
          result.complete(new Received(head, bytes.toByteArray()));
        }
      });
    }

    @Override
    public void onError(Throwable error) {
      result.completeExceptionally(error);
    }
  }

  private static byte[] randomBytes(int size, long seed) {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }
}
