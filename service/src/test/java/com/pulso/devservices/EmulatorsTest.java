package com.pulso.devservices;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.pulso.testing.TestServices;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmulatorsTest {

  @TempDir
  Path emulatorsDir;

  @Test
  void missingNodeModulesAreInstalledBeforeTheFirstStart() throws IOException {
    copyLauncher();

    try (Emulators emulators = Emulators.start(emulatorsDir, 0, 0)) {
      assertThat(emulatorsDir.resolve("node_modules/kinesalite/package.json")).exists();
      assertThat(emulatorsDir.resolve("node_modules/dynalite/package.json")).exists();
      assertThat(emulators.kinesisPort()).isPositive();
      assertThat(emulators.dynamoDbPort()).isPositive().isNotEqualTo(emulators.kinesisPort());
    }
  }

  @Test
  void aTakenPortFailsTheStartWithTheEmulatorsOwnMessage() throws IOException {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      assertThatThrownBy(() -> Emulators.start(TestServices.home().resolve("dev"), taken.getLocalPort(), 0))
          .hasMessageContaining("emulators did not start")
          .hasMessageContaining("kinesis could not listen on 127.0.0.1:" + taken.getLocalPort())
          .hasMessageContaining("EADDRINUSE");
    }
  }

  @Test
  void closingStopsTheNodeProcess() {
    Emulators emulators = Emulators.start(TestServices.home().resolve("dev"), 0, 0);
    long pid = emulators.pid();
    try {
      assertThat(LocalProcess.isRunning(pid)).isTrue();

      emulators.close();

      assertThat(LocalProcess.isRunning(pid)).isFalse();
    } finally {
      emulators.close(); // again if an assertion failed first: a second close finds node already stopped
    }
  }

  private void copyLauncher() throws IOException {
    Path dev = TestServices.home().resolve("dev");
    for (String file : new String[] {"package.json", "package-lock.json", "emulators.js"}) {
      Files.copy(dev.resolve(file), emulatorsDir.resolve(file));
    }
  }
}
