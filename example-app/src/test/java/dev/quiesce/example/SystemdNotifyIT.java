package dev.quiesce.example;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.launcher.ExitCodes;
import dev.quiesce.testing.JvmProcess;
import dev.quiesce.testing.NotifyReceiver;
import dev.quiesce.testing.NotifyReceiver.Datagram;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped fat jar under a service manager's {@code NOTIFY_SOCKET} (a datagram socket this test
 * binds, the protocol systemd speaks): {@code READY=1} only once the HTTP and management listeners
 * accept connections, {@code STOPPING=1} with the stop timeout extended at a stop, then exit 0.
 */
@Tag("slow")
class SystemdNotifyIT {

  private static final Duration SLOW = Duration.ofSeconds(60);

  @TempDir
  Path dir;

  @Test
  void readyOnlyOnceBothListenersAcceptThenStoppingWithTheTimeoutExtended() throws Exception {
    try (NotifyReceiver systemd = NotifyReceiver.bind(dir.resolve("notify"));
        ExampleAppFixture f = new ExampleAppFixture(dir)) {
      f.env = Map.of("NOTIFY_SOCKET", systemd.path().toString());
      f.start();
      systemd.await("READY=1", SLOW, d -> d.has("READY=1"));
      long readyAt = systemd.received().stream().filter(d -> d.has("READY=1")).findFirst().orElseThrow().readAtNanos();
      for (int port : new int[] {f.httpPort, f.managementPort}) {
        try (Socket probe = new Socket()) {
          probe.connect(new InetSocketAddress("127.0.0.1", port), 2000);
        }
      }
      assertThat(systemd.received()).filteredOn(d -> d.readAtNanos() < readyAt)
          .allMatch(d -> d.lines().equals(List.of("STATUS=starting")), "only STATUS=starting before READY");

      JvmProcess.Exit exit = f.app.stop("TERM", SLOW);
      assertThat(exit.code()).as(f.app.output()).isEqualTo(ExitCodes.GRACEFUL);
      Datagram stopping = systemd.await("STOPPING=1", SLOW, d -> d.has("STOPPING=1"));
      Datagram extended = systemd.await("EXTEND_TIMEOUT_USEC", SLOW, d -> d.value("EXTEND_TIMEOUT_USEC").isPresent());
      assertThat(extended.readAtNanos()).isGreaterThanOrEqualTo(stopping.readAtNanos());
      assertThat(extended.value("STATUS").orElseThrow()).startsWith("stopping (SIGTERM): phase ");
      systemd.await("STATUS=stopped", SLOW, d -> d.value("STATUS").orElse("").equals("stopped: graceful"));
    }
  }
}
