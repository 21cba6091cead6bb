package com.pulso.devservices;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.pulso.config.ConfigException;
import com.pulso.config.ConfigLoader;
import com.pulso.config.PulsoConfig;
import com.pulso.testing.TestServices;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DevServicesStartFailureTest {

  @TempDir
  Path dataDir;

  @Test
  void whenOneServiceCannotStartTheOthersAreStopped() throws Exception {
    try (ServerSocket takenS3Port = new ServerSocket(34579, 1, InetAddress.getByName("127.0.0.1"))) {
      PulsoConfig config = config(Map.of(ConfigLoader.envName("aws.endpoints.s3"), "http://127.0.0.1:34579"));

      assertThatThrownBy(() -> DevServices.start(config))
          .hasMessageContaining("dev services did not start")
          .hasMessageContaining("S3 (s3proxy) did not start on 127.0.0.1:34579");
    }
    assertThat(ProcessHandle.allProcesses().filter(p -> LocalProcess.isRunning(p.pid()))
        .map(p -> p.info().commandLine().orElse(""))
        .filter(command -> command.contains(dataDir.toString()) || command.contains("--kinesis-port 34577")))
        .isEmpty();
  }

  @Test
  void anEndpointThatIsNotLoopbackIsRefusedBeforeAnythingStarts() {
    PulsoConfig config = config(Map.of(ConfigLoader.envName("aws.endpoints.kinesis"), "https://kinesis.example.com"));

    assertThatThrownBy(() -> DevServices.start(config))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("aws.endpoints.kinesis");
  }

  @Test
  void aHostNameIsRefusedEvenWhenItWouldResolveToLoopback() {
    PulsoConfig config = config(Map.of(ConfigLoader.envName("database.host"), "pulso-db.localtest.me"));

    assertThatThrownBy(() -> DevServices.start(config))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("database.host")
        .hasMessageContaining("names are not resolved");
  }

  private PulsoConfig config(Map<String, String> overrides) {
    Map<String, String> env = new HashMap<>(Map.of(
        ConfigLoader.envName("database.port"), "35452",
        ConfigLoader.envName("aws.endpoints.kinesis"), "http://127.0.0.1:34577",
        ConfigLoader.envName("aws.endpoints.dynamodb"), "http://127.0.0.1:34578",
        ConfigLoader.envName("aws.endpoints.s3"), "http://127.0.0.1:34579",
        ConfigLoader.envName("devServices.dataDir"), dataDir.toString(),
        ConfigLoader.envName("devServices.emulatorsDir"), TestServices.home().resolve("dev").toString()));
    env.putAll(overrides);
    return ConfigLoader.load(TestServices.home().resolve("conf"), env);
  }
}
