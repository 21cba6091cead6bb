package com.pulso.aws;

import static org.assertj.core.api.Assertions.assertThat;

import com.pulso.config.ConfigLoader;
import com.pulso.config.PulsoConfig;
import com.pulso.testing.TestServices;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link AwsClients#call}: an SDK future completed on the SDK's own threads comes back on the
 * caller's Vert.x context. The SDK call is stood in for by a future, so nothing leaves the JVM.
 */
@ExtendWith(VertxExtension.class)
class AwsClientsCallTest {

  private final ExecutorService sdkThreads = Executors.newCachedThreadPool();
  private AwsClients clients;

  @BeforeEach
  void createClients(Vertx vertx) {
    PulsoConfig config = ConfigLoader.load(TestServices.home().resolve("conf"), Map.of("PULSO_PROFILE", "local"));
    clients = new AwsClients(vertx, config, new SimpleMeterRegistry());
  }

  @AfterEach
  void closeClients() {
    try {
      clients.close();
    } finally {
      sdkThreads.shutdownNow();
    }
  }

  @Test
  void callCompletesOnTheCallersContext(Vertx vertx, VertxTestContext test) {
    Context caller = vertx.getOrCreateContext();

    caller.runOnContext(v -> clients.call(() -> CompletableFuture.supplyAsync(() -> "answer", sdkThreads))
        .onComplete(test.succeeding(answer -> test.verify(() -> {
          assertThat(Vertx.currentContext()).isSameAs(caller);
          assertThat(answer).isEqualTo("answer");
          test.completeNow();
        }))));
  }

  @Test
  void callFailsOnTheCallersContextWithTheUnwrappedCause(Vertx vertx, VertxTestContext test) {
    Context caller = vertx.getOrCreateContext();
    IllegalStateException refusal = new IllegalStateException("refused");

    caller.runOnContext(v -> clients.<String>call(() -> CompletableFuture.supplyAsync(() -> {
          throw refusal;
        }, sdkThreads))
        .onComplete(test.failing(error -> test.verify(() -> {
          assertThat(Vertx.currentContext()).isSameAs(caller);
          assertThat(error).isSameAs(refusal);
          test.completeNow();
        }))));
  }
}
