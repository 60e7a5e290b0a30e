package dev.quiesce.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.testing.JvmProcess;
import dev.quiesce.testing.NotifyReceiver;
import dev.quiesce.testing.NotifyReceiver.Datagram;
import dev.quiesce.testing.Timing;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher tells a service manager what it does, as systemd's {@code Type=notify-reload} needs:
 * a real JVM running {@link TestApplication} with {@code NOTIFY_SOCKET} pointing at a datagram socket
 * this test reads, the same protocol systemd speaks.
 */
@Tag("e2e")
class SystemdNotifyEndToEndTest {

  private static final Duration START = Duration.ofSeconds(30);

  @TempDir
  Path dir;

  @Test
  void readyOnceBoundReloadingThenReadyStoppingWithTheTimeoutExtendedAndWatchdogPings() throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    Path config = dir.resolve("config.json");
    Files.writeString(config, new JsonObject()
        .put("lifecycle", new JsonObject().put("shutdownTimeout", "6s"))
        .put("testApp", new JsonObject().put("port", port).put("startDelayMs", 300).put("reloadMs", 400)
            .put("drainMs", 2500)).encode());
    try (NotifyReceiver systemd = NotifyReceiver.bind(dir.resolve("notify"));
        JvmProcess app = JvmProcess.start(dir, List.of(), TestApplication.class.getName(),
            List.of("--config", config.toString()),
            Map.of("NOTIFY_SOCKET", systemd.path().toString(), "WATCHDOG_USEC", "1000000"))) {
      // start: STATUS=starting first, READY=1 once the listener is bound
      Datagram ready = systemd.await("READY=1", START, d -> d.has("READY=1"));
      try (Socket probe = new Socket()) {
        probe.connect(new InetSocketAddress("127.0.0.1", port), 2000); // refused if READY came too early
      }
      assertThat(systemd.received().get(0).has("STATUS=starting")).as("%s", systemd.received()).isTrue();
      assertThat(ready.value("STATUS")).contains("running");

      // reload: RELOADING=1 with the monotonic time of its start, READY=1 when it ended
      long beforeReload = System.nanoTime();
      app.signal("HUP");
      Datagram reloading = systemd.await("RELOADING=1", START, d -> d.has("RELOADING=1"));
      long monotonic = Long.parseLong(reloading.value("MONOTONIC_USEC").orElseThrow());
      assertThat(monotonic).isBetween(beforeReload / 1000, reloading.readAtNanos() / 1000);
      Datagram reloaded = systemd.await("READY=1 after the reload", START,
          d -> d.has("READY=1") && d.readAtNanos() > reloading.readAtNanos());
      assertThat((reloaded.readAtNanos() - reloading.readAtNanos()) / 1_000_000).as("the reload takes 400 ms")
          .isGreaterThanOrEqualTo(350);

      // watchdog: WATCHDOG_USEC 1 s, so a ping about every 500 ms
      List<Long> pings = new ArrayList<>();
      systemd.await("five watchdog pings", START, d -> {
        pings.clear();
        systemd.received().stream().filter(p -> p.has("WATCHDOG=1")).forEach(p -> pings.add(p.readAtNanos()));
        return pings.size() >= 5;
      });
      long spanMs = (pings.get(pings.size() - 1) - pings.get(0)) / 1_000_000;
      long meanMs = spanMs / (pings.size() - 1);
      assertThat(meanMs).as("the mean interval of %s pings", pings.size()).isBetween(450L, Timing.upTo(1000L));

      // stop: STOPPING=1, the stop timeout extended at least to the deadline, then the exit
      app.signal("TERM");
      Datagram stopping = systemd.await("STOPPING=1", START, d -> d.has("STOPPING=1"));
      Datagram extended = systemd.await("EXTEND_TIMEOUT_USEC", START,
          d -> d.value("EXTEND_TIMEOUT_USEC").isPresent());
      long deadlineLeftMs = 6000 - (extended.readAtNanos() - stopping.readAtNanos()) / 1_000_000;
      assertThat(Long.parseLong(extended.value("EXTEND_TIMEOUT_USEC").orElseThrow()) / 1000)
          .as("the extension covers what is left of the 6 s deadline").isGreaterThanOrEqualTo(deadlineLeftMs);
      assertThat(extended.value("STATUS").orElseThrow()).startsWith("stopping (SIGTERM): phase ");
      systemd.await("the drain phase in STATUS", START,
          d -> d.value("STATUS").orElse("").contains("phase drain waiting for test-app, "));
      assertThat(app.awaitExit(Duration.ofSeconds(20))).isEqualTo(ExitCodes.GRACEFUL);
      System.out.println("systemd received: " + systemd.received());
      assertThat(systemd.await("STATUS=stopped", START, d -> d.value("STATUS").orElse("").startsWith("stopped"))
          .readAtNanos()).isGreaterThan(stopping.readAtNanos());
    }
  }

  /**
   * The watchdog pings come from an event loop: with a single one, a participant that blocks it for
   * 2.5 s leaves that long without a ping, which is what makes systemd act on a blocked loop.
   */
  @Test
  void aBlockedEventLoopStopsTheWatchdogPings() throws Exception {
    Path config = dir.resolve("config.json");
    Files.writeString(config, new JsonObject()
        .put("lifecycle", new JsonObject().put("shutdownTimeout", "6s"))
        .put("testApp", new JsonObject().put("misbehave", new JsonArray().add(new JsonObject()
            .put("name", "blocker").put("phase", "drain").put("behaviour", "block").put("ms", 2500)))).encode());
    try (NotifyReceiver systemd = NotifyReceiver.bind(dir.resolve("notify"));
        JvmProcess app = JvmProcess.start(dir, List.of("-Dtestapp.eventLoops=1"), TestApplication.class.getName(),
            List.of("--config", config.toString()),
            Map.of("NOTIFY_SOCKET", systemd.path().toString(), "WATCHDOG_USEC", "500000"))) {
      systemd.await("READY=1", START, d -> d.has("READY=1"));
      systemd.await("a watchdog ping", START, d -> d.has("WATCHDOG=1"));
      app.signal("TERM");
      app.awaitLine("TESTAPP blocker unblocked", START);
      assertThat(app.awaitExit(Duration.ofSeconds(20))).isEqualTo(ExitCodes.GRACEFUL);
      List<Long> pings = systemd.received().stream().filter(d -> d.has("WATCHDOG=1")).map(Datagram::readAtNanos)
          .toList();
      long longestGapMs = 0;
      for (int i = 1; i < pings.size(); i++) {
        longestGapMs = Math.max(longestGapMs, (pings.get(i) - pings.get(i - 1)) / 1_000_000);
      }
      assertThat(longestGapMs).as("the longest time without a ping (every 250 ms otherwise)")
          .isGreaterThanOrEqualTo(2000);
    }
  }
}
