package dev.quiesce.example;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.launcher.ExitCodes;
import dev.quiesce.testing.Await;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The upgrade in place against the fat jar: a curl-like loop (a new connection per request, no retry)
 * and keep-alive clients run through {@code POST /lifecycle/upgrade}; every request succeeds while the answers switch from the
 * old process ({@code hello}) to its successor ({@code hello v2}); the old process exits 0 with trigger
 * {@code upgrade}. A successor that cannot start is rolled back and the old process serves on; an
 * upgrade during a stop is refused with 409.
 */
class UpgradeIT {

  @TempDir
  Path dir;

  /** The fixture with an {@code upgrade} section: the successor runs {@code successorJvmArgs}, then the same jar. */
  private ExampleAppFixture fixture(List<String> successorCommand) throws Exception {
    ExampleAppFixture f = new ExampleAppFixture(dir);
    JsonObject upgrade = new JsonObject().put("stateDir", dir.resolve("state").toString()).put("timeout", "60s");
    if (!successorCommand.isEmpty()) {
      upgrade.put("command", new JsonArray(successorCommand));
    }
    f.config.put("upgrade", upgrade);
    return f;
  }

  private static List<String> secondVersion(ExampleAppFixture f) {
    return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
        "-Dquiesce.example.greeting=hello v2", "-jar", System.getProperty("example.jar"),
        "--config", f.dir.resolve("config.json").toString());
  }

  private static HttpResponse<String> upgrade(ExampleAppFixture f) throws Exception {
    return f.command("upgrade");
  }

  @Test
  void aCurlLoopSeesNoFailureWhileTheAnswersSwitchToTheSuccessor() throws Exception {
    long successor = -1;
    ExampleAppFixture f = fixture(List.of());
    f.config.put("upgrade", f.config.getJsonObject("upgrade").put("command", new JsonArray(secondVersion(f))));
    try (f) {
      f.start();
      long old = f.app.pid();
      CurlLoop loop = CurlLoop.start(f.httpPort, "/hello", 2, Duration.ofSeconds(120), 200_000);
      // beside it, keep-alive clients (the JDK's HttpClient): the drain closes their connections with
      // Connection: close after a response, and they reconnect to whichever process listens
      LoadLoop keepAlive = LoadLoop.start(f.httpPort, "/hello", 2, Duration.ofSeconds(120), 200_000);
      try {
        Await.until("the loop is served by the old process", Duration.ofSeconds(20),
            () -> loop.answers().size() >= 50);
        long asked = System.nanoTime();

        HttpResponse<String> accepted = upgrade(f);

        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        assertThat(f.app.awaitExit(Duration.ofSeconds(90))).as(f.app.output()).isEqualTo(ExitCodes.GRACEFUL);
        long exitedMs = (System.nanoTime() - asked) / 1_000_000;
        JsonObject report = f.report();
        assertThat(report.getString("trigger")).isEqualTo("upgrade");
        successor = Long.parseLong(report.getString("reason").replaceAll("\\D+", " ").strip());
        int before = loop.answers().size();
        Await.until("the loop is served by the successor", Duration.ofSeconds(20),
            () -> loop.answers().size() >= before + 50);
        loop.stop();
        keepAlive.stop();

        List<CurlLoop.Answer> answers = loop.answers();
        assertThat(loop.failures()).as("failed requests").isEmpty();
        assertThat(keepAlive.failures()).as("failed keep-alive requests: %s", keepAlive.failureSamples()).isZero();
        assertThat(keepAlive.succeeded()).isPositive();
        assertThat(answers.get(0)).isEqualTo(new CurlLoop.Answer(old, "hello\n"));
        assertThat(answers.get(answers.size() - 1)).isEqualTo(new CurlLoop.Answer(successor, "hello v2\n"));
        assertThat(answers.stream().map(CurlLoop.Answer::pid).collect(Collectors.toSet()))
            .containsExactlyInAnyOrder(old, successor);
        System.out.printf("UPGRADE requests=%d failed=%d old=%d new=%d keep-alive=%d failed=%d"
            + " command->old exited %d ms%n", answers.size(), loop.failures().size(),
            answers.stream().filter(a -> a.pid() == old).count(), answers.stream().filter(a -> a.pid() != old).count(),
            keepAlive.succeeded(), keepAlive.failures(), exitedMs);
      } finally {
        loop.stop();
        keepAlive.stop();
      }
    } finally {
      stopSuccessor(successor);
    }
  }

  @Test
  void aSuccessorThatCannotStartIsRolledBackAndTheOldProcessServesOn() throws Exception {
    ExampleAppFixture f = fixture(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", dir.resolve("no-such-version.jar").toString()));
    try (f) {
      f.start();

      assertThat(upgrade(f).statusCode()).isEqualTo(202);

      f.app.awaitLine("upgrade failed, this process serves on: the successor exited with code 1 before it was ready",
          ExampleAppFixture.START);
      f.app.awaitLine("Unable to access jarfile .*no-such-version.jar", Duration.ofSeconds(5));
      HttpResponse<String> hello = f.get("/hello");
      assertThat(hello.statusCode()).isEqualTo(200);
      assertThat(hello.headers().firstValue("X-Pid")).contains(String.valueOf(f.app.pid()));
      assertThat(f.status().getString("state")).isEqualTo("RUNNING");
      assertThat(f.app.stop("TERM", Duration.ofSeconds(30)).code()).isEqualTo(ExitCodes.GRACEFUL);
    }
  }

  @Test
  void anUpgradeDuringAStopIsRefusedWith409() throws Exception {
    ExampleAppFixture f = fixture(List.of());
    try (f) {
      f.start();
      Thread slow = new Thread(() -> {
        try {
          f.get("/work?ms=3000");
        } catch (Exception e) {
          // the answer is not the point: it holds the drain open
        }
      });
      slow.start();
      f.app.signal("TERM");
      Await.until("the stop runs", Duration.ofSeconds(10), () -> "STOPPING".equals(state(f)));

      HttpResponse<String> refused = upgrade(f);

      assertThat(refused.statusCode()).isEqualTo(409);
      assertThat(refused.body()).contains("upgrade refused: the application is stopping");
      slow.join(20_000);
      assertThat(f.app.awaitExit(Duration.ofSeconds(30))).isEqualTo(ExitCodes.GRACEFUL);
    }
  }

  private static String state(ExampleAppFixture f) {
    try {
      return f.status().getString("state");
    } catch (Exception e) {
      return "unknown: " + e;
    }
  }

  private static void stopSuccessor(long pid) throws Exception {
    ExampleAppFixture.endByPid(pid);
  }
}
