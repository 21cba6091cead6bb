package com.pulso.aws;

import static org.assertj.core.api.Assertions.assertThat;

import com.pulso.config.PulsoConfig;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The factory's decisions that cross no boundary: which endpoint is an emulator, how long an attempt may take. */
class AwsClientsTest {

  @Test
  void loopbackEndpointsAreEmulators() {
    assertThat(AwsClients.isEmulator(URI.create("http://127.0.0.1:4567"))).isTrue();
    assertThat(AwsClients.isEmulator(URI.create("http://127.8.9.10:4567"))).isTrue();
    assertThat(AwsClients.isEmulator(URI.create("http://localhost:4568"))).isTrue();
    assertThat(AwsClients.isEmulator(URI.create("http://LOCALHOST:4568"))).isTrue();
    assertThat(AwsClients.isEmulator(URI.create("http://[::1]:4569"))).isTrue();
  }

  @Test
  void realAndNonLoopbackEndpointsAreNotEmulators() {
    assertThat(AwsClients.isEmulator(null)).isFalse();
    assertThat(AwsClients.isEmulator(URI.create("https://kinesis.us-east-1.amazonaws.com"))).isFalse();
    assertThat(AwsClients.isEmulator(URI.create("http://10.0.0.7:4566"))).isFalse();
    assertThat(AwsClients.isEmulator(URI.create("http://128.0.0.1:4566"))).isFalse();
    assertThat(AwsClients.isEmulator(URI.create("http://localhost.example.com:4566"))).isFalse();
    assertThat(AwsClients.isEmulator(URI.create("http://[2001:db8::1]:4566"))).isFalse();
  }

  @Test
  void anAttemptGetsAConnectAndAReadTimeoutWithinTheCallBudget() {
    PulsoConfig.AwsHttp roomy = new PulsoConfig.AwsHttp(64, Duration.ofSeconds(3), Duration.ofSeconds(15), Duration.ofSeconds(30), 3);
    PulsoConfig.AwsHttp tight = new PulsoConfig.AwsHttp(64, Duration.ofSeconds(3), Duration.ofSeconds(15), Duration.ofSeconds(10), 3);

    assertThat(AwsClients.attemptTimeout(roomy)).isEqualTo(Duration.ofSeconds(18));
    assertThat(AwsClients.attemptTimeout(tight)).isEqualTo(Duration.ofSeconds(10));
  }
}
