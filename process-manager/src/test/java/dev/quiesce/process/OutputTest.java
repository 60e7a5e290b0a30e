package dev.quiesce.process;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.testing.Await;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Output capture: lines to the group's logger, cut at maxLineLength, rate-limited events; readiness. */
class OutputTest extends ProcessTestBase {

  private LogCapture logged;

  @BeforeEach
  void captureProcessLogs() {
    logged = new LogCapture("quiesce.process");
  }

  @AfterEach
  void release() {
    logged.detach();
  }

  private List<String> lines(String logger) {
    return logged.lines(logger);
  }

  @Test
  void tenMegabyteLineIsCutAndSaysSo() {
    deploy(ChildFixture.config(children.group("big", 1, Map.of("CHILD_BIG_LINE", Integer.toString(10 << 20)))
        .put("maxLineLength", 1000)));

    JsonObject after = awaitEvent("the line after the big one", Duration.ofSeconds(20),
        e -> "output".equals(e.getString("type")) && "after the big line".equals(e.getString("line")));
    assertThat(after.getBoolean("cut")).isFalse();
    JsonObject big = events("output").stream().filter(e -> e.getBoolean("cut")).findFirst().orElseThrow();
    assertThat(big.getString("line")).hasSize(1000).matches("x+");
    assertThat(big.getLong("droppedBytes")).isEqualTo((10L << 20) - 1000);
    assertThat(lines("quiesce.process.big")).anySatisfy(l -> assertThat(l)
        .startsWith("[big#0 stdout] xxx").endsWith("[line cut at 1000 bytes, " + ((10L << 20) - 1000) + " more dropped]")
        .hasSizeLessThan(1100));
    // the JVM's memory stays bounded: the thread that read the 10 MB line allocated a small fraction
    // of it (a line kept whole would need at least 10 MB, 20 MB as a String)
    long allocated = allocatedBy("quiesce-output-big");
    assertThat(allocated).as("bytes allocated by the reader that read 10 MB").isBetween(1L, 2L << 20);
    System.out.printf("10 MB line: cut at 1000 bytes; the reader thread allocated %d bytes in all%n", allocated);
  }

  /** Bytes allocated so far by the live thread {@code name} (HotSpot's per-thread allocation counter). */
  private static long allocatedBy(String name) {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    Thread reader = Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no thread " + name));
    return threads.getThreadAllocatedBytes(reader.getId());
  }

  @Test
  void childThatClosesItsStdoutKeepsRunningAndStopsCleanly() {
    deploy(ChildFixture.config(children.group("quiet", 1, Map.of("CHILD_CLOSE_STDOUT", "1"))));
    int pid = awaitRunning("quiet", 1).get(0);
    awaitEvent("the stderr line", Duration.ofSeconds(5),
        e -> "output".equals(e.getString("type")) && "stdout closed".equals(e.getString("line")));
    assertThat(lines("quiesce.process.quiet")).contains("[quiet#0 stderr] stdout closed");

    command(new JsonObject().put("command", "signal").put("group", "quiet").put("signal", "HUP"));
    Await.until("HUP logged", Duration.ofSeconds(5), () -> children.signalNames(pid).contains("HUP"));
    JsonObject stopped = command(new JsonObject().put("command", "stop").put("group", "quiet"))
        .getJsonArray("children").getJsonObject(0);
    assertThat(stopped.getJsonObject("exit")).isEqualTo(new JsonObject().put("code", 0));
    assertThat(stopped.getString("step")).isEqualTo("TERM");
  }

  @Test
  void outputEventsAreRateLimitedButEveryLineIsLogged() {
    JsonObject chatty = new JsonObject().put("name", "chatty").put("outputEvents", 5).put("restart", "never")
        .put("command", new io.vertx.core.json.JsonArray().add("sh").add("-c").add("seq 1 500"));
    deploy(ChildFixture.config(chatty));
    awaitEvent("exit", Duration.ofSeconds(10), e -> "exited".equals(e.getString("type")));
    Await.until("500 lines logged", Duration.ofSeconds(5), () -> lines("quiesce.process.chatty").size() == 500);
    // the events travel over the event bus, the log lines do not: the events may come a little later
    Await.until("the first burst of output events", Duration.ofSeconds(5), () -> events("output").size() >= 5);
    assertThat(events("output")).hasSizeBetween(5, 10);
  }

  @Test
  void readinessByLogLineDelayAndTcpPort() throws Exception {
    int port;
    try (java.net.ServerSocket probe = new java.net.ServerSocket(0)) {
      port = probe.getLocalPort();
    }
    JsonObject byLine = children.group("byLine", 1, Map.of("CHILD_READY_AFTER", "0.4"))
        .put("ready", new JsonObject().put("logLine", "^ready to serve$"));
    JsonObject byDelay = children.group("byDelay", 1).put("ready", new JsonObject().put("delay", "300ms"));
    JsonObject byPort = new JsonObject().put("name", "byPort").put("restart", "never")
        .put("command", new io.vertx.core.json.JsonArray().add("python3").add("-c")
            .add("import os,socket,time\ntime.sleep(0.3)\ns=socket.socket()\n"
                + "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
                + "s.bind(('127.0.0.1', int(os.environ['QUIESCE_PORT'])))\ns.listen()\ntime.sleep(60)"))
        .put("ready", new JsonObject().put("tcpPort", port));
    deploy(ChildFixture.config(byLine, byDelay, byPort));

    for (String g : List.of("byLine", "byDelay", "byPort")) {
      JsonObject ready = awaitEvent(g + " ready", Duration.ofSeconds(10),
          e -> "ready".equals(e.getString("type")) && g.equals(e.getString("group")));
      assertThat(ready.getLong("afterMs")).as(g).isBetween(250L, 5000L);
    }
    JsonObject status = command(new JsonObject().put("command", "status").put("group", "byLine"));
    assertThat(status.getInteger("ready")).isEqualTo(1);
    assertThat(status.getJsonArray("instances").getJsonObject(0).getString("state")).isEqualTo("ready");
  }

  @Test
  void childNotReadyInTimeIsStoppedAndCountsAsFailure() {
    JsonObject slow = children.group("slow", 1).put("ready", new JsonObject().put("logLine", "never printed")
        .put("timeout", "300ms")).put("restart", "never");
    deploy(ChildFixture.config(slow));
    int pid = awaitRunning("slow", 1).get(0);
    JsonObject timeout = awaitEvent("ready-timeout", Duration.ofSeconds(5), e -> "ready-timeout".equals(e.getString("type")));
    assertThat(timeout.getLong("afterMs")).isBetween(300L, 3000L);
    awaitEvent("exited", Duration.ofSeconds(5), e -> "exited".equals(e.getString("type")));
    assertThat(children.signalNames(pid)).containsExactly("TERM");
    Await.until("state failed", Duration.ofSeconds(5), () -> "failed".equals(command(
        new JsonObject().put("command", "status").put("group", "slow")).getJsonArray("instances").getJsonObject(0)
        .getString("state")));
  }
}
