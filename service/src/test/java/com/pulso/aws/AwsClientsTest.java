package com.pulso.aws;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.junit.jupiter.api.Test;

/** The factory's decisions that cross no boundary: which endpoint is an emulator. */
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
}
