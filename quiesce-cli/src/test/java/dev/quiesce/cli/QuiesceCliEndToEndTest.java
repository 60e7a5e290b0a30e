package dev.quiesce.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.testing.Await;
import dev.quiesce.testing.JvmProcess;
import dev.quiesce.testing.TestPki;
import dev.quiesce.testing.Timing;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code quiesce} command against a real application ({@link CliTestApplication}: the launcher,
 * the management listener, a drain participant) running as its own JVM, over real HTTP on 127.0.0.1.
 */
@Tag("e2e")
class QuiesceCliEndToEndTest {

  private static final String TOKEN = "cli-test-token-0123456789";
  private static final Duration START = Duration.ofSeconds(30);
  private static final String LISTENING = "management listening on https?://127\\.0\\.0\\.1:(\\d+)";

  @TempDir
  Path dir;

  /** One run of the CLI: its exit status and what it printed. */
  record Run(int exit, String out, String err) {
  }

  private JsonObject config(JsonObject testApp, String shutdownTimeout) {
    return new JsonObject()
        .put("lifecycle", new JsonObject().put("reportFile", report().toString()).put("shutdownTimeout", shutdownTimeout)
            .put("phases", new JsonArray()
                .add(new JsonObject().put("name", "announce").put("timeout", "0s"))
                .add(new JsonObject().put("name", "drain").put("timeout", "10s"))
                .add(new JsonObject().put("name", "close").put("timeout", "2s"))))
        .put("management", new JsonObject().put("host", "127.0.0.1").put("port", 0).put("token", TOKEN))
        .put("testApp", testApp);
  }

  private Path report() {
    return dir.resolve("report.json");
  }

  private JvmProcess start(JsonObject config) throws IOException {
    Path file = dir.resolve("config.json");
    Files.writeString(file, config.encodePrettily());
    return JvmProcess.start(dir, List.of(), CliTestApplication.class.getName(), List.of("--config", file.toString()),
        Map.of());
  }

  private static int managementPort(JvmProcess app) {
    return Integer.parseInt(app.awaitLine(LISTENING, START).group(1));
  }

  private Path tokenFile(String token) throws IOException {
    Path file = dir.resolve("token-" + System.nanoTime());
    Files.writeString(file, token + "\n");
    return file;
  }

  private static Run cli(Map<String, String> env, String... args) {
    return cli(new ByteArrayOutputStream(), env, args);
  }

  /** A run whose error output (the progress of a wait) the test can read while it runs. */
  private static Run cli(ByteArrayOutputStream err, Map<String, String> env, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int exit = QuiesceCli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8), env);
    return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private static Run cli(String... args) {
    return cli(Map.of(), args);
  }

  private static String url(int port) {
    return "http://127.0.0.1:" + port;
  }

  @Test
  void anHttpsListenerIsReachedWithTheCaGivenByCacertAndRefusedWithoutIt() throws Exception {
    TestPki pki = new TestPki(dir);
    TestPki.Pair ca = pki.ca("ca");
    TestPki.Pair server = pki.server(ca, "server");
    JsonObject config = config(new JsonObject(), "20s");
    config.getJsonObject("management").put("tls", new JsonObject().put("keyFile", server.key().toString())
        .put("certFile", server.cert().toString()));
    try (JvmProcess app = start(config)) {
      String https = "https://127.0.0.1:" + managementPort(app);
      app.awaitLine("TESTAPP ready", START);

      Run trusted = cli("--url", https, "--cacert", ca.cert().toString(), "status");
      Run untrusted = cli("--url", https, "status");
      Run notPem = cli("--url", https, "--cacert", tokenFile("not a certificate").toString(), "status");

      assertThat(trusted.exit()).as(trusted.toString()).isZero();
      assertThat(trusted.out()).startsWith("RUNNING");
      assertThat(untrusted.exit()).as(untrusted.toString()).isEqualTo(ExitCode.FAILED.code());
      assertThat(untrusted.err()).contains(https);
      assertThat(notPem.exit()).isEqualTo(ExitCode.USAGE.code());
      assertThat(notPem.err()).contains("--cacert");
    }
  }

  @Test
  void controlsARunningApplicationAndStopWaitPrintsTheSummaryAndExitsZero() throws Exception {
    try (JvmProcess app = start(config(new JsonObject().put("drainMs", 600).put("reloadMs", 1000), "20s"))) {
      int port = managementPort(app);
      app.awaitLine("TESTAPP ready", START);
      String token = tokenFile(TOKEN).toString();

      Run status = cli("--url", url(port), "status");
      assertThat(status.exit()).as(status.toString()).isZero();
      assertThat(status.out()).startsWith("RUNNING, ready").contains("stop plan: announce 0 ms, drain 10000 ms");
      Run statusJson = cli("status", "--url", url(port), "--json");
      assertThat(new JsonObject(statusJson.out().strip()).getString("state")).isEqualTo("RUNNING");

      // the token: a wrong one is refused with the server's reason, none at all is a usage error
      Run wrong = cli("--url", url(port), "--token-file", tokenFile("not-the-token-at-all").toString(), "drain");
      assertThat(wrong.exit()).isEqualTo(ExitCode.FAILED.code());
      assertThat(wrong.err()).contains("401 missing or wrong bearer token");
      Run none = cli("--url", url(port), "drain");
      assertThat(none.exit()).isEqualTo(ExitCode.USAGE.code());
      assertThat(none.err()).contains("--token-file FILE or set QUIESCE_MANAGEMENT_TOKEN");
      assertThat(cli("--url", url(port), "status").out()).startsWith("RUNNING, ready");

      // 409 with the coordinator's reason; drain and resume; the token from the environment
      Run resume = cli("--url", url(port), "--token-file", token, "resume");
      assertThat(resume.exit()).isEqualTo(ExitCode.FAILED.code());
      assertThat(resume.err()).contains("(409): resume refused: the application is running, not draining");
      Run drain = cli(Map.of(QuiesceCli.TOKEN_ENV, TOKEN), "--url", url(port), "drain", "--reason", "cli test");
      assertThat(drain.exit()).as(drain.toString()).isZero();
      assertThat(drain.out()).isEqualTo("drain accepted: DRAINING\n");
      assertThat(cli("--url", url(port), "status").out()).startsWith("DRAINING, ");
      assertThat(cli("--url", url(port), "--token-file", token, "resume").exit()).isZero();

      // a reload that takes 1 s: beyond --timeout exit 4 (it goes on), then waited for to its end
      Run impatient = cli("--url", url(port), "--token-file", token, "--timeout", "300ms", "reload", "--wait");
      assertThat(impatient.exit()).as(impatient.toString()).isEqualTo(ExitCode.TIMED_OUT.code());
      assertThat(impatient.err()).contains("reload at " + url(port) + ": 504 the reload did not end within 300ms");
      Run reload = cli("--url", url(port), "--token-file", token, "reload", "--wait");
      assertThat(reload.exit()).as(reload.toString()).isZero();
      assertThat(reload.out()).startsWith("reload done in ").contains("test-app done");

      // events in the background; stop --wait follows the stop to its report
      CompletableFuture<Run> events = CompletableFuture.supplyAsync(() -> cli("--url", url(port), "events"));
      Await.until("the events stream is open", Timing.upTo(Duration.ofSeconds(10)),
          () -> cli("--url", url(port), "status", "--json").out().contains("\"eventStreams\":1"));
      Run stop = cli(Map.of(), "--url", url(port), "--token-file", token, "stop", "--wait", "--reason", "cli test");
      assertThat(stop.exit()).as(stop.toString()).isZero();
      assertThat(stop.out()).startsWith("stop graceful in ").contains("(exit code 0), trigger event-bus: cli test")
          .containsPattern("drain +\\d+ ms of  10000 ms  test-app done").contains("no problems");
      assertThat(stop.err()).contains("stop accepted: STOPPING").contains("phase drain begins, budget 10000 ms");
      assertThat(app.awaitExit(Timing.upTo(Duration.ofSeconds(20)))).isZero();
      assertThat(new JsonObject(Files.readString(report())).getString("outcome")).isEqualTo("graceful");

      Run followed = events.get(Timing.upTo(Duration.ofSeconds(10)).toMillis(), TimeUnit.MILLISECONDS);
      assertThat(followed.exit()).as(followed.toString()).isZero();
      List<String> lines = followed.out().lines().toList();
      assertThat(lines.get(0)).startsWith("status {\"state\":\"RUNNING\"");
      assertThat(lines).anyMatch(l -> l.startsWith("phase-start {") && l.contains("\"phase\":\"drain\""));
      assertThat(lines.get(lines.size() - 1)).startsWith("report {").contains("\"outcome\":\"graceful\"");
    }
  }

  @Test
  void stopWaitDuringARunningStopFollowsItInsteadOfForcingIt() throws Exception {
    try (JvmProcess app = start(config(new JsonObject().put("drainMs", 1500), "20s"))) {
      int port = managementPort(app);
      app.awaitLine("TESTAPP ready", START);
      Map<String, String> env = Map.of(QuiesceCli.TOKEN_ENV, TOKEN);
      assertThat(cli(env, "--url", url(port), "stop").exit()).isZero();
      app.awaitLine("TESTAPP phase drain", START);

      Run again = cli(env, "--url", url(port), "stop", "--wait");

      assertThat(again.exit()).as(again.toString()).isZero();
      assertThat(again.err()).contains("a stop is already running: following it");
      assertThat(again.out()).startsWith("stop graceful in ");
      assertThat(app.awaitExit(Timing.upTo(Duration.ofSeconds(20)))).isZero();
    }
  }

  @Test
  void stopWaitExitsThreeWhenTheStopIsForced() throws Exception {
    try (JvmProcess app = start(config(new JsonObject().put("hangIn", "drain"), "2s"))) {
      int port = managementPort(app);
      app.awaitLine("TESTAPP ready", START);
      long before = System.nanoTime();
      Run stop = cli(Map.of(QuiesceCli.TOKEN_ENV, TOKEN), "--url", url(port), "stop", "--wait");
      long tookMs = (System.nanoTime() - before) / 1_000_000;
      assertThat(stop.exit()).as(stop.toString()).isEqualTo(ExitCode.FORCED.code()).isEqualTo(3);
      assertThat(stop.out()).startsWith("stop forced in ").contains("(exit code 3)").contains("problem: ");
      assertThat(tookMs).as("it waited for the stop's deadline").isGreaterThanOrEqualTo(1_500);
      assertThat(app.awaitExit(Timing.upTo(Duration.ofSeconds(20)))).isEqualTo(3);

      Run json = cli("--url", url(port), "status");
      assertThat(json.exit()).isEqualTo(ExitCode.FAILED.code());
      assertThat(json.err()).contains("cannot reach the management listener at " + url(port) + ": connection refused");
    }
  }

  @Test
  void aConnectionLostDuringTheStopIsTheProcessEndingReadFromTheReportFile() throws Exception {
    try (JvmProcess app = start(config(new JsonObject().put("drainMs", 2000), "20s"))) {
      int port = managementPort(app);
      app.awaitLine("TESTAPP ready", START);
      try (TcpCutter cutter = new TcpCutter(port)) {
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        CompletableFuture<Run> stop = CompletableFuture.supplyAsync(() -> cli(progress, Map.of(QuiesceCli.TOKEN_ENV, TOKEN),
            "--url", url(cutter.port()), "stop", "--wait", "--report", report().toString()));
        app.awaitLine("TESTAPP phase drain", START);
        // cut once the stop's answer has come back: what is lost is the wait, not the command
        Await.until("the stop is accepted", Timing.upTo(Duration.ofSeconds(10)),
            () -> progress.toString(StandardCharsets.UTF_8).contains("stop accepted"));
        cutter.cut();
        Run run = stop.get(Timing.upTo(Duration.ofSeconds(30)).toMillis(), TimeUnit.MILLISECONDS);
        assertThat(run.exit()).as(run.toString()).isZero();
        assertThat(run.out()).contains("was lost before the stop report came")
            .contains("the process ended, its report file " + report() + " says:")
            .contains("stop graceful in ");
      }
      assertThat(app.awaitExit(Timing.upTo(Duration.ofSeconds(20)))).isZero();
    }
  }

  @Test
  void aConnectionLostWithoutAReportFileSaysPlainlyTheOutcomeIsUnknown() throws Exception {
    try (JvmProcess app = start(config(new JsonObject().put("drainMs", 1000), "20s"))) {
      int port = managementPort(app);
      app.awaitLine("TESTAPP ready", START);
      try (TcpCutter cutter = new TcpCutter(port)) {
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        CompletableFuture<Run> stop = CompletableFuture.supplyAsync(() -> cli(progress, Map.of(QuiesceCli.TOKEN_ENV, TOKEN),
            "--url", url(cutter.port()), "stop", "--wait"));
        app.awaitLine("TESTAPP phase drain", START);
        // cut once the stop's answer has come back: what is lost is the wait, not the command
        Await.until("the stop is accepted", Timing.upTo(Duration.ofSeconds(10)),
            () -> progress.toString(StandardCharsets.UTF_8).contains("stop accepted"));
        cutter.cut();
        Run run = stop.get(Timing.upTo(Duration.ofSeconds(30)).toMillis(), TimeUnit.MILLISECONDS);
        assertThat(run.exit()).as(run.toString()).isEqualTo(ExitCode.OUTCOME_UNKNOWN.code()).isEqualTo(5);
        assertThat(run.err()).contains("was lost before the stop report came")
            .contains("its outcome cannot be known here; give --report FILE");
      }
      assertThat(app.awaitExit(Timing.upTo(Duration.ofSeconds(20)))).isZero();
    }
  }

  @Test
  void upgradeWaitExitsThreeWithTheReasonWhenTheSuccessorFails() throws Exception {
    JsonObject config = config(new JsonObject(), "5s").put("upgrade", new JsonObject()
        .put("command", new JsonArray().add("sh").add("-c").add("echo 'version 2 is broken' >&2; exit 3"))
        .put("stateDir", dir.resolve("state").toString()));
    try (JvmProcess app = start(config)) {
      int port = managementPort(app);
      app.awaitLine("TESTAPP ready", START);
      Run upgrade = cli(Map.of(QuiesceCli.TOKEN_ENV, TOKEN), "--url", url(port), "upgrade", "--wait");
      assertThat(upgrade.exit()).as(upgrade.toString()).isEqualTo(ExitCode.FORCED.code());
      assertThat(upgrade.out()).startsWith("upgrade failed").contains("error: ").contains("exited with code 3");
      assertThat(upgrade.err()).contains("upgrade accepted");
      assertThat(cli("--url", url(port), "status").out()).as("the application serves on").startsWith("RUNNING, ready");
    }
  }

  @Test
  void fleetCommandsSayPlainlyWhenTheNodeIsNotClustered() throws Exception {
    try (JvmProcess app = start(config(new JsonObject(), "20s"))) {
      int port = managementPort(app);

      Run status = cli("--url", url(port), "fleet", "status");
      assertThat(status.exit()).isEqualTo(ExitCode.FAILED.code());
      assertThat(status.err()).contains("fleet status at " + url(port)).contains("503").contains("not clustered");

      Run reload = cli(Map.of(QuiesceCli.TOKEN_ENV, TOKEN), "--url", url(port), "fleet", "reload", "--wait");
      assertThat(reload.exit()).isEqualTo(ExitCode.FAILED.code());
      assertThat(reload.err()).contains("fleet reload").contains("not clustered");
    }
  }

  @Test
  void fleetReloadWaitFollowsARollingReloadOfAClusteredNodeToItsReport() throws Exception {
    int hazelcastPort;
    try (ServerSocket s = new ServerSocket(0)) {
      hazelcastPort = s.getLocalPort();
    }
    // the handed-over restart at the end, in this one-node fleet: the wait reads fast from its first read
    // (FLEET_POLL_LAST_STEP), and the node's stop (its drain) lasts 2 s, room for about ten such reads, so the wait
    // reads the stored report before the node is gone (a CI run once had a stop too short for the reads once a
    // second it made then)
    JsonObject testApp = new JsonObject().put("reloadMs", 4000).put("drainMs", 2000);
    JsonObject config = config(testApp, "20s").put("cluster", new JsonObject()
        .put("enabled", true).put("name", "cli-fleet-" + ProcessHandle.current().pid()).put("port", hazelcastPort));
    try (JvmProcess app = start(config)) {
      int port = managementPort(app);
      Map<String, String> token = Map.of(QuiesceCli.TOKEN_ENV, TOKEN);
      Run status = cli("--url", url(port), "fleet", "status");
      assertThat(status.exit()).as(status.err()).isZero();
      assertThat(status.out()).startsWith("fleet: 1 node(s), 1 ready").contains("RUNNING");

      Run reload = cli(token, "--url", url(port), "fleet", "reload", "--reason", "cli test", "--wait");

      assertThat(reload.exit()).as("out: %s, err: %s", reload.out(), reload.err()).isZero();
      assertThat(reload.err()).contains("fleet reload accepted: fleet-");
      assertThat(reload.out()).containsPattern("^reload fleet-\\S+ done in \\d+ ms\n")
          .containsPattern("\n  \\S+:\\d+ +done");
      JsonObject after = new JsonObject(cli("--url", url(port), "--json", "fleet", "status").out());
      assertThat(after.getJsonObject("lastOperation").getString("outcome")).isEqualTo("done");
      assertThat(after.getJsonObject("lastOperation").getString("reason")).isEqualTo("cli test");
      assertThat(after.getJsonArray("nodes")).hasSize(1);

      // the end not within --timeout: exit 4, and the operation goes on to its end
      Run late = cli(token, "--url", url(port), "--timeout", "2s", "fleet", "reload", "--wait");
      assertThat(late.exit()).as("out: %s, err: %s", late.out(), late.err()).isEqualTo(ExitCode.TIMED_OUT.code());
      assertThat(late.err()).contains("did not end within --timeout; it goes on");
      awaitNoFleetOperation(port);

      // a step that does not end within --step-timeout fails the operation: exit 3, the report says why
      Run failed = cli(token, "--url", url(port), "fleet", "reload", "--step-timeout", "1s", "--wait");
      assertThat(failed.exit()).as("out: %s, err: %s", failed.out(), failed.err()).isEqualTo(ExitCode.FORCED.code());
      assertThat(failed.out()).containsPattern("^reload fleet-\\S+ failed in \\d+ ms: ").contains("1000");
      Await.until("the node is back from the reload", Duration.ofSeconds(30),
          () -> pause() && cli("--url", url(port), "status").out().startsWith("RUNNING"));
      awaitNoFleetOperation(port);

      Run badStep = cli(token, "--url", url(port), "fleet", "reload", "--step-timeout", "31m");
      assertThat(badStep.exit()).isEqualTo(ExitCode.USAGE.code());
      assertThat(badStep.err()).contains("--step-timeout must be above 0 and at most 30 minutes, got 1860000ms");

      Run bad = cli(token, "--url", url(port), "fleet", "restart", "--max-unavailable", "0");
      assertThat(bad.exit()).isEqualTo(ExitCode.USAGE.code());
      assertThat(bad.err()).contains("--max-unavailable must be at least 1, got 0");
      assertThat(cli("--url", url(port), "status").out()).as("the node was not restarted").startsWith("RUNNING");

      // the node asked runs last and hands its own restart to its supervisor: none here, so it never comes back
      Run restart = cli(token, "--url", url(port), "--timeout", "10s", "fleet", "restart", "--wait");
      assertThat(restart.exit()).as("out: %s, err: %s", restart.out(), restart.err())
          .isEqualTo(ExitCode.TIMED_OUT.code());
      assertThat(restart.out()).containsPattern("^restart fleet-\\S+ done").contains("handed-over");
      assertThat(restart.err()).contains("handed its own restart to its supervisor")
          .contains("no new node was ready at");
      assertThat(app.awaitExit(Duration.ofSeconds(30))).as("the node stopped for its supervisor: exit 0").isZero();
    }
  }

  /** Between two polls that each run the CLI (and make the node ask the fleet): a fifth of a second. */
  private static boolean pause() {
    try {
      Thread.sleep(200);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return true;
  }

  /** Until {@code fleet status} shows no operation running (a failed or empty read is "not yet"). */
  private static void awaitNoFleetOperation(int port) {
    Await.until("the fleet's operation has ended", Duration.ofSeconds(30), () -> {
      pause();
      String out = cli("--url", url(port), "--json", "fleet", "status").out();
      return out.startsWith("{") && new JsonObject(out).getValue("operation") == null;
    });
  }

  @Test
  void usageErrorsAndAnUnreachableListenerAreSaidPlainly() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    Run unreachable = cli("--url", url(closed), "--timeout", "5s", "status");
    assertThat(unreachable.exit()).isEqualTo(ExitCode.FAILED.code());
    assertThat(unreachable.err()).contains("cannot reach the management listener at " + url(closed));
    Run badTimeout = cli("--timeout", "soon", "status");
    assertThat(badTimeout.exit()).isEqualTo(ExitCode.USAGE.code());
    assertThat(badTimeout.err()).contains("'soon' is not a duration");
    Run emptyToken = cli("--url", url(closed), "--token-file", tokenFile("").toString(), "stop");
    assertThat(emptyToken.exit()).isEqualTo(ExitCode.USAGE.code());
    assertThat(emptyToken.err()).contains("is empty");
    Run help = cli("--help");
    assertThat(help.exit()).isZero();
    List<String> commands = new ArrayList<>(List.of("status", "events", "stop", "drain", "resume", "reload", "upgrade",
        "fleet"));
    assertThat(help.out()).contains(commands).contains("Exit status:");
  }
}
