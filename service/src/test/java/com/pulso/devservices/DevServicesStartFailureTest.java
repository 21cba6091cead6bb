package com.pulso.devservices;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.pulso.config.ConfigException;
import com.pulso.config.ConfigLoader;
import com.pulso.config.PulsoConfig;
import com.pulso.testing.TestPorts;
import com.pulso.testing.TestServices;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DevServicesStartFailureTest {

  private static final int KINESIS_PORT = TestPorts.port(34577);
  private static final int S3_PORT = TestPorts.port(34579);

  @TempDir
  Path dataDir;

  @Test
  void whenOneServiceCannotStartTheOthersAreStopped() throws Exception {
    try (ServerSocket takenS3Port = new ServerSocket(S3_PORT, 1, InetAddress.getByName("127.0.0.1"))) {
      PulsoConfig config = config(Map.of(ConfigLoader.envName("aws.endpoints.s3"), "http://127.0.0.1:" + S3_PORT));

      assertThatThrownBy(() -> DevServices.start(config))
          .hasMessageContaining("dev services did not start")
          .hasMessageContaining("S3 (s3proxy) did not start on 127.0.0.1:" + S3_PORT);
    }
    assertThat(ProcessHandle.allProcesses().filter(p -> LocalProcess.isRunning(p.pid()))
        .map(p -> p.info().commandLine().orElse(""))
        .filter(command -> command.contains(dataDir.toString()) || command.contains("--kinesis-port " + KINESIS_PORT)))
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
        ConfigLoader.envName("database.port"), Integer.toString(TestPorts.port(35452)),
        ConfigLoader.envName("aws.endpoints.kinesis"), "http://127.0.0.1:" + KINESIS_PORT,
        ConfigLoader.envName("aws.endpoints.dynamodb"), "http://127.0.0.1:" + TestPorts.port(34578),
        ConfigLoader.envName("aws.endpoints.s3"), "http://127.0.0.1:" + S3_PORT,
        ConfigLoader.envName("devServices.dataDir"), dataDir.toString(),
        ConfigLoader.envName("devServices.emulatorsDir"), TestServices.home().resolve("dev").toString()));
    env.putAll(overrides);
    return ConfigLoader.load(TestServices.home().resolve("conf"), env);
  }
}
