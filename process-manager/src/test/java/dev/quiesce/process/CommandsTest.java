package dev.quiesce.process;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.lifecycle.EventBusContract.ProcessCommand;
import dev.quiesce.testing.Await;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** quiesce.process: malformed requests are refused with a reason and change nothing; the rest work. */
class CommandsTest extends ProcessTestBase {

  private void assertRefused(Object request, int code, String... fragments) {
    ReplyException e = refused(request);
    assertThat(e.failureCode()).as("code for %s", request).isEqualTo(code);
    for (String f : fragments) {
      assertThat(e.getMessage()).as("message for %s", request).contains(f);
    }
  }

  private static JsonObject cmd(String command) {
    return new JsonObject().put("command", command);
  }

  @Test
  void malformedCommandsGetAnErrorReplyAndChangeNothing() {
    deploy(ChildFixture.config(children.group("g", 2)));
    List<Integer> pids = awaitRunning("g", 2);

    assertRefused("not json at all", 400, "not JSON");
    assertRefused(Buffer.buffer(new byte[] {1, 2, 3, (byte) 0xff}), 400, "not JSON");
    assertRefused(new JsonArray().add("stop"), 400, "JSON object");
    assertRefused("[\"stop\"]", 400, "JSON object");
    assertRefused(42, 400, "JSON object");
    assertRefused(new JsonObject(), 400, "\"command\" is required");
    assertRefused(new JsonObject().put("command", 5), 400, "must be a string");
    assertRefused(cmd("explode"), 400, "unknown command \"explode\"", "list");
    assertRefused(cmd("stop"), 400, "\"group\" is required");
    assertRefused(cmd("stop").put("group", 7), 400, "\"group\" must be a string");
    assertRefused(cmd("stop").put("group", "nope"), 404, "no group \"nope\"", "[g]");
    assertRefused(cmd("stop").put("group", "g").put("instance", "0"), 400, "\"instance\" must be a whole number");
    assertRefused(cmd("stop").put("group", "g").put("instance", 1.5), 400, "\"instance\" must be a whole number");
    assertRefused(cmd("stop").put("group", "g").put("instance", 9), 404, "no instance 9");
    assertRefused(cmd("stop").put("group", "g").put("instance", -1), 404, "no instance -1");
    assertRefused(cmd("signal").put("group", "g"), 400, "\"signal\" is required");
    assertRefused(cmd("signal").put("group", "g").put("signal", "SIGBOGUS"), 400, "not a signal name");
    assertRefused(cmd("signal").put("group", "g").put("signal", "BOGUS"), 400, "not a signal name");
    assertRefused(cmd("signal").put("group", "g").put("signal", 1), 400, "signal name");
    assertRefused(cmd("stop").put("group", "g").put("grop", "x"), 400, "\"grop\"", "did you mean \"group\"");
    assertRefused(cmd("list").put("signal", "HUP"), 400, "only by the command \"signal\"");
    assertRefused(cmd("status").put("instance", 0), 400, "needs a \"group\"");

    Random random = new Random(4);
    for (int i = 0; i < 300; i++) {
      assertRefused(randomInvalidRequest(random), 400);
    }
    // huge strings, deep nesting, random bytes, non-JSON text: refused, and the reply stays short
    String huge = "x".repeat(1 << 20);
    for (Object body : List.of(cmd(huge), new JsonObject().put(huge, "list"), huge, Buffer.buffer(huge),
        cmd("signal").put("group", "g").put("signal", huge), cmd("list").put("instance", deep(500)),
        deep(500), "{\"command\":", "\u0000\u0001", Buffer.buffer(randomBytes(random, 4096)))) {
      ReplyException e = refused(body);
      assertThat(e.failureCode()).isEqualTo(400);
      assertThat(e.getMessage()).hasSizeLessThan(1000).doesNotContain("\tat ").doesNotContain("Exception");
    }
    assertRefused(cmd("stop").put("group", "g".repeat(100_000)), 404, "no group");
    assertThat(refused(cmd("stop").put("group", "g".repeat(100_000))).getMessage()).hasSizeLessThan(1000);

    assertThat(pidsOf("g")).isEqualTo(pids);
    for (int pid : pids) {
      assertThat(children.signalNames(pid)).isEmpty();
    }
    assertThat(events("stopping")).isEmpty();
    assertThat(events("signalled")).isEmpty();
  }

  /** One parser for signal names everywhere (issue 11): the command takes each spelling lifecycle.signals takes. */
  @Test
  void theSignalCommandTakesTheSignalNameInAnySpelling() {
    deploy(ChildFixture.config(children.group("g", 1)));
    int pid = awaitRunning("g", 1).get(0);

    int sent = 0;
    for (String spelling : List.of("SIGHUP", "hup")) {
      JsonObject reply = command(cmd("signal").put("group", "g").put("signal", spelling));
      assertThat(reply.getString("signal")).as("signal named %s", spelling).isEqualTo("HUP");
      assertThat(reply.getJsonArray("pids").getList()).containsExactly(pid);
      int expected = ++sent;
      Await.until("HUP " + expected + " logged", Duration.ofSeconds(5),
          () -> children.signalNames(pid).size() == expected && events("signalled").size() == expected);
    }
    assertThat(children.signalNames(pid)).containsExactly("HUP", "HUP");
  }

  private static JsonObject deep(int depth) {
    JsonObject o = new JsonObject().put("command", "list");
    for (int i = 0; i < depth; i++) {
      o = new JsonObject().put("x", o);
    }
    return o;
  }

  private static byte[] randomBytes(Random random, int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  /** Random JSON objects that are never a valid request: a bad command, or a bad type. */
  private static JsonObject randomInvalidRequest(Random r) {
    Object[] values = {null, 1, -3, 2.5, true, "", "stop ", "STOP", "list\n", new JsonArray(), new JsonObject(),
        new JsonObject().put("command", "stop"), "ÿ\u0000", "g"};
    String[] keys = {"command", "group", "instance", "signal", "cmd", "x", "", "Command"};
    JsonObject o = new JsonObject();
    int n = r.nextInt(5);
    for (int k = 0; k < n; k++) {
      o.put(keys[r.nextInt(keys.length)], values[r.nextInt(values.length)]);
    }
    Object c = o.getValue("command");
    if (c instanceof String s && ProcessCommand.fromWire(s).isPresent()) {
      o.put("command", s + "?");
    }
    return o;
  }

  @Test
  void listStatusStopStartAndRestartWork() {
    deploy(ChildFixture.config(children.group("g", 2, java.util.Map.of("CHILD_READY_AFTER", "0.1"))
        .put("ready", new JsonObject().put("logLine", "ready to serve"))));
    List<Integer> pids = awaitRunning("g", 2);

    JsonObject list = command(cmd("list"));
    assertThat(list.getString("state")).isEqualTo("running");
    assertThat(list.getJsonArray("groups")).singleElement()
        .satisfies(g -> assertThat(((JsonObject) g).getInteger("desired")).isEqualTo(2));

    JsonObject stopped = command(cmd("stop").put("group", "g").put("instance", 0));
    assertThat(stopped.getJsonArray("children")).singleElement()
        .satisfies(c -> assertThat(((JsonObject) c).getInteger("pid")).isEqualTo(pids.get(0)));
    JsonObject one = command(cmd("status").put("group", "g").put("instance", 0));
    assertThat(one.getString("state")).isEqualTo("stopped");
    assertThat(one.getBoolean("wanted")).isFalse();
    assertThat(ChildFixture.alive(pids.get(1))).isTrue();

    command(cmd("start").put("group", "g").put("instance", 0));
    Await.until("instance 0 runs again", java.time.Duration.ofSeconds(5), () -> pidsOf("g").size() == 2);
    int newPid = pidsOf("g").get(0);
    assertThat(newPid).isNotEqualTo(pids.get(0));

    JsonObject restarted = command(cmd("restart").put("group", "g"));
    assertThat(restarted.getInteger("restarted")).isEqualTo(2);
    assertThat(restarted.getInteger("ready")).isEqualTo(2);
    assertThat(pidsOf("g")).doesNotContain(newPid, pids.get(1));
  }
}
