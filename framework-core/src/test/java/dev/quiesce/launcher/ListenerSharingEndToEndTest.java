package dev.quiesce.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.testing.JvmProcess;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher prefers the native epoll transport, so listeners can share their ports with a successor
 * (SO_REUSEPORT); the start line says which transport runs, whether ports are shared (or why not) and
 * what {@code net.ipv4.tcp_migrate_req} means for an upgrade.
 */
@Tag("e2e")
class ListenerSharingEndToEndTest {

  private static final Duration START = Duration.ofSeconds(30);
  private static final String STARTED = "quiesce started pid=(\\d+)";

  @TempDir
  Path dir;

  private JvmProcess start(String... jvmArgs) throws IOException {
    Path file = dir.resolve("config.json");
    Files.writeString(file, new JsonObject().put("lifecycle", new JsonObject().put("shutdownTimeout", "5s")
        .put("signals", new JsonObject().put("USR1", "upgrade"))).encode());
    return JvmProcess.start(dir, List.of(jvmArgs), TestApplication.class.getName(),
        List.of("--config", file.toString()), Map.of());
  }

  private static String tcpMigrateReq() throws IOException {
    Path setting = Path.of("/proc/sys/net/ipv4/tcp_migrate_req");
    return Files.exists(setting) ? Files.readString(setting).strip() : "unknown";
  }

  @Test
  void theStartLineSaysTheNativeTransportSharesPortsAndWhatTcpMigrateReqIs() throws Exception {
    try (JvmProcess app = start()) {
      app.awaitLine(STARTED, START);
      assertThat(app.output()).contains("signals: TERM->stop INT->stop HUP->reload USR1->upgrade; ")
          .contains("transport=epoll reusePort=on tcp_migrate_req=" + tcpMigrateReq())
          .doesNotContain("upgrade refused");
      assertThat(app.stop("TERM", Duration.ofSeconds(20)).code()).isEqualTo(ExitCodes.GRACEFUL);
    }
  }

  @Test
  void withoutTheNativeTransportTheStartLineSaysWhyAndAnUpgradeIsRefusedSayingSo() throws Exception {
    try (JvmProcess app = start("-Dio.netty.transport.noNative=true")) {
      app.awaitLine(STARTED, START);
      assertThat(app.output()).contains("transport=nio reusePort=off (the native epoll transport is not in use (")
          .contains("noNative=true").contains("): upgrade refused tcp_migrate_req=" + tcpMigrateReq());

      app.signal("USR1");

      app.awaitLine("upgrade \\(signal SIGUSR1\\) refused: upgrade refused: the native epoll transport is not in use",
          START);
      assertThat(app.output()).doesNotContain("starting the successor");
      assertThat(app.stop("TERM", Duration.ofSeconds(20)).code()).isEqualTo(ExitCodes.GRACEFUL);
    }
  }
}
