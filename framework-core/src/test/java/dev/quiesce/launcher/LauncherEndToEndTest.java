package dev.quiesce.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.testing.Await;
import dev.quiesce.testing.JvmProcess;
import dev.quiesce.testing.Timing;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The launcher running {@link TestApplication} as its own JVM, stopped with real signals. */
@Tag("e2e")
class LauncherEndToEndTest {

  private static final Duration START = Duration.ofSeconds(30);
  private static final String STARTED = "quiesce started pid=(\\d+)";

  @TempDir
  Path dir;

  private Path config(JsonObject config) throws IOException {
    Path file = dir.resolve("config.json");
    Files.writeString(file, config.encodePrettily());
    return file;
  }

  private JsonObject base() {
    return new JsonObject().put("lifecycle", new JsonObject()
        .put("reportFile", dir.resolve("report.json").toString())
        .put("shutdownTimeout", "5s"));
  }

  private JvmProcess start(JsonObject config, String... jvmArgs) throws IOException {
    return JvmProcess.start(dir, List.of(jvmArgs), TestApplication.class.getName(),
        List.of("--config", config(config).toString()), Map.of());
  }

  private JsonObject report() throws IOException {
    return new JsonObject(Files.readString(dir.resolve("report.json")));
  }

  @Test
  void termStopsGracefullyWritesTheReportAndExitsZero() throws Exception {
    try (JvmProcess app = start(base().put("testApp", new JsonObject().put("drainMs", 300)))) {
      String pid = app.awaitLine(STARTED, START).group(1);
      assertThat(Long.parseLong(pid)).isEqualTo(app.pid());
      assertThat(app.output()).contains("stop plan: announce 0s -> drain 20s -> terminate 10s -> close 5s")
          .contains("signals: TERM->stop INT->stop HUP->reload");

      app.signal("TERM");

      assertThat(app.awaitExit(Duration.ofSeconds(20))).isEqualTo(ExitCodes.GRACEFUL);
      JsonObject report = report();
      assertThat(report.getString("outcome")).isEqualTo("graceful");
      assertThat(report.getString("reason")).isEqualTo("SIGTERM");
      assertThat(app.output()).contains("TESTAPP phase drain").contains("stop report {");
      // the last line says when everything is done, and how
      assertThat(app.output().strip()).containsPattern("Vert.x closed in \\d+ ms; exiting with code 0$");
    }
  }

  @Test
  void onTwoCpusTheCommonPoolGetsTwoThreadsUnlessTheUserChose() throws Exception {
    try (JvmProcess app = start(base(), "-XX:ActiveProcessorCount=2")) {
      app.awaitLine(STARTED, START);
      assertThat(app.awaitLine("TESTAPP commonPoolParallelism (\\d+)", START).group(1)).isEqualTo("2");
      app.signal("TERM");
      assertThat(app.awaitExit(Duration.ofSeconds(20))).isEqualTo(ExitCodes.GRACEFUL);
    }
    try (JvmProcess app = start(base(), "-XX:ActiveProcessorCount=2",
        "-Djava.util.concurrent.ForkJoinPool.common.parallelism=1")) {
      app.awaitLine(STARTED, START);
      assertThat(app.awaitLine("TESTAPP commonPoolParallelism (\\d+)", START).group(1)).isEqualTo("1");
      app.signal("TERM");
      assertThat(app.awaitExit(Duration.ofSeconds(20))).isEqualTo(ExitCodes.GRACEFUL);
    }
  }

  @Test
  void aSignalInheritedAsIgnoredIsNamedInTheStartLineAndNotClaimedAsHandled() throws Exception {
    try (JvmProcess app = JvmProcess.startWrapped(List.of("nohup"), dir, List.of(), TestApplication.class.getName(),
        List.of("--config", config(base()).toString()), Map.of())) {
      app.awaitLine(STARTED, START);
      assertThat(app.output()).contains("signals: TERM->stop INT->stop;")
          .doesNotContain("HUP->reload")
          .contains("WARNING: [HUP] inherited as ignored")
          .contains("SIGHUP was ignored when this process started");
      app.signal("TERM");
      assertThat(app.awaitExit(Duration.ofSeconds(20))).isEqualTo(ExitCodes.GRACEFUL);
    }
  }

  @Test
  void participantThatHangsEndsWithExitThreeWithinTheDeadline() throws Exception {
    JsonObject config = base().put("testApp", new JsonObject().put("hangIn", "drain"));
    config.getJsonObject("lifecycle").put("shutdownTimeout", "2s");
    try (JvmProcess app = start(config)) {
      app.awaitLine(STARTED, START);
      JvmProcess.Exit exit = app.stop("TERM", Duration.ofSeconds(20));
      int code = exit.code();
      long tookMs = exit.tookMs();

      assertThat(code).isEqualTo(ExitCodes.FORCED);
      // issue #7: the process ends within shutdownTimeout plus 1 s
      assertThat(tookMs).isGreaterThanOrEqualTo(2000).isLessThan(Timing.upTo(2000 + 1000));
      assertThat(report().getJsonArray("problems").encode()).contains("test-app timed out in phase drain");
    }
  }

  @Test
  void verticleWhoseStopNeverCompletesDoesNotKeepTheProcessAlive() throws Exception {
    JsonObject config = base().put("testApp", new JsonObject().put("stuckStop", true));
    config.getJsonObject("lifecycle").put("shutdownTimeout", "3s");
    try (JvmProcess app = start(config)) {
      app.awaitLine(STARTED, START);
      JvmProcess.Exit exit = app.stop("TERM", Duration.ofSeconds(20));
      int code = exit.code();
      long tookMs = exit.tookMs();

      assertThat(code).isEqualTo(ExitCodes.FORCED);
      assertThat(app.output()).contains("TESTAPP stuck stop called");
      assertThat(tookMs).isLessThan(Timing.upTo(3000 + 1500));
      assertThat(report().getJsonArray("problems").encode()).contains("did not undeploy: timed-out");
    }
  }

  @Test
  void secondTermForcesAndAThirdHalts() throws Exception {
    JsonObject config = base().put("testApp", new JsonObject().put("hangIn", "drain"));
    config.getJsonObject("lifecycle").put("shutdownTimeout", "60s");
    try (JvmProcess app = start(config)) {
      app.awaitLine(STARTED, START);
      app.signal("TERM");
      long first = System.nanoTime();
      app.awaitLine("TESTAPP phase drain", Duration.ofSeconds(10));
      // a TERM within lifecycle.signalDebounce (500 ms) of the first is a duplicate, not an escalation
      Await.until("the debounce period has passed", Duration.ofSeconds(5),
          () -> System.nanoTime() - first > 600_000_000L);
      app.signal("TERM");
      assertThat(app.awaitExit(Duration.ofSeconds(20))).isEqualTo(ExitCodes.FORCED);
      assertThat(report().getJsonObject("forcedBy").getString("reason")).isEqualTo("SIGTERM");
    }
  }

  @Test
  void aStormOfTermSignalsGivesOneOrderlyStop() throws Exception {
    JsonObject config = base().put("testApp", new JsonObject().put("drainMs", 1500));
    try (JvmProcess app = start(config)) {
      app.awaitLine(STARTED, START);
      JvmProcess.Storm storm = app.storm("TERM", 100);

      assertThat(app.awaitExit(Duration.ofSeconds(20))).isEqualTo(ExitCodes.GRACEFUL);
      assertThat(storm.sent()).as("the JVM outlived the storm").isEqualTo(100);
      JsonObject report = report();
      assertThat(report.getString("outcome")).isEqualTo("graceful");
      assertThat(report.getValue("forcedBy")).isNull();
      String output = app.output();
      assertThat(output).contains("a duplicate, ignored").doesNotContain("third stop trigger")
          .doesNotContain("stop forced");
      assertThat(output.split("stop begins", -1)).as("one stop").hasSize(2);
      assertThat(output.split("TESTAPP phase drain", -1)).as("one drain").hasSize(2);
      // a storm spread over more than the debounce period would not be one signal: check it was a storm
      assertThat(storm.took()).as("the storm must come within the debounce windows").isLessThan(Timing.upTo(Duration.ofSeconds(5)));
      System.out.printf("TERM storm: %d signals in %d ms, one stop%n", storm.sent(), storm.took().toMillis());
    }
  }

  @Test
  void hupPublishesAReloadEvent() throws Exception {
    try (JvmProcess app = start(base())) {
      app.awaitLine(STARTED, START);
      app.signal("HUP");
      app.awaitLine("TESTAPP reload done", Duration.ofSeconds(10));
      app.signal("TERM");
      assertThat(app.awaitExit(Duration.ofSeconds(20))).isEqualTo(ExitCodes.GRACEFUL);
    }
  }

  /** Issue 11: a reload that maps HUP to stop was reported done, and the next HUP reloaded again. */
  @Test
  void aReloadThatMapsHupToStopAppliesItAtOnce() throws Exception {
    JsonObject config = base();
    config.getJsonObject("lifecycle").put("signalDebounce", "0s");
    try (JvmProcess app = start(config)) {
      app.awaitLine(STARTED, START);
      config.getJsonObject("lifecycle").put("signals", new JsonObject().put("HUP", "stop"));
      config(config);
      app.signal("HUP");
      app.awaitLine("TESTAPP reload done", Duration.ofSeconds(10));
      assertThat(app.output()).contains("reload: signals now TERM->stop INT->stop HUP->stop");

      app.signal("HUP");

      assertThat(app.awaitExit(Duration.ofSeconds(20))).isEqualTo(ExitCodes.GRACEFUL);
      assertThat(report().getString("reason")).isEqualTo("SIGHUP");
      assertThat(app.output().split("TESTAPP reload done", -1)).as("one reload").hasSize(2);
    }
  }

  @Test
  void underXrsTheStartLineWarnsAndSystemExitStillStopsGracefully() throws Exception {
    JsonObject config = base().put("testApp", new JsonObject().put("exitAfterStartMs", 1500).put("drainMs", 200));
    try (JvmProcess app = start(config, "-Xrs")) {
      app.awaitLine(STARTED, START);
      assertThat(app.output()).contains("WARNING: the JVM runs with -Xrs and catches no signal");

      assertThat(app.awaitExit(Duration.ofSeconds(20))).isZero();
      JsonObject report = report();
      assertThat(report.getString("trigger")).isEqualTo("shutdown-hook");
      assertThat(report.getString("outcome")).isEqualTo("graceful");
      assertThat(app.output()).contains("TESTAPP phase drain");
    }
  }

  @Test
  void badConfigurationExits78NamingTheJsonPathBeforeAnyPortIsBound() throws Exception {
    int port;
    try (ServerSocket probe = new ServerSocket(0)) {
      port = probe.getLocalPort();
    }
    JsonObject config = base().put("testApp", new JsonObject().put("port", port));
    config.getJsonObject("lifecycle").put("phases", new io.vertx.core.json.JsonArray()
        .add(new JsonObject().put("name", "announce").put("timeout", "0s"))
        .add(new JsonObject().put("name", "drain").put("timeout", "5 sec")));
    try (JvmProcess app = start(config)) {
      assertThat(app.awaitExit(Duration.ofSeconds(30))).isEqualTo(ExitCodes.INVALID_CONFIG);
      assertThat(app.output()).contains("lifecycle.phases[1].timeout: \"5 sec\" is not a duration")
          .doesNotContain("TESTAPP ready");
      try (ServerSocket free = new ServerSocket(port)) {
        assertThat(free.getLocalPort()).isEqualTo(port);
      }
    }
  }

  @Test
  void applicationThatFailsToStartExitsOne() throws Exception {
    try (JvmProcess app = start(base().put("testApp", new JsonObject().put("failStart", true)))) {
      assertThat(app.awaitExit(Duration.ofSeconds(30))).isEqualTo(ExitCodes.STARTUP_FAILURE);
      assertThat(app.output()).contains("the application failed to start")
          .contains("the test application refuses to start").doesNotContain("quiesce started");
    }
  }

  @Test
  void aVertxFactoryThatNeverCreatesTheInstanceEndsTheStartWithExitOneAtTheStartTimeout() throws Exception {
    JsonObject config = base();
    config.getJsonObject("lifecycle").put("startTimeout", "2s");
    long launched = System.nanoTime();
    try (JvmProcess app = start(config, "-Dtestapp.vertxFactory=never")) {
      assertThat(app.awaitExit(Duration.ofSeconds(60))).as(app.output()).isEqualTo(ExitCodes.STARTUP_FAILURE);
      assertThat(Duration.ofNanos(System.nanoTime() - launched)).isGreaterThanOrEqualTo(Duration.ofSeconds(2));
      assertThat(app.output()).contains(TestApplication.NeverCreates.class.getName()
              + " did not create Vert.x within lifecycle.startTimeout (2000 ms)")
          .doesNotContain("quiesce started");
    }
  }

  @Test
  void twoVertxFactoriesThatApplyToTheConfigurationEndTheStartWithExitOneNamingBoth() throws Exception {
    try (JvmProcess app = start(base(), "-Dtestapp.vertxFactory=two")) {
      assertThat(app.awaitExit(Duration.ofSeconds(30))).as(app.output()).isEqualTo(ExitCodes.STARTUP_FAILURE);
      assertThat(app.output()).contains("more than one VertxFactory applies to this configuration: ["
              + TestApplication.NeverCreates.class.getName() + ", " + TestApplication.AlsoApplies.class.getName() + "]")
          .doesNotContain("quiesce started");
    }
  }

  @Test
  void participantsOrderedInACycleOrAfterANameNobodyRegisteredExitOneWithTheNames() throws Exception {
    JsonArray misbehave = new JsonArray()
        .add(new JsonObject().put("name", "pool").put("phase", "unused").put("after", new JsonArray().add("consumers")))
        .add(new JsonObject().put("name", "consumers").put("phase", "unused").put("after", new JsonArray().add("pool")))
        .add(new JsonObject().put("name", "cache").put("phase", "unused").put("after", new JsonArray().add("htp")));
    try (JvmProcess app = start(base().put("testApp", new JsonObject().put("misbehave", misbehave)))) {
      assertThat(app.awaitExit(Duration.ofSeconds(30))).isEqualTo(ExitCodes.STARTUP_FAILURE);
      assertThat(app.output()).contains("the application failed to start")
          .contains("participant cache is after [htp], which no participant registered")
          // the cycle is named from whichever of its participants registered first (two verticles, either order)
          .containsPattern("participants ordered in a cycle: (pool after consumers after pool|consumers after pool after consumers)")
          .doesNotContain("quiesce started");
    }
  }

  @Test
  void helpPrintsUsageAndExitsZero() throws Exception {
    try (JvmProcess app = JvmProcess.start(dir, List.of(), TestApplication.class.getName(), List.of("--help"),
        Map.of())) {
      assertThat(app.awaitExit(Duration.ofSeconds(30))).isZero();
      assertThat(app.output()).contains("usage:").contains("--config PATH");
    }
  }

  @Test
  void unknownArgumentIsAUsageError() throws Exception {
    try (JvmProcess app = JvmProcess.start(dir, List.of(), TestApplication.class.getName(), List.of("--bogus"),
        Map.of())) {
      assertThat(app.awaitExit(Duration.ofSeconds(30))).isEqualTo(ExitCodes.USAGE);
      assertThat(app.output()).contains("unknown argument \"--bogus\"").contains("usage:");
    }
  }

  @Test
  void missingExplicitConfigFileIsAConfigurationError() throws Exception {
    try (JvmProcess app = JvmProcess.start(dir, List.of(), TestApplication.class.getName(),
        List.of("--config", dir.resolve("nope.json").toString()), Map.of())) {
      assertThat(app.awaitExit(Duration.ofSeconds(30))).isEqualTo(ExitCodes.INVALID_CONFIG);
      assertThat(app.output()).contains("nope.json: no such file");
    }
  }

  @Test
  void environmentOverridesTheFile() throws Exception {
    try (JvmProcess app = JvmProcess.start(dir, List.of(), TestApplication.class.getName(),
        List.of("--config", config(base()).toString()), Map.of("QUIESCE_LIFECYCLE_SHUTDOWNTIMEOUT", "45s"))) {
      app.awaitLine(STARTED, START);
      assertThat(app.output()).contains("deadline 45s").contains("env QUIESCE_LIFECYCLE_SHUTDOWNTIMEOUT");
      app.signal("TERM");
      assertThat(app.awaitExit(Duration.ofSeconds(20))).isZero();
    }
  }

  @Test
  void aReportFileThatCannotBeWrittenIsRefusedAtStartWithExit78() throws Exception {
    JsonObject config = base();
    config.getJsonObject("lifecycle").put("reportFile", dir.resolve("no-such-dir/report.json").toString());
    try (JvmProcess app = start(config)) {
      assertThat(app.awaitExit(Duration.ofSeconds(30))).isEqualTo(ExitCodes.INVALID_CONFIG);
      assertThat(app.output()).contains("lifecycle.reportFile: cannot be written: the directory "
          + dir.resolve("no-such-dir") + " does not exist").doesNotContain("quiesce started");
    }
  }
}
