package dev.quiesce.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.testing.Await;
import dev.quiesce.testing.JvmProcess;
import dev.quiesce.testing.Timing;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults around a stop, with {@link TestApplication} as its own JVM and real signals: participants
 * that never answer, throw or block their event loop; a stop during start-up; a stop during a
 * reload and a reload during a stop; a storm of HUP signals.
 */
@Tag("e2e")
@Tag("slow")
class FaultsEndToEndTest {

  private static final Duration START = Duration.ofSeconds(30);
  private static final String STARTED = "quiesce started pid=(\\d+)";

  @TempDir
  Path dir;

  private JsonObject base(String shutdownTimeout) {
    return new JsonObject().put("lifecycle", new JsonObject()
        .put("reportFile", dir.resolve("report.json").toString())
        .put("shutdownTimeout", shutdownTimeout));
  }

  private static JsonArray phases(String... nameAndBudget) {
    JsonArray phases = new JsonArray();
    for (int i = 0; i < nameAndBudget.length; i += 2) {
      phases.add(new JsonObject().put("name", nameAndBudget[i]).put("timeout", nameAndBudget[i + 1]));
    }
    return phases;
  }

  private JvmProcess start(JsonObject config, String... jvmArgs) throws IOException {
    Path file = dir.resolve("config.json");
    Files.writeString(file, config.encodePrettily());
    return JvmProcess.start(dir, List.of(jvmArgs), TestApplication.class.getName(),
        List.of("--config", file.toString()), Map.of());
  }

  private JsonObject report() throws IOException {
    Path file = dir.resolve("report.json");
    assertThat(file).as("the stop report was written").exists();
    return new JsonObject(Files.readString(file));
  }

  private static JsonObject outcome(JsonObject report, String phase, String participant) {
    return report.getJsonArray("phases").stream().map(JsonObject.class::cast)
        .filter(p -> phase.equals(p.getString("phase"))).flatMap(p -> p.getJsonArray("participants").stream())
        .map(JsonObject.class::cast).filter(o -> participant.equals(o.getString("participant"))).findFirst()
        .orElseThrow(() -> new AssertionError("no " + participant + " in phase " + phase + ": " + report.encode()));
  }

  /**
   * Three participants misbehave at once: one never answers (drain), one throws (drain), one blocks
   * its event loop for longer than the whole deadline (terminate). With a single event loop, the one
   * the lifecycle coordinator's timers would run on is the one blocked: the worst case.
   */
  @Test
  void participantsThatHangThrowOrBlockTheirEventLoopAreNamedAndTheProcessEndsWithinTheDeadlinePlusOneSecond()
      throws Exception {
    JsonObject config = base("4s").put("testApp", new JsonObject().put("misbehave", new JsonArray()
        .add(new JsonObject().put("name", "hanger").put("phase", "drain").put("behaviour", "hang"))
        .add(new JsonObject().put("name", "thrower").put("phase", "drain").put("behaviour", "throw"))
        .add(new JsonObject().put("name", "blocker").put("phase", "terminate").put("behaviour", "block")
            .put("ms", 8000))));
    config.getJsonObject("lifecycle").put("phases", phases("announce", "0s", "drain", "1s", "terminate", "1s",
        "close", "1s"));
    try (JvmProcess app = start(config, "-Dtestapp.eventLoops=1")) {
      app.awaitLine(STARTED, START);
      JvmProcess.Exit exit = app.stop("TERM", Duration.ofSeconds(20));
      int code = exit.code();
      long tookMs = exit.tookMs();

      assertThat(code).as(app.output()).isEqualTo(ExitCodes.FORCED);
      assertThat(tookMs).as("from TERM to exit").isGreaterThanOrEqualTo(2000).isLessThan(Timing.upTo(4000 + 1000));
      assertThat(app.output()).contains("TESTAPP blocker block in terminate")
          .doesNotContain("TESTAPP blocker unblocked")
          .doesNotContain("the watchdog ends the process");
      JsonObject report = report();
      assertThat(report.getString("outcome")).isEqualTo("forced");
      assertThat(report.getInteger("exitCode")).isEqualTo(ExitCodes.FORCED);
      assertThat(outcome(report, "drain", "hanger").getString("outcome")).isEqualTo("timed-out");
      assertThat(outcome(report, "drain", "thrower").getString("outcome")).isEqualTo("failed");
      JsonObject blocker = outcome(report, "terminate", "blocker");
      assertThat(blocker.getString("outcome")).isEqualTo("timed-out");
      assertThat(blocker.getLong("durationMs")).as("the terminate phase ended at its budget")
          .isGreaterThanOrEqualTo(1000).isLessThan(Timing.upTo(1000 + 500));
      assertThat(report.getJsonArray("problems").encode())
          .contains("participant hanger timed out in phase drain")
          .contains("participant thrower failed in phase drain: boom from thrower")
          .contains("participant blocker timed out in phase terminate")
          .contains("did not undeploy: timed-out");
    }
  }

  /**
   * TERM while the application is still starting (its start takes 20 s, the deadline is 3 s): the
   * stop runs at once, the launcher does not wait for the start, never claims to have started,
   * and exits with the report's exit code within the deadline.
   */
  @Test
  void termDuringStartUpStopsWithinTheDeadlineWithoutClaimingToHaveStarted() throws Exception {
    JsonObject config = base("3s").put("testApp", new JsonObject().put("startDelayMs", 20_000));
    try (JvmProcess app = start(config)) {
      app.awaitLine("TESTAPP starting", START);
      JvmProcess.Exit exit = app.stop("TERM", Duration.ofSeconds(20));
      int code = exit.code();
      long tookMs = exit.tookMs();

      assertThat(tookMs).as("from TERM to exit").isLessThan(Timing.upTo(3000 + 1000));
      assertThat(app.output()).contains("stop begins: trigger=signal reason=SIGTERM")
          .doesNotContain("quiesce started").doesNotContain("TESTAPP ready")
          .doesNotContain("the watchdog ends the process");
      JsonObject report = report();
      assertThat(code).as(app.output()).isEqualTo(report.getInteger("exitCode"));
      assertThat(report.getString("reason")).isEqualTo("SIGTERM");
    }
  }

  /** TERM arrives while the start is nearly done: the start completes during the stop, which stays graceful. */
  @Test
  void termJustBeforeTheStartCompletesIsAnOrderlyStop() throws Exception {
    JsonObject config = base("10s").put("testApp", new JsonObject().put("startDelayMs", 1000).put("drainMs", 200));
    try (JvmProcess app = start(config)) {
      app.awaitLine("TESTAPP starting", START);
      app.signal("TERM");

      int code = app.awaitExit(Duration.ofSeconds(20));

      assertThat(app.output()).doesNotContain("quiesce started").doesNotContain("the watchdog ends the process");
      JsonObject report = report();
      assertThat(code).as(app.output()).isEqualTo(report.getInteger("exitCode"));
      assertThat(report.getString("reason")).isEqualTo("SIGTERM");
    }
  }

  /** HUP while a stop drains: refused with the reason in the log, no reload runs, the stop stays graceful. */
  @Test
  void hupDuringAStopIsRefusedWithAReasonAndTheStopStaysGraceful() throws Exception {
    JsonObject config = base("10s").put("testApp", new JsonObject().put("drainMs", 1500).put("reloadMs", 100));
    try (JvmProcess app = start(config)) {
      app.awaitLine(STARTED, START);
      app.signal("TERM");
      app.awaitLine("TESTAPP phase drain", Duration.ofSeconds(10));
      app.signal("HUP");
      app.awaitLine("reload \\(signal SIGHUP\\) refused: reload refused: the application is stopping",
          Duration.ofSeconds(10));

      assertThat(app.awaitExit(Duration.ofSeconds(20))).as(app.output()).isEqualTo(ExitCodes.GRACEFUL);
      assertThat(app.output()).doesNotContain("TESTAPP reload begins");
      assertThat(report().getString("outcome")).isEqualTo("graceful");
    }
  }

  /** TERM while a reload runs: the stop begins at once and ends gracefully; the reload is not restarted. */
  @Test
  void termDuringAReloadStopsGracefully() throws Exception {
    JsonObject config = base("10s").put("testApp", new JsonObject().put("drainMs", 200).put("reloadMs", 1500));
    try (JvmProcess app = start(config)) {
      app.awaitLine(STARTED, START);
      app.signal("HUP");
      app.awaitLine("TESTAPP reload begins 1", Duration.ofSeconds(10));
      long signalled = System.nanoTime();
      app.signal("TERM");
      app.awaitLine("stop begins", Duration.ofSeconds(10));
      long stopBeganMs = (System.nanoTime() - signalled) / 1_000_000;

      assertThat(app.awaitExit(Duration.ofSeconds(20))).as(app.output()).isEqualTo(ExitCodes.GRACEFUL);
      assertThat(stopBeganMs).as("the stop does not wait for the reload").isLessThan(Timing.upTo(1000));
      String output = app.output();
      // the stop does not wait for the reload: the reloading verticle is drained and undeployed meanwhile
      int reloadEnd = output.indexOf("TESTAPP reload ends 1");
      assertThat(reloadEnd < 0 || output.indexOf("stop begins") < reloadEnd).as(output).isTrue();
      assertThat(output).doesNotContain("TESTAPP reload begins 2");
      JsonObject report = report();
      assertThat(report.getString("outcome")).isEqualTo("graceful");
      assertThat(outcome(report, "drain", "test-app").getString("outcome")).isEqualTo("done");
    }
  }

  /**
   * 100 HUP signals as fast as a shell can send them, with the debounce off so that every one
   * caught asks for a reload: reloads coalesce (one running, at most one queued), never overlap,
   * and the application then stops gracefully.
   */
  @Test
  void aStormOfHupSignalsGivesReloadsThatNeverOverlap() throws Exception {
    JsonObject config = base("10s").put("testApp", new JsonObject().put("reloadMs", 200));
    config.getJsonObject("lifecycle").put("signalDebounce", "0s");
    try (JvmProcess app = start(config)) {
      app.awaitLine(STARTED, START);
      JvmProcess.Storm storm = app.storm("HUP", 100);
      assertThat(storm.sent()).isEqualTo(100);
      app.awaitLine("TESTAPP reload begins 1", Duration.ofSeconds(10));
      // quiet: the last reload has ended and no other begins within a while
      List<String> steps = awaitReloadsSettled(app);

      int reloads = steps.size() / 2;
      // a reload at a time, and at most one queued: bounded by how long the JVM took to take in the storm
      // (its signal thread may still be catching signals well after the sender is done, on a busy machine)
      Duration caught = caughtSpan(app.output(), "SIGHUP");
      long maxReloads = Math.max(storm.took().toMillis(), caught.toMillis()) / 200 + 2;
      assertThat(reloads).as("reloads for a storm sent in %s, caught in %s: %s", storm.took(), caught, steps)
          .isBetween(1, (int) maxReloads);
      for (int i = 0; i < steps.size(); i += 2) {
        assertThat(steps.get(i)).as("in %s", steps).isEqualTo("begins " + (i / 2 + 1));
        assertThat(steps.get(i + 1)).as("in %s", steps).isEqualTo("ends " + (i / 2 + 1));
      }
      assertThat(app.output()).contains("caught SIGHUP (#").doesNotContain("reload partial")
          .doesNotContain("reload failed");

      app.signal("TERM");
      assertThat(app.awaitExit(Duration.ofSeconds(20))).as(app.output()).isEqualTo(ExitCodes.GRACEFUL);
      System.out.printf("HUP storm: %d signals in %d ms, %d reloads, none overlapping%n", storm.sent(),
          storm.took().toMillis(), reloads);
    }
  }

  /** From the first to the last {@code caught <signal>} log line, by their timestamps. */
  private static Duration caughtSpan(String output, String signal) {
    Matcher m = Pattern.compile("^(\\S+) .*caught " + signal + " \\(#", Pattern.MULTILINE).matcher(output);
    Instant first = null;
    Instant last = null;
    while (m.find()) {
      Instant at = Instant.parse(m.group(1));
      first = first == null ? at : first;
      last = at;
    }
    return first == null ? Duration.ZERO : Duration.between(first, last);
  }

  /** With the default debounce, a storm of HUP is one signal and so exactly one reload. */
  @Test
  void aStormOfHupSignalsWithTheDefaultDebounceIsOneReload() throws Exception {
    JsonObject config = base("10s").put("testApp", new JsonObject().put("reloadMs", 200));
    try (JvmProcess app = start(config)) {
      app.awaitLine(STARTED, START);
      JvmProcess.Storm storm = app.storm("HUP", 100);
      assertThat(storm.sent()).isEqualTo(100);
      List<String> steps = awaitReloadsSettled(app);

      assertThat(steps).as("storm of %s", storm.took()).containsExactly("begins 1", "ends 1");
      app.signal("TERM");
      assertThat(app.awaitExit(Duration.ofSeconds(20))).as(app.output()).isEqualTo(ExitCodes.GRACEFUL);
      System.out.printf("HUP storm (debounce 500ms): %d signals in %d ms, 1 reload%n", storm.sent(),
          storm.took().toMillis());
    }
  }

  /** Waits until a reload has ended and none began for 1.5 s; returns the steps ("begins N", "ends N") in order. */
  private static List<String> awaitReloadsSettled(JvmProcess app) {
    ReloadSteps steps = new ReloadSteps(app);
    try {
      return Await.value("the reloads settle (none begins for 1.5 s after the last ended)", Duration.ofSeconds(30),
          steps::settled);
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + ": " + steps.last + "\n" + app.output(), e);
    }
  }

  /** The reload steps an application printed, and since when they have not changed. */
  private static final class ReloadSteps {
    private static final Pattern STEP = Pattern.compile("TESTAPP reload (begins|ends) (\\d+)");
    private final JvmProcess app;
    private List<String> last = List.of();
    private long unchangedSince = System.nanoTime();

    ReloadSteps(JvmProcess app) {
      this.app = app;
    }

    /** The steps once every reload has ended and nothing changed for 1.5 s; null before. */
    List<String> settled() {
      List<String> steps = new ArrayList<>();
      Matcher m = STEP.matcher(app.output());
      while (m.find()) {
        steps.add(m.group(1) + " " + m.group(2));
      }
      if (!steps.equals(last)) {
        last = steps;
        unchangedSince = System.nanoTime();
        return null;
      }
      boolean allEnded = !steps.isEmpty() && steps.size() % 2 == 0;
      return allEnded && System.nanoTime() - unchangedSince > 1_500_000_000L ? steps : null;
    }
  }
}
