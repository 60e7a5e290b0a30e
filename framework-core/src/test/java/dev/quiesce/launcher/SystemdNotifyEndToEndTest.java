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
      long termAt = System.nanoTime();
      app.signal("TERM");
      app.awaitLine("TESTAPP blocker unblocked", START);
      assertThat(app.awaitExit(Duration.ofSeconds(20))).isEqualTo(ExitCodes.GRACEFUL);
      // the pings came back once the loop was free, before the exit: the longest gap below ends with a
      // ping (read from the datagrams' own times: the test may notice the unblock line late, CI saw it
      // only after every later ping had come)
      List<Long> pings = systemd.received().stream().filter(d -> d.has("WATCHDOG=1")).map(Datagram::readAtNanos)
          .toList();
      int longest = 1;
      for (int i = 1; i < pings.size(); i++) {
        if (pings.get(i) - pings.get(i - 1) > pings.get(longest) - pings.get(longest - 1)) {
          longest = i;
        }
      }
      assertThat((pings.get(longest) - pings.get(longest - 1)) / 1_000_000)
          .as("the longest time without a ping (every 250 ms otherwise)").isGreaterThanOrEqualTo(2000);
      assertThat(pings.get(longest)).as("the block came after TERM").isGreaterThan(termAt);
      for (int i = 1; i < pings.size(); i++) {
        if (i != longest) {
          assertThat((pings.get(i) - pings.get(i - 1)) / 1_000_000).as("a gap outside the block")
              .isLessThanOrEqualTo(Timing.upTo(1000L));
        }
      }
    }
  }

  /**
   * Review finding 5: a second {@code systemctl reload} within {@code lifecycle.signalDebounce} of the
   * first HUP was dropped as a duplicate without a word to systemd, which then waited for
   * {@code RELOADING=1} until its timeout. Each HUP must be answered with {@code RELOADING=1} (its
   * {@code MONOTONIC_USEC} after the signal) and then {@code READY=1}.
   */
  @Test
  void aSecondReloadWithinTheDebounceIsStillAnswered() throws Exception {
    Path config = dir.resolve("config.json");
    Files.writeString(config, new JsonObject()
        .put("lifecycle", new JsonObject().put("signalDebounce", "10s"))
        .put("testApp", new JsonObject().put("reloadMs", 300)).encode());
    try (NotifyReceiver systemd = NotifyReceiver.bind(dir.resolve("notify"));
        JvmProcess app = JvmProcess.start(dir, List.of(), TestApplication.class.getName(),
            List.of("--config", config.toString()), Map.of("NOTIFY_SOCKET", systemd.path().toString()))) {
      systemd.await("READY=1", START, d -> d.has("READY=1"));
      // the second HUP once the first is in (two pending HUPs would be one signal), during its reload
      long firstAt = System.nanoTime();
      app.signal("HUP");
      Datagram first = systemd.await("RELOADING=1 for the first HUP", START,
          d -> d.has("RELOADING=1") && d.readAtNanos() > firstAt);
      long secondAt = System.nanoTime();
      app.signal("HUP");
      Datagram second = systemd.await("RELOADING=1 for the second HUP", START,
          d -> d.has("RELOADING=1") && d.readAtNanos() > first.readAtNanos());
      assertThat(Long.parseLong(first.value("MONOTONIC_USEC").orElseThrow())).isGreaterThanOrEqualTo(firstAt / 1000);
      assertThat(Long.parseLong(second.value("MONOTONIC_USEC").orElseThrow())).isGreaterThanOrEqualTo(secondAt / 1000);
      for (Datagram reloading : List.of(first, second)) {
        systemd.await("READY=1 after " + reloading, START,
            d -> d.has("READY=1") && d.readAtNanos() > reloading.readAtNanos());
      }
      app.awaitLine("caught SIGHUP \\(#2\\) again within the debounce period", START);
      assertThat(systemd.truncated()).isZero();
      assertThat(app.stop("TERM", START).code()).isEqualTo(ExitCodes.GRACEFUL);
    }
  }
}
