package dev.quiesce.example;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.launcher.ExitCodes;
import dev.quiesce.testing.Await;
import dev.quiesce.testing.JvmProcess;
import dev.quiesce.testing.Timing;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The example application's fat jar, run as its own JVM, stopped and reloaded with real signals. */
@Tag("e2e")
class ExampleAppIT {

  @TempDir
  Path dir;

  @Test
  void requestsInFlightWhenTermArrivesAllCompleteWorkersCleanUpAndTheExitCodeIsZero() throws Exception {
    try (ExampleAppFixture f = new ExampleAppFixture(dir).start()) {
      assertThat(f.get("/hello").body()).isEqualTo("hello\n");
      Await.until("both workers ready", Duration.ofSeconds(20), () -> workersReady(f) == 2);

      List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        inFlight.add(f.client.sendAsync(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + f.httpPort + "/work?ms=2000")).timeout(Duration.ofSeconds(30)).build(),
            HttpResponse.BodyHandlers.ofString()));
      }
      Await.until("5 requests in flight", Duration.ofSeconds(10), () -> inFlight(f) >= 5);
      f.app.signal("TERM");

      for (CompletableFuture<HttpResponse<String>> response : inFlight) {
        HttpResponse<String> r = response.get();
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("done 2000\n");
      }
      assertThat(f.app.awaitExit(Duration.ofSeconds(40))).isEqualTo(ExitCodes.GRACEFUL);

      String output = f.app.output();
      for (int instance = 0; instance < 2; instance++) {
        int term = output.indexOf("workers-" + instance + " pid=");
        assertThat(term).isNotNegative();
        assertThat(output).containsPattern("workers-" + instance + " pid=\\d+: got TERM, cleaning up")
            .containsPattern("workers-" + instance + " pid=\\d+: clean exit");
        assertThat(output.indexOf("workers-" + instance + " pid=", output.indexOf("got TERM")))
            .isLessThan(output.lastIndexOf("clean exit"));
      }
      JsonObject report = f.report();
      assertThat(report.getString("outcome")).isEqualTo("graceful");
      assertThat(participants(report)).contains("http", "processes", "management");
      JsonArray children = report.getJsonArray("children");
      assertThat(children).hasSize(2);
      assertThat(children.stream().map(JsonObject.class::cast)).allSatisfy(c -> {
        assertThat(c.getString("group")).isEqualTo("workers");
        assertThat(c.getJsonObject("exit").getInteger("code")).isZero();
      });
      JsonObject drain = report.getJsonArray("phases").stream().map(JsonObject.class::cast)
          .filter(p -> "drain".equals(p.getString("phase"))).findFirst().orElseThrow();
      JsonObject http = drain.getJsonArray("participants").getJsonObject(0);
      assertThat(http.getJsonObject("detail").getInteger("completed")).isEqualTo(5);
      assertThat(http.getJsonObject("detail").getInteger("aborted")).isZero();
    }
  }

  /**
   * A new user's first screen: from start to a stop, with metrics on, the example logs no
   * warning (vertx-micrometer registering its event-bus gauge once per consumer used to print
   * Micrometer's "This Gauge has been already registered" at every start).
   */
  @Test
  void aStartAndAStopLogNoWarning() throws Exception {
    try (ExampleAppFixture f = new ExampleAppFixture(dir).start()) {
      Await.until("both workers ready", Duration.ofSeconds(20), () -> workersReady(f) == 2);
      assertThat(f.get("/hello").statusCode()).isEqualTo(200);
      f.app.signal("TERM");
      assertThat(f.app.awaitExit(Duration.ofSeconds(40))).isEqualTo(ExitCodes.GRACEFUL);
      assertThat(f.app.output()).as("the example's output").doesNotContain(" WARN ")
          .doesNotContain("has been already registered");
    }
  }

  @Test
  void workerThatIgnoresTermIsKilledAtItsTimeoutAndTheExitCodeSaysForced() throws Exception {
    ExampleAppFixture f = new ExampleAppFixture(dir);
    f.workers().put("stopTimeout", "1500ms").getJsonObject("env").put("WORKER_IGNORE_TERM", "1");
    try (f) {
      f.start();
      Await.until("both workers ready", Duration.ofSeconds(20), () -> workersReady(f) == 2);
      JvmProcess.Exit exit = f.app.stop("TERM", Duration.ofSeconds(40));
      assertThat(exit.code()).isEqualTo(ExitCodes.FORCED);
      long tookMs = exit.tookMs();
      assertThat(tookMs).isGreaterThanOrEqualTo(1500).isLessThan(Timing.upTo(1500 + 10_000));
      assertThat(f.app.output()).contains("got TERM, ignoring it");
      JsonObject report = f.report();
      assertThat(report.getString("outcome")).isEqualTo("forced");
      assertThat(report.getJsonArray("children").stream().map(JsonObject.class::cast)).hasSize(2)
          .allSatisfy(c -> {
            assertThat(c.getBoolean("forced")).isTrue();
            assertThat(c.getJsonObject("exit").getString("signal")).isEqualTo("KILL");
          });
      assertThat(report.getJsonArray("problems").encode()).contains("processes");
    }
  }

  @Test
  void hupUnderLoadFailsNoRequestAndRestartsTheWorkersOneAtATime() throws Exception {
    try (ExampleAppFixture f = new ExampleAppFixture(dir).start()) {
      Await.until("both workers ready", Duration.ofSeconds(20), () -> workersReady(f) == 2);
      List<Integer> pidsBefore = workerPids(f);
      LoadLoop load = LoadLoop.start(f.httpPort, "/work?ms=20", 4, Duration.ofSeconds(20), 20_000);
      Await.until("load is flowing", Duration.ofSeconds(10), () -> load.succeeded() > 50);

      f.app.signal("HUP");
      Matcher reload = f.app.awaitLine("reload (done|partial) in \\d+ ms: (.*)$", Duration.ofSeconds(30));
      long afterReload = load.succeeded();
      Await.until("load continues after the reload", Duration.ofSeconds(10), () -> load.succeeded() > afterReload + 50);
      load.stop();

      assertThat(reload.group(1)).isEqualTo("done");
      assertThat(load.failures()).as("failed requests: %s", load.failureSamples()).isZero();
      assertThat(load.succeeded()).isGreaterThan(100);
      List<Integer> pidsAfter = workerPids(f);
      assertThat(pidsAfter).hasSize(2).doesNotContainAnyElementsOf(pidsBefore);
      assertOneAtATime(f.app.output());
      assertThat(reload.group(2)).contains("processes").contains("workers");

      f.app.signal("TERM");
      assertThat(f.app.awaitExit(Duration.ofSeconds(40))).isEqualTo(ExitCodes.GRACEFUL);
    }
  }

  /** Between the stop of one old worker and the start of the next, the replacement became ready. */
  private static void assertOneAtATime(String output) {
    Pattern restart = Pattern.compile("group workers instance (\\d) (started|.*stopped)");
    Matcher m = restart.matcher(output);
    List<String> order = new ArrayList<>();
    while (m.find()) {
      order.add(m.group(1) + (m.group(2).equals("started") ? "+" : "-"));
    }
    // at start: 0+ 1+; reload: one instance replaced at a time, so a second "-" never comes
    // before the first replacement's "+"
    int stops = 0;
    int starts = 0;
    for (String step : order.subList(2, order.size())) {
      if (step.endsWith("-")) {
        stops++;
        assertThat(stops - starts).as("instances down at once in %s", order).isLessThanOrEqualTo(1);
      } else {
        starts++;
      }
    }
    assertThat(starts).as("restarts in %s", order).isGreaterThanOrEqualTo(2);
  }

  private static List<String> participants(JsonObject report) {
    List<String> names = new ArrayList<>();
    report.getJsonArray("phases").forEach(p -> ((JsonObject) p).getJsonArray("participants")
        .forEach(o -> names.add(((JsonObject) o).getString("participant"))));
    return names;
  }

  private static int inFlight(ExampleAppFixture f) {
    try {
      return f.status().getInteger("inFlightRequests", 0);
    } catch (Exception e) {
      return 0;
    }
  }

  private static JsonObject workersGroup(ExampleAppFixture f) throws Exception {
    return new JsonObject(f.get("/workers").body()).getJsonArray("groups").getJsonObject(0);
  }

  private static int workersReady(ExampleAppFixture f) {
    try {
      return workersGroup(f).getInteger("ready");
    } catch (Exception e) {
      return -1;
    }
  }

  private static List<Integer> workerPids(ExampleAppFixture f) throws Exception {
    return workersGroup(f).getJsonArray("instances").stream()
        .map(i -> ((JsonObject) i).getInteger("pid")).toList();
  }
}
