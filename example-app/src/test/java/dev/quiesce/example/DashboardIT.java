package dev.quiesce.example;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.launcher.ExitCodes;
import dev.quiesce.testing.Await;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The management listener's dashboard ({@code GET /}) in a real headless Chromium, against the fat
 * jar with every process group of the shipped configuration: it shows the state, the stop plan and
 * the children, shows the control buttons only once a token is typed in, shows the outcome of a reload
 * its own button asked for, follows a stop that its own stop button starts over the live event stream,
 * and draws the stop report as a timeline, one bar per phase, one per participant and one per child,
 * the forced ones in red. The page's DOM is read with {@code Runtime.evaluate}; the forced stop's page is saved as {@code target/dashboard.png}
 * (copied to docs/dashboard.png by hand; framework-web/README.md says how).
 */
@Tag("e2e")
class DashboardIT {

  @TempDir
  Path dir;

  @Test
  void reloadsAndStopsWithItsOwnButtonsFollowsTheStopAndDrawsTheReportAsATimeline() throws Exception {
    try (ExampleAppFixture f = ExampleAppFixture.asShipped(dir).start();
        HeadlessChromium browser = HeadlessChromium.start(dir)) {
      openAndAwaitRunning(f, browser);

      assertThat(browser.evaluate("document.getElementById('controls').hidden")).isEqualTo(true);
      browser.evaluate("(() => { const t = document.getElementById('token'); t.value = '"
          + f.config.getJsonObject("management").getString("token") + "'; t.dispatchEvent(new Event('input')); })()");
      assertThat(browser.evaluate("document.getElementById('controls').hidden")).isEqualTo(false);
      browser.evaluate("document.querySelector('button[data-command=reload]').click()");
      Await.until("the page shows the reload it asked for as done", Duration.ofSeconds(60), () -> String.valueOf(
          browser.evaluate("(document.querySelector('#now dd[data-key=\"last reload\"]') || {}).textContent"))
          .startsWith("done in "));
      browser.evaluate("document.querySelector('button[data-command=stop]').click()");

      assertThat(f.app.awaitExit(Duration.ofSeconds(60))).isEqualTo(ExitCodes.GRACEFUL);
      JsonObject report = f.report();
      assertThat(report.getString("reason")).isEqualTo("dashboard");
      awaitTimeline(browser);
      assertTimelineMatches(browser, report);
      assertThat(text(browser, "report-summary")).startsWith("graceful stop, exit code 0");
      assertThat(browser.evaluate("document.querySelectorAll('#timeline .tl-bar.bad').length")).isEqualTo(0);
      // the page learnt of the stop as it happened, not from a late copy of the report
      assertThat(browser.evaluate("document.querySelectorAll('#events li[data-type=\"phase-start\"]').length"))
          .isEqualTo(report.getJsonArray("phases").size());
      assertThat(browser.evaluate("localStorage.length + sessionStorage.length + document.cookie.length"))
          .isEqualTo(0);
      // the process is gone: the page says so and keeps the timeline
      Await.until("the page says the process ended", Duration.ofSeconds(20),
          () -> "ENDED".equals(text(browser, "state")));
      assertThat(browser.evaluate("document.querySelectorAll('#timeline .phase-bar').length"))
          .isEqualTo(report.getJsonArray("phases").size());
    }
  }

  @Test
  void aForcedStopShowsTheChildrenKilledInRedAndIsTheScreenshotInTheDocs() throws Exception {
    ExampleAppFixture shipped = ExampleAppFixture.asShipped(dir);
    shipped.workers().put("stopTimeout", "1500ms").getJsonObject("env").put("WORKER_IGNORE_TERM", "1");
    try (ExampleAppFixture f = shipped.start(); HeadlessChromium browser = HeadlessChromium.start(dir)) {
      openAndAwaitRunning(f, browser);
      f.command("stop");
      // the workers ignore TERM: terminate lasts at least their 1.5 s stop timeout, long enough to see it live
      Await.until("the page draws the stop in progress, terminate's bar growing", Duration.ofSeconds(30),
          () -> "Stop in progress".equals(text(browser, "timeline-title")) && "terminate".equals(browser.evaluate(
              "(document.querySelector('#timeline .phase-bar.running') || {dataset: {}}).dataset.name")));

      assertThat(f.app.awaitExit(Duration.ofSeconds(60))).isEqualTo(ExitCodes.FORCED);
      JsonObject report = f.report();
      awaitTimeline(browser);
      assertTimelineMatches(browser, report);
      assertThat(text(browser, "report-summary")).startsWith("forced stop, exit code 3");
      long killed = report.getJsonArray("children").stream().map(JsonObject.class::cast)
          .filter(c -> "KILL".equals(c.getString("step"))).count();
      assertThat(killed).isEqualTo(2);
      assertThat(browser.evaluate("document.querySelectorAll('#timeline .child-bar.bad').length"))
          .isEqualTo((int) killed);
      // each child sits where its stop began: the cache (the workers depend on it) only after the workers exited
      assertThat(report.getJsonArray("children").stream().map(JsonObject.class::cast))
          .allSatisfy(c -> assertThat(c.getLong("stopStartedAt"))
              .isBetween(report.getLong("start"), report.getLong("end")));
      double workersEnd = number(browser.evaluate("Math.max(...[...document.querySelectorAll('#timeline .child-bar')]"
          + ".filter(b => b.dataset.name.startsWith('workers#'))"
          + ".map(b => parseFloat(b.style.left) + parseFloat(b.style.width)))"));
      double cacheStart = number(browser.evaluate(
          "parseFloat(document.querySelector('#timeline .child-bar[data-name=\"cache#0\"]').style.left)"));
      assertThat(cacheStart).isGreaterThan(workersEnd - 1); // percent of the track; 1 % for rounding
      assertThat(browser.evaluate("document.querySelectorAll('#timeline .problems li').length"))
          .isEqualTo(report.getJsonArray("problems").size());
      Await.until("the page says the process ended", Duration.ofSeconds(20),
          () -> "ENDED".equals(text(browser, "state")));

      byte[] png = browser.screenshot();
      assertThat(png).startsWith(0x89, 'P', 'N', 'G');
      Files.write(Path.of(System.getProperty("example.jar")).resolveSibling("dashboard.png"), png);
    }
  }

  /** Loads the page and waits until it shows the running application with its plan and its ready children. */
  private static void openAndAwaitRunning(ExampleAppFixture f, HeadlessChromium browser) {
    browser.navigate("http://127.0.0.1:" + f.managementPort + "/");
    Await.until("the page shows RUNNING over a live stream", Duration.ofSeconds(30),
        () -> "RUNNING".equals(text(browser, "state")) && "live".equals(text(browser, "connection")));
    int phases = f.config.getJsonObject("lifecycle").getJsonArray("phases").size();
    Await.until("the page shows the stop plan", Duration.ofSeconds(10),
        () -> Integer.valueOf(phases).equals(
            browser.evaluate("document.querySelectorAll('#plan li[data-phase]').length")));
    int instances = f.config.getJsonArray("processes").stream().map(JsonObject.class::cast)
        .mapToInt(g -> g.getInteger("instances", 1)).sum();
    Await.until("the page shows every child ready", Duration.ofSeconds(40), () -> Integer.valueOf(instances).equals(
        browser.evaluate("[...document.querySelectorAll('#processes tr.instance td:nth-child(4)')]"
            + ".filter(td => td.textContent === 'yes').length")));
  }

  private static void awaitTimeline(HeadlessChromium browser) {
    Await.until("the page shows the finished stop's timeline", Duration.ofSeconds(20),
        () -> "true".equals(browser.evaluate("document.getElementById('timeline').getAttribute('data-finished')")));
  }

  /** One phase bar per phase of the report, one bar per participant and one per child. */
  private static void assertTimelineMatches(HeadlessChromium browser, JsonObject report) {
    int participants = report.getJsonArray("phases").stream().map(JsonObject.class::cast)
        .mapToInt(p -> p.getJsonArray("participants").size()).sum();
    assertThat(browser.evaluate("document.querySelectorAll('#timeline .phase-bar').length"))
        .isEqualTo(report.getJsonArray("phases").size());
    assertThat(browser.evaluate(
        "[...document.querySelectorAll('#timeline .phase-bar')].map(b => b.dataset.name).join()"))
        .isEqualTo(String.join(",", report.getJsonArray("phases").stream().map(JsonObject.class::cast)
            .map(p -> p.getString("phase")).toList()));
    assertThat(browser.evaluate("document.querySelectorAll('#timeline .participant-bar').length"))
        .isEqualTo(participants);
    assertThat(browser.evaluate("document.querySelectorAll('#timeline .child-bar').length"))
        .isEqualTo(report.getJsonArray("children").size());
  }

  private static double number(Object value) {
    assertThat(value).isInstanceOf(Number.class);
    return ((Number) value).doubleValue();
  }

  private static String text(HeadlessChromium browser, String id) {
    Object value = browser.evaluate("(document.getElementById('" + id + "') || {}).textContent");
    return value == null ? null : value.toString();
  }
}
