package dev.quiesce.example;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.launcher.ExitCodes;
import dev.quiesce.systemd.SdNotify;
import dev.quiesce.testing.Await;
import dev.quiesce.testing.JvmProcess;
import dev.quiesce.testing.Timing;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example's notify worker ({@code indexer}, {@link NotifyingWorker}) under the built fat jar, as
 * shipped: it is ready only when it says {@code READY=1}, its {@code STATUS=} and watchdog pings show
 * in {@code /workers}, a message from a process outside its group is ignored and counted, it says
 * {@code STOPPING=1} at a stop and exits 0; once it hangs (no more pings), the watchdog restarts it.
 */
@Tag("slow")
class NotifyWorkerIT {

  private static final Duration SLOW = Duration.ofSeconds(60);

  @TempDir
  Path dir;

  @Test
  void readyOnReadyStatusAndPingsShownForeignIgnoredAndStoppingSaidAtTheStop() throws Exception {
    try (ExampleAppFixture f = ExampleAppFixture.asShipped(dir).start()) {
      Await.until("the indexer ready", SLOW, () -> indexer(f).getString("state").equals("ready"));
      f.app.awaitLine("indexer-0 pid=\\d+: ready", SLOW);
      Await.until("a STATUS from its work and watchdog pings", SLOW, () -> {
        JsonObject n = indexer(f).getJsonObject("notify");
        return n != null && n.getString("status", "").matches("indexed [1-9]\\d* batches")
            && n.getLong("watchdogPings", 0L) >= 2;
      });
      JsonObject counts = notifyCounts(f);
      assertThat(counts.getLong("foreign")).isZero();

      // the test JVM is not in the indexer's process group: its READY=1 is ignored and counted
      Path socket = Path.of(counts.getString("socket"));
      assertThat(SdNotify.to(socket).sendAndWait(Duration.ofSeconds(5), "READY=1", "STATUS=forged")).isTrue();
      Await.until("the forged message counted", SLOW, () -> notifyCounts(f).getLong("foreign") == 2);
      assertThat(indexer(f).getJsonObject("notify").getString("status")).doesNotContain("forged");

      JvmProcess.Exit exit = f.app.stop("TERM", SLOW);
      assertThat(exit.code()).as(f.app.output()).isEqualTo(ExitCodes.GRACEFUL);
      assertThat(f.app.output()).containsPattern("group indexer instance 0 \\(pid \\d+\\) says it is stopping")
          .containsPattern("indexer-0 pid=\\d+: clean exit");
      assertThat(f.report().getJsonArray("children").stream().map(JsonObject.class::cast)
          .filter(c -> "indexer".equals(c.getString("group"))))
          .singleElement().satisfies(c -> assertThat(c.getJsonObject("exit").getInteger("code")).isZero());
    }
  }

  @Test
  void aHungNotifyWorkerIsRestartedByTheWatchdog() throws Exception {
    ExampleAppFixture f = ExampleAppFixture.asShipped(dir);
    JsonObject indexer = ExampleAppFixture.group(f.config, "indexer");
    indexer.getJsonObject("env").put("NOTIFY_WORKER_HANG_AFTER_SECONDS", "1.5");
    indexer.put("health", new JsonObject().put("watchdog", "1s"));
    try (f) {
      f.start();
      Matcher hung = f.app.awaitLine("indexer-0 pid=(\\d+): hanging", SLOW);
      Matcher unhealthy = f.app.awaitLine("group indexer instance 0 .*unhealthy.*", SLOW);
      assertThat(unhealthy.group()).contains("watchdog");
      Await.until("a new indexer ready", SLOW, () -> {
        JsonObject i = indexer(f);
        return "ready".equals(i.getString("state")) && i.getInteger("pid") != Integer.parseInt(hung.group(1));
      });
      assertThat(indexer(f).getInteger("unhealthy")).isEqualTo(1);
      JvmProcess.Exit exit = f.app.stop("TERM", SLOW);
      assertThat(exit.code()).as(f.app.output()).isEqualTo(ExitCodes.GRACEFUL);
      assertThat(exit.tookMs()).isLessThan(Timing.upTo(30_000L));
    }
  }

  private static JsonObject workers(ExampleAppFixture f) {
    try {
      return new JsonObject(f.get("/workers").body());
    } catch (Exception e) {
      return new JsonObject();
    }
  }

  private static JsonObject indexer(ExampleAppFixture f) {
    return workers(f).getJsonArray("groups", new io.vertx.core.json.JsonArray()).stream().map(JsonObject.class::cast)
        .filter(g -> "indexer".equals(g.getString("group"))).findFirst()
        .map(g -> g.getJsonArray("instances").getJsonObject(0)).orElse(new JsonObject().put("state", "absent"));
  }

  private static JsonObject notifyCounts(ExampleAppFixture f) {
    return workers(f).getJsonObject("notify", new JsonObject());
  }
}
