package dev.quiesce.launcher.impl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.testing.Await;
import dev.quiesce.testing.NotifyReceiver;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link SystemdNotifier} on a real Vert.x, read by a real datagram socket. */
class SystemdNotifierTest {

  private final Vertx vertx = Vertx.vertx();

  @TempDir
  Path dir;

  @AfterEach
  void close() {
    Await.result(vertx.close());
  }

  @Test
  void withoutNotifySocketNothingIsMadeAndNothingSent() throws Exception {
    try (NotifyReceiver systemd = NotifyReceiver.bind(dir.resolve("notify"))) {
      Future<Void> started = SystemdNotifier.startIfAsked(vertx, Map.of("WATCHDOG_USEC", "100000"));
      assertThat(started.succeeded()).as("done at once, nothing to wait for").isTrue();
      // a watchdog of 100 ms would have pinged about ten times in a second
      Thread.sleep(1000); // NOSONAR: proving silence needs a span of time
      assertThat(systemd.received()).isEmpty();
    }
  }

  @Test
  void aWatchdogMeantForAnotherProcessIsNotPinged() throws Exception {
    try (NotifyReceiver systemd = NotifyReceiver.bind(dir.resolve("notify"))) {
      Await.result(SystemdNotifier.startIfAsked(vertx, Map.of("NOTIFY_SOCKET", systemd.path().toString(),
          "WATCHDOG_USEC", "100000", "WATCHDOG_PID", "1")));
      systemd.await("STATUS=starting", Duration.ofSeconds(5), d -> d.has("STATUS=starting"));
      Thread.sleep(1000); // NOSONAR: proving silence needs a span of time
      assertThat(systemd.received()).noneMatch(d -> d.has("WATCHDOG=1"));
    }
  }
}
