package dev.quiesce.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.testing.Await;
import dev.quiesce.testing.JvmProcess;
import dev.quiesce.testing.NotifyReceiver;
import dev.quiesce.testing.Timing;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's upgrade with real JVMs: {@code USR1} (mapped to {@code upgrade}) makes the
 * predecessor start its successor (the same command line), which says it is ready over the handover
 * socket; the predecessor then stops with trigger {@code upgrade} and exits 0. A successor that exits
 * at once or is never ready is ended and the predecessor serves on, saying why.
 */
@Tag("e2e")
class UpgradeEndToEndTest {

  private static final Duration START = Duration.ofSeconds(30);
  private static final String STARTED = "quiesce started pid=(\\d+)";

  @TempDir
  Path dir;

  private JvmProcess start(JsonObject upgrade) throws IOException {
    return startWith(upgrade, Map.of());
  }

  private JvmProcess startWith(JsonObject upgrade, Map<String, String> env) throws IOException {
    return startWith(upgrade, env, new JsonObject());
  }

  private JvmProcess startWith(JsonObject upgrade, Map<String, String> env, JsonObject testApp) throws IOException {
    JsonObject config = new JsonObject().put("testApp", testApp)
        .put("lifecycle", new JsonObject().put("shutdownTimeout", "5s")
            .put("reportFile", dir.resolve("report.json").toString())
            .put("signals", new JsonObject().put("USR1", "upgrade")))
        .put("upgrade", upgrade.put("stateDir", dir.resolve("state").toString()));
    Path file = dir.resolve("config.json");
    Files.writeString(file, config.encodePrettily());
    return JvmProcess.start(dir, List.of(), TestApplication.class.getName(), List.of("--config", file.toString()),
        env);
  }

  @Test
  void theSuccessorTakesOverAndThePredecessorStopsWithTriggerUpgradeAndExitsZero() throws Exception {
    long successor = -1;
    try (JvmProcess app = start(new JsonObject())) {
      app.awaitLine(STARTED, START);
      assertThat(app.output()).contains("signals: TERM->stop INT->stop HUP->reload USR1->upgrade");

      app.signal("USR1");

      successor = Long.parseLong(app.awaitLine("upgrade: successor pid (\\d+) is ready", START).group(1));
      assertThat(app.awaitExit(Duration.ofSeconds(30))).as(app.output()).isEqualTo(ExitCodes.GRACEFUL);
      JsonObject report = new JsonObject(Files.readString(dir.resolve("report.json")));
      assertThat(report.getString("trigger")).isEqualTo("upgrade");
      assertThat(report.getString("reason")).isEqualTo("upgrade: successor pid " + successor + " is ready");
      // the successor: a new JVM, in a session of its own, still running after its predecessor exited
      assertThat(successor).isNotEqualTo(app.pid());
      assertThat(app.output()).contains("quiesce started pid=" + successor);
      // the successor writes this once it has read the predecessor's answer, while the predecessor stops
      app.awaitLineAlsoAfterExit("upgrade: told the predecessor \\(pid " + app.pid() + "\\) this process is ready",
          Duration.ofSeconds(20));
      Optional<ProcessHandle> next = ProcessHandle.of(successor);
      assertThat(next).isPresent();
      assertThat(next.get().isAlive()).isTrue();
      assertThat(Files.list(dir.resolve("state"))).as("the handover socket is removed").isEmpty();
    } finally {
      stopSuccessor(successor);
    }
  }

  @Test
  void whatThePredecessorReleasesWhileItStopsReachesTheSuccessorThenItsExit() throws Exception {
    long successor = -1;
    try (JvmProcess app = start(new JsonObject())) {
      app.awaitLine(STARTED, START);

      app.signal("USR1");

      successor = Long.parseLong(app.awaitLine("upgrade: successor pid (\\d+) is ready", START).group(1));
      // the successor's output goes to the same stdout as the predecessor's
      app.awaitLine("^TESTAPP successor of " + app.pid() + "$", START);
      assertThat(app.awaitExit(Duration.ofSeconds(30))).as(app.output()).isEqualTo(ExitCodes.GRACEFUL);
      app.awaitLineAlsoAfterExit("^TESTAPP predecessor " + app.pid() + " exited$", Duration.ofSeconds(20));
      String out = app.output();
      assertThat(out).contains("upgrade: told the successor that test-app is released", "TESTAPP released test-app");
      assertThat(out.indexOf("TESTAPP released test-app")).as("released during the stop, before the exit")
          .isLessThan(out.indexOf("TESTAPP predecessor " + app.pid() + " exited"));
    } finally {
      stopSuccessor(successor);
    }
  }

  @Test
  void theSuccessorSaysReadyOnlyOnceWhatHoldsTheHandoverIsReady() throws Exception {
    long successor = -1;
    try (JvmProcess app = startWith(new JsonObject(), Map.of(), new JsonObject().put("holdHandoverMs", 1500))) {
      app.awaitLine(STARTED, START);

      app.signal("USR1");

      successor = Long.parseLong(app.awaitLine("upgrade: successor pid (\\d+) is ready", START).group(1));
      // the successor logs that it told the predecessor once the predecessor's answer is back
      app.awaitLineAlsoAfterExit("upgrade: told the predecessor", Duration.ofSeconds(20));
      String out = app.output();
      assertThat(out).contains("upgrade: running; waiting for [test-app's warm-up] before telling the predecessor");
      assertThat(out.indexOf("TESTAPP warm")).as("warm before the predecessor was told").isPositive()
          .isLessThan(out.indexOf("upgrade: told the predecessor"));
      assertThat(app.awaitExit(Duration.ofSeconds(30))).isEqualTo(ExitCodes.GRACEFUL);
    } finally {
      stopSuccessor(successor);
    }
  }

  @Test
  void newConnectionsStayWithThePredecessorUntilTheSuccessorIsReadyThenGoToTheSuccessor() throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    long successor = -1;
    try (JvmProcess app = startWith(new JsonObject(), Map.of(),
        new JsonObject().put("port", port).put("holdHandoverMs", 4000))) {
      app.awaitLine(STARTED, START);
      String predecessor = String.valueOf(app.pid());

      app.signal("USR1");

      // the successor runs and listens on the port, but has not said ready (its warm-up holds it)
      Matcher started = app.awaitLine("quiesce started pid=(?!" + predecessor + "\\b)(\\d+)", START);
      successor = Long.parseLong(started.group(1));
      for (int i = 0; i < 30; i++) {
        assertThat(pidOf(port)).as("new connection %d while the successor starts", i).isEqualTo(predecessor);
      }
      assertThat(app.output()).as("still before ready").doesNotContain("upgrade: successor pid");
      app.awaitLine("upgrade: successor pid (\\d+) is ready", START);
      String next = String.valueOf(successor);
      Await.until("new connections go to the successor", Duration.ofSeconds(10), () -> next.equals(pidOf(port)));
      assertThat(app.awaitExit(Duration.ofSeconds(30))).isEqualTo(ExitCodes.GRACEFUL);
    } finally {
      stopSuccessor(successor);
    }
  }

  /** The {@code X-Pid} of {@code GET /} on a new connection. */
  private static String pidOf(int port) {
    try {
      HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
          + port + "/")).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
      return r.headers().firstValue("X-Pid").orElse("none");
    } catch (IOException e) {
      return "failed: " + e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }

  @Test
  void aPredecessorKilledDuringTheHandoverLeavesTheSuccessorServing() throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    long successor = -1;
    try (JvmProcess app = startWith(new JsonObject(), Map.of(), new JsonObject().put("drainMs", 60_000).put("port", port))) {
      app.awaitLine(STARTED, START);
      app.signal("USR1");
      successor = Long.parseLong(app.awaitLine("upgrade: successor pid (\\d+) is ready", START).group(1));
      app.awaitLine("^TESTAPP phase drain$", START);

      JvmProcess.kill("KILL", app.pid());

      app.awaitLineAlsoAfterExit("^TESTAPP predecessor " + app.pid() + " exited$", Duration.ofSeconds(20));
      assertThat(ProcessHandle.of(successor).map(ProcessHandle::isAlive)).contains(true);
      assertThat(app.output()).as("the predecessor never released test-app").doesNotContain("TESTAPP released");
      for (int i = 0; i < 20; i++) {
        assertThat(get(port)).as("request %d after the predecessor was killed", i).isEqualTo("ok");
      }
    } finally {
      stopSuccessor(successor);
    }
  }

  @Test
  void underSystemdThePredecessorHandsTheMainPidToTheSuccessorAndIsSilentAfterwards() throws Exception {
    long successor = -1;
    try (NotifyReceiver systemd = NotifyReceiver.bind(dir.resolve("notify"))) {
      try (JvmProcess app = startWith(new JsonObject(), Map.of("NOTIFY_SOCKET", systemd.path().toString()))) {
        app.awaitLine(STARTED, START);
        systemd.await("READY=1", START, d -> d.has("READY=1"));

        app.signal("USR1");

        successor = Long.parseLong(app.awaitLine("upgrade: successor pid (\\d+) is ready", START).group(1));
        long pid = successor;
        systemd.await("MAINPID= the successor", START, d -> d.has("MAINPID=" + pid));
        assertThat(app.awaitExit(Duration.ofSeconds(30))).isEqualTo(ExitCodes.GRACEFUL);
        assertThat(systemd.received()).as("the predecessor's stop is not the service's")
            .noneMatch(d -> d.has("STOPPING=1"));
      }
      // the successor speaks for the service from now on: its stop is the service's
      JvmProcess.kill("TERM", successor);
      systemd.await("STOPPING=1 from the successor", Duration.ofSeconds(20), d -> d.has("STOPPING=1"));
      long pid = successor;
      Await.until("the successor exits", Duration.ofSeconds(20),
          () -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true));
    } finally {
      stopSuccessor(successor);
    }
  }

  @Test
  void aSuccessorThatExitsAtOnceIsRolledBackAndThePredecessorServesOnSayingWhy() throws Exception {
    JsonArray broken = new JsonArray().add("sh").add("-c").add("echo 'version 2 is broken' >&2; exit 3");
    try (JvmProcess app = start(new JsonObject().put("command", broken))) {
      app.awaitLine(STARTED, START);

      app.signal("USR1");

      app.awaitLine("upgrade failed, this process serves on: the successor exited with code 3 before it was ready",
          START);
      app.awaitLine("^  version 2 is broken$", Duration.ofSeconds(5));
      assertThat(app.isAlive()).isTrue();
      // a later stop is an ordinary one
      assertThat(app.stop("TERM", Duration.ofSeconds(20)).code()).isEqualTo(ExitCodes.GRACEFUL);
      assertThat(new JsonObject(Files.readString(dir.resolve("report.json"))).getString("trigger")).isEqualTo("signal");
    }
  }

  @Test
  void aSuccessorNeverReadyIsEndedWithItsGroupAfterTheTimeout() throws Exception {
    JsonArray never = new JsonArray().add("sh").add("-c").add("echo waiting; sleep 300 & wait");
    try (JvmProcess app = start(new JsonObject().put("command", never).put("timeout", "1500ms"))) {
      app.awaitLine(STARTED, START);
      long asked = System.nanoTime();

      app.signal("USR1");

      long group = Long.parseLong(app.awaitLine("upgrade: successor started, process group (\\d+)", START).group(1));
      app.awaitLine("upgrade failed, this process serves on: the successor was not ready within 1500 ms", START);
      long tookMs = (System.nanoTime() - asked) / 1_000_000;
      assertThat(tookMs).isGreaterThanOrEqualTo(1500).isLessThan(Timing.upTo(1500 + 12_000));
      Await.until("the successor's whole group is gone", Duration.ofSeconds(15), () -> !groupAlive(group));
      assertThat(app.isAlive()).isTrue();
      assertThat(app.stop("TERM", Duration.ofSeconds(20)).code()).isEqualTo(ExitCodes.GRACEFUL);
    }
  }

  @Test
  void aStopDuringTheUpgradeEndsTheSuccessorsGroupAndStopsAsUsual() throws Exception {
    JsonArray slow = new JsonArray().add("sh").add("-c").add("echo starting slowly; sleep 300 & wait");
    try (JvmProcess app = start(new JsonObject().put("command", slow))) {
      app.awaitLine(STARTED, START);
      app.signal("USR1");
      long group = Long.parseLong(app.awaitLine("upgrade: successor started, process group (\\d+)", START).group(1));

      assertThat(app.stop("TERM", Duration.ofSeconds(30)).code()).isEqualTo(ExitCodes.GRACEFUL);

      assertThat(app.output()).contains("a stop (SIGTERM) came during the upgrade: ending the successor (successor"
          + " process group " + group + ")");
      Await.until("the successor's whole group is gone", Duration.ofSeconds(15), () -> !groupAlive(group));
    }
  }

  @Test
  void aStateDirectoryThatCannotBeMadeRefusesTheUpgradeWithItsPathAndStartIsNotAffected() throws Exception {
    Path notADirectory = Files.writeString(dir.resolve("state-is-a-file"), "x").resolve("state");
    JsonObject config = new JsonObject().put("lifecycle", new JsonObject().put("shutdownTimeout", "5s")
        .put("signals", new JsonObject().put("USR1", "upgrade")))
        .put("upgrade", new JsonObject().put("stateDir", notADirectory.toString()));
    Path file = dir.resolve("config.json");
    Files.writeString(file, config.encodePrettily());
    try (JvmProcess app = JvmProcess.start(dir, List.of(), TestApplication.class.getName(),
        List.of("--config", file.toString()), Map.of())) {
      app.awaitLine(STARTED, START);

      app.signal("USR1");

      app.awaitLine("upgrade \\(signal SIGUSR1\\) refused: upgrade refused: the state directory "
          + Pattern.quote(notADirectory.toString()) + " \\(upgrade.stateDir\\) cannot be created", START);
      assertThat(app.output()).doesNotContain("starting the successor");
      assertThat(app.stop("TERM", Duration.ofSeconds(20)).code()).isEqualTo(ExitCodes.GRACEFUL);
    }
  }

  /** The body of {@code GET /} on a new connection to {@code 127.0.0.1:port}. */
  private static String get(int port) throws IOException, InterruptedException {
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + port + "/")).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    return r.body();
  }

  /** True while some process of process group {@code group} runs ({@code kill -0 -- -group}). */
  private static boolean groupAlive(long group) {
    try {
      return new ProcessBuilder("kill", "-0", "--", "-" + group).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor() == 0;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return true;
    }
  }

  private static void stopSuccessor(long pid) throws Exception {
    if (pid < 0) {
      return;
    }
    Optional<ProcessHandle> p = ProcessHandle.of(pid);
    if (p.isPresent()) {
      JvmProcess.kill("TERM", pid);
      Await.until("the successor exits", Duration.ofSeconds(20), () -> !p.get().isAlive());
    }
  }
}
