package dev.quiesce.process;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.testing.Await;
import dev.quiesce.testing.Timing;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The restart policy: backoff, crash loop, commands that cannot start. */
class RestartTest extends ProcessTestBase {

  private JsonObject crasher(String name, JsonObject restart) {
    return children.group(name, 1, Map.of("CHILD_EXIT_AFTER", "0", "CHILD_EXIT_CODE", "3")).put("restart", restart);
  }

  private static JsonObject backoff(int maxRestarts) {
    return new JsonObject().put("policy", "on-failure").put("initial", "100ms").put("multiplier", 2)
        .put("max", "400ms").put("jitter", 0).put("maxRestarts", maxRestarts).put("window", "1m");
  }

  private List<JsonObject> eventsOf(String group, String type) {
    return events(type).stream().filter(e -> group.equals(e.getString("group"))).toList();
  }

  @Test
  void restartBackoffFollowsItsBounds() {
    deploy(ChildFixture.config(crasher("crasher", backoff(4))));
    awaitEvent("crash-loop", Duration.ofSeconds(15), e -> "crash-loop".equals(e.getString("type")));

    List<JsonObject> restarting = eventsOf("crasher", "restarting");
    List<JsonObject> started = eventsOf("crasher", "started");
    List<JsonObject> exited = eventsOf("crasher", "exited");
    assertThat(restarting).extracting(e -> e.getLong("delayMs")).containsExactly(100L, 200L, 400L, 400L);
    assertThat(restarting).extracting(e -> e.getInteger("attempt")).containsExactly(1, 2, 3, 4);
    assertThat(started).hasSize(5);
    assertThat(exited).hasSize(5).allSatisfy(e -> {
      assertThat(e.getJsonObject("exit")).isEqualTo(new JsonObject().put("code", 3));
      assertThat(e.getBoolean("expected")).isFalse();
    });
    for (int i = 0; i < restarting.size(); i++) {
      long delay = restarting.get(i).getLong("delayMs");
      long gap = started.get(i + 1).getLong("at") - exited.get(i).getLong("at");
      assertThat(gap).as("exit %d to the next start", i).isGreaterThanOrEqualTo(delay).isLessThan(Timing.upTo(delay + 1500));
    }
  }

  @Test
  void crashLoopStopsRestartingAndSaysSo() {
    deploy(ChildFixture.config(crasher("looper", backoff(2))));
    JsonObject loop = awaitEvent("crash-loop", Duration.ofSeconds(10), e -> "crash-loop".equals(e.getString("type")));
    assertThat(loop.getString("group")).isEqualTo("looper");
    assertThat(loop.getInteger("restarts")).isEqualTo(2);
    assertThat(loop.getLong("windowMs")).isEqualTo(60_000L);

    JsonObject status = command(new JsonObject().put("command", "status").put("group", "looper"));
    assertThat(status.getString("state")).isEqualTo("crash-loop");
    assertThat(status.getJsonArray("instances").getJsonObject(0).getString("state")).isEqualTo("failed");
    // nothing more is started: wait twice the longest backoff and count again
    Promise<Void> waited = Promise.promise();
    vertx.setTimer(800, id -> waited.complete());
    Await.result(waited.future(), Duration.ofSeconds(5));
    assertThat(eventsOf("looper", "started")).hasSize(3);
    assertThat(eventsOf("looper", "restarting")).hasSize(2);

    // an explicit start ends the crash loop
    JsonObject after = command(new JsonObject().put("command", "start").put("group", "looper"));
    assertThat(after.getString("state")).isEqualTo("running");
    Await.until("a fourth start", Duration.ofSeconds(5), () -> eventsOf("looper", "started").size() >= 4);
  }

  @Test
  void cleanExitIsNotRestartedOnFailurePolicyButIsWithAlways() {
    JsonObject once = children.group("once", 1, Map.of("CHILD_EXIT_AFTER", "0"))
        .put("restart", new JsonObject().put("policy", "on-failure").put("initial", "50ms"));
    JsonObject again = children.group("again", 1, Map.of("CHILD_EXIT_AFTER", "0"))
        .put("restart", new JsonObject().put("policy", "always").put("initial", "50ms").put("maxRestarts", 1));
    deploy(ChildFixture.config(once, again));

    awaitEvent("crash-loop of again", Duration.ofSeconds(10),
        e -> "crash-loop".equals(e.getString("type")) && "again".equals(e.getString("group")));
    assertThat(eventsOf("again", "started")).hasSize(2);
    // once is another child: its exit is not ordered with again's crash loop (its state is set before its event)
    awaitEvent("exited", "once");
    assertThat(eventsOf("once", "exited")).singleElement()
        .satisfies(e -> assertThat(e.getJsonObject("exit")).isEqualTo(new JsonObject().put("code", 0)));
    assertThat(eventsOf("once", "restarting")).isEmpty();
    assertThat(command(new JsonObject().put("command", "status").put("group", "once"))
        .getJsonArray("instances").getJsonObject(0).getString("state")).isEqualTo("exited");
  }

  @Test
  void commandThatCannotStartNamesTheGroupAndPathAndTheRestKeepsRunning() throws Exception {
    Path notExecutable = Files.writeString(temp.resolve("not-executable.sh"), "#!/bin/sh\nexit 0\n");
    JsonObject missing = new JsonObject().put("name", "missing")
        .put("command", new JsonArray().add(temp.resolve("no/such/program").toString()))
        .put("restart", new JsonObject().put("initial", "50ms").put("maxRestarts", 1));
    JsonObject denied = new JsonObject().put("name", "denied")
        .put("command", new JsonArray().add(notExecutable.toString())).put("restart", "never");
    JsonObject unknown = new JsonObject().put("name", "unknown")
        .put("command", new JsonArray().add("quiesce-no-such-command")).put("restart", "never");
    deploy(ChildFixture.config(missing, denied, unknown, children.group("fine", 1)));
    awaitRunning("fine", 1);

    awaitEvent("crash-loop of missing", Duration.ofSeconds(10), e -> "crash-loop".equals(e.getString("type")));
    assertThat(eventsOf("missing", "start-failed")).hasSize(2).allSatisfy(e -> assertThat(e.getString("error"))
        .contains("group missing").contains(temp.resolve("no/such/program").toString()).contains("no such file"));
    assertThat(eventsOf("denied", "start-failed")).singleElement().satisfies(e -> assertThat(e.getString("error"))
        .contains("group denied").contains(notExecutable.toString()).contains("not executable"));
    assertThat(eventsOf("unknown", "start-failed")).singleElement().satisfies(e -> assertThat(e.getString("error"))
        .contains("group unknown").contains("quiesce-no-such-command").contains("not found on the PATH"));
    assertThat(pidsOf("fine")).hasSize(1);
    assertThat(command(new JsonObject().put("command", "status").put("group", "denied"))
        .getJsonArray("instances").getJsonObject(0).getString("error")).contains("not executable");
  }
}
