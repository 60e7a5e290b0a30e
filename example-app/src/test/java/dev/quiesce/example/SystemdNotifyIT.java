package dev.quiesce.example;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.launcher.ExitCodes;
import dev.quiesce.testing.JvmProcess;
import dev.quiesce.testing.NotifyReceiver;
import dev.quiesce.testing.NotifyReceiver.Datagram;
import io.vertx.core.json.JsonObject;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
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
 * accept connections, {@code STOPPING=1} with the stop timeout extended at a stop, then exit 0;
 * {@code RELOADING=1} with {@code MONOTONIC_USEC} then {@code READY=1} at a reload (a failed one's error
 * in {@code STATUS}); at an upgrade the predecessor's {@code MAINPID=} the successor, the successor's
 * {@code READY=1}, and no {@code STOPPING=1} from the predecessor's stop.
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
      startUnder(systemd, f);
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

  @Test
  void aReloadSaysReloadingWithTheMonotonicTimeThenReadyAndAFailedReloadNamesItsErrorInStatus() throws Exception {
    try (NotifyReceiver systemd = NotifyReceiver.bind(dir.resolve("notify"));
        ExampleAppFixture f = new ExampleAppFixture(dir)) {
      startUnder(systemd, f);
      long before = System.nanoTime() / 1000;

      f.app.signal("HUP");

      Datagram reloading = systemd.await("RELOADING=1", SLOW, d -> d.has("RELOADING=1"));
      long monotonic = Long.parseLong(reloading.value("MONOTONIC_USEC").orElseThrow());
      assertThat(monotonic).as("CLOCK_MONOTONIC in µs when the reload began")
          .isBetween(before, reloading.readAtNanos() / 1000);
      Datagram reloaded = systemd.await("READY=1 after the reload", SLOW,
          d -> d.has("READY=1") && d.readAtNanos() > reloading.readAtNanos());
      assertThat(reloaded.value("STATUS")).contains("running");
      f.app.awaitLine("reload done in \\d+ ms", SLOW);

      // the next reload reads a configuration that is not valid: it fails, the service runs on as it was
      JsonObject bad = f.config.copy();
      bad.getJsonObject("lifecycle").put("shutdownTimeout", "soon");
      Files.writeString(dir.resolve("config.json"), bad.encodePrettily());
      f.app.signal("HUP");

      Datagram failed = systemd.await("READY=1 after the failed reload", SLOW,
          d -> d.has("READY=1") && d.readAtNanos() > reloaded.readAtNanos());
      assertThat(failed.value("STATUS").orElseThrow()).startsWith("running; the last reload failed: ")
          .contains("lifecycle.shutdownTimeout");
      assertThat(f.app.stop("TERM", SLOW).code()).isEqualTo(ExitCodes.GRACEFUL);
      systemd.await("STATUS=stopped", SLOW, d -> d.value("STATUS").orElse("").equals("stopped: graceful"));

      // start, reload, failed reload, stop: in this order, each state's message once
      assertThat(systemd.received().stream().flatMap(d -> d.lines().stream())
          .filter(l -> List.of("READY=1", "RELOADING=1", "STOPPING=1").contains(l)))
          .containsExactly("READY=1", "RELOADING=1", "READY=1", "RELOADING=1", "READY=1", "STOPPING=1");
    }
  }

  @Test
  void anUpgradeHandsTheMainPidToTheSuccessorWhichSaysReadyAndThePredecessorSaysNothingMore() throws Exception {
    long successor = -1;
    try (NotifyReceiver systemd = NotifyReceiver.bind(dir.resolve("notify"))) {
      try (ExampleAppFixture f = new ExampleAppFixture(dir)) {
        // no upgrade.command: the successor is started with this JVM's own command line
        f.config.put("upgrade", new JsonObject().put("stateDir", dir.resolve("state").toString()));
        startUnder(systemd, f);

        assertThat(f.command("upgrade").statusCode()).isEqualTo(202);

        successor = Long.parseLong(f.app.awaitLine("upgrade: successor pid (\\d+) is ready", SLOW).group(1));
        long pid = successor;
        Datagram mainPid = systemd.await("MAINPID= the successor", SLOW, d -> d.has("MAINPID=" + pid));
        assertThat(mainPid.value("STATUS")).contains("upgraded: pid " + pid + " took over");
        assertThat(f.app.awaitExit(SLOW)).as(f.app.output()).isEqualTo(ExitCodes.GRACEFUL);
        List<Datagram> untilThePredecessorExited = systemd.received();
        assertThat(untilThePredecessorExited).filteredOn(d -> d.has("READY=1")).as("the predecessor's, the successor's")
            .hasSize(2);
        assertThat(untilThePredecessorExited).filteredOn(d -> d.has("STATUS=starting")).hasSize(2);
        assertThat(untilThePredecessorExited).as("the predecessor's stop is not the service's")
            .noneMatch(d -> d.has("STOPPING=1") || d.value("STATUS").orElse("").startsWith("stop"));
      }
      // the successor speaks for the service from now on: its stop is the service's
      JvmProcess.kill("TERM", successor);
      systemd.await("STOPPING=1 from the successor", SLOW, d -> d.has("STOPPING=1"));
      systemd.await("STATUS=stopped from the successor", SLOW,
          d -> d.value("STATUS").orElse("").equals("stopped: graceful"));
    } finally {
      ExampleAppFixture.endByPid(successor);
    }
  }

  /** Starts the jar with {@code NOTIFY_SOCKET} = {@code systemd}'s socket; waits for its {@code READY=1}. */
  private static void startUnder(NotifyReceiver systemd, ExampleAppFixture f) throws Exception {
    f.env = Map.of("NOTIFY_SOCKET", systemd.path().toString());
    f.start();
    systemd.await("READY=1", SLOW, d -> d.has("READY=1"));
  }
}
