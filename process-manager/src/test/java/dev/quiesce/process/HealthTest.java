package dev.quiesce.process;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.testing.Await;
import dev.quiesce.testing.Timing;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The {@code health} check of running children, with real children and real probes: a child that
 * stops answering (TCP, HTTP, a command) or never sends its watchdog is stopped along its ladder,
 * counted, and restarted by its policy, up to a crash loop.
 */
class HealthTest extends ProcessTestBase {

  /**
   * A Python child (tagged as the fixture's) that serves on {@code QUIESCE_PORT}: {@code tcp} only
   * accepts, {@code http} answers {@code GET} with 200. The first child (the one that creates
   * {@code marker}) stops answering after {@code CHILD_FAIL_AFTER} seconds (the listener closes, or
   * HTTP answers 503) and prints {@code failing <epoch ms>}; the children after it keep answering.
   * TERM ends it (exit 0).
   */
  private static final String SERVER = String.join("\n",
      "import os, signal, socket, sys, threading, time",
      "from http.server import BaseHTTPRequestHandler, HTTPServer",
      "signal.signal(signal.SIGTERM, lambda *a: os._exit(0))",
      "port = int(os.environ['QUIESCE_PORT'])",
      "marker = os.environ['CHILD_MARKER']",
      "first = not os.path.exists(marker)",
      "open(marker, 'a').close()",
      "failing = threading.Event()",
      "def fail_later():",
      "    time.sleep(float(os.environ['CHILD_FAIL_AFTER']))",
      "    since = time.time() * 1000",
      "    failing.set()",
      "    print('failing %d' % since, flush=True)",
      "if os.environ['CHILD_SERVES'] == 'http':",
      "    class H(BaseHTTPRequestHandler):",
      "        def do_GET(self):",
      "            self.send_response(503 if failing.is_set() else 200)",
      "            self.end_headers()",
      "        def log_message(self, *a):",
      "            pass",
      "    HTTPServer.allow_reuse_address = True",
      "    server = HTTPServer(('127.0.0.1', port), H)",
      "    if first:",
      "        threading.Thread(target=fail_later, daemon=True).start()",
      "    server.serve_forever()",
      "s = socket.socket()",
      "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)",
      "s.bind(('127.0.0.1', port))",
      "s.listen(64)",
      "def accept():",
      "    while True:",
      "        try:",
      "            s.accept()[0].close()",
      "        except OSError:",
      "            return",
      "threading.Thread(target=accept, daemon=True).start()",
      "if first:",
      "    fail_later()",
      "    s.shutdown(socket.SHUT_RDWR)",
      "    s.close()",
      "while True:",
      "    time.sleep(60)");

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private JsonObject server(String name, String serves, int port, JsonObject health) {
    return children.group(name, 1, Map.of("CHILD_SERVES", serves, "CHILD_FAIL_AFTER", "1",
            "CHILD_MARKER", temp.resolve(name + ".marker").toString()))
        .put("command", new JsonArray().add("python3").add("-c").add(SERVER))
        .put("ready", new JsonObject().put("tcpPort", port).put("timeout", "20s"))
        .put("restart", new JsonObject().put("initial", "50ms").put("jitter", 0))
        .put("health", health);
  }

  private List<JsonObject> eventsOf(String group, String type) {
    return events(type).stream().filter(e -> group.equals(e.getString("group"))).toList();
  }

  private JsonObject awaitEventOf(String group, String type, int n, Duration timeout) {
    Await.until(n + " " + type + " event(s) of " + group, timeout, () -> eventsOf(group, type).size() >= n);
    return eventsOf(group, type).get(n - 1);
  }

  /** The epoch ms the first child printed when it stopped answering. */
  private long failingSince(String group) {
    JsonObject line = awaitEventOf(group, "output", 1, Duration.ofSeconds(10));
    assertThat(line.getString("line")).startsWith("failing ");
    return Long.parseLong(line.getString("line").substring("failing ".length()).trim());
  }

  /** The complete lines of {@code file} (none while it does not exist). */
  private static List<String> lines(Path file) {
    try {
      if (!Files.exists(file)) {
        return List.of();
      }
      String text = Files.readString(file);
      int end = text.lastIndexOf('\n');
      return end < 0 ? List.of() : List.of(text.substring(0, end).split("\n"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private JsonObject status(String group) {
    return command(new JsonObject().put("command", "status").put("group", group));
  }

  /**
   * After a child was found unhealthy: it was stopped by the first step of its ladder (TERM, not KILL),
   * counted, and a new child was started and is ready.
   */
  private void assertRestartedThroughItsLadder(String group, JsonObject unhealthy) {
    JsonObject exited = awaitEventOf(group, "exited", 1, Duration.ofSeconds(10));
    assertThat(exited.getInteger("pid")).isEqualTo(unhealthy.getInteger("pid"));
    assertThat(exited.getBoolean("expected")).isTrue();
    assertThat(exited.getString("step")).isEqualTo("TERM");
    assertThat(exited.getBoolean("forced")).isFalse();
    JsonObject restarting = awaitEventOf(group, "restarting", 1, Duration.ofSeconds(10));
    assertThat(restarting.getString("error")).startsWith("unhealthy: ");
    JsonObject started = awaitEventOf(group, "started", 2, Duration.ofSeconds(10));
    assertThat(started.getInteger("pid")).isNotEqualTo(unhealthy.getInteger("pid"));
    assertThat(started.getLong("at") - unhealthy.getLong("at")).as("unhealthy to the new start (ladder + backoff)")
        .isLessThan(Timing.upTo(3000));
    awaitEventOf(group, "ready", 2, Duration.ofSeconds(20));
    JsonObject status = status(group);
    assertThat(status.getInteger("unhealthy")).isEqualTo(1);
    assertThat(status.getJsonArray("instances").getJsonObject(0).getInteger("unhealthy")).isEqualTo(1);
    assertThat(status.getJsonArray("instances").getJsonObject(0).getInteger("restarts")).isEqualTo(1);
  }

  @Test
  void childThatStopsAcceptingOnItsTcpPortIsRestartedWithinIntervalTimesFailures() throws IOException {
    int port = freePort();
    deploy(ChildFixture.config(server("tcp", "tcp", port,
        new JsonObject().put("tcpPort", port).put("interval", "200ms").put("failures", 3).put("timeout", "500ms"))));
    awaitEventOf("tcp", "ready", 1, Duration.ofSeconds(20));
    long failing = failingSince("tcp");

    JsonObject unhealthy = awaitEventOf("tcp", "unhealthy", 1, Duration.ofSeconds(15));
    assertThat(unhealthy.getString("probe")).isEqualTo("tcpPort");
    assertThat(unhealthy.getInteger("failures")).isEqualTo(3);
    assertThat(unhealthy.getInteger("count")).isEqualTo(1);
    assertThat(unhealthy.getString("reason")).contains("cannot connect to 127.0.0.1:" + port);
    // the first failed probe comes at the earliest right after the listener closed, the third two intervals later
    assertThat(unhealthy.getLong("at") - failing).as("listener closed to unhealthy")
        .isGreaterThanOrEqualTo(2 * 200L).isLessThan(Timing.upTo(3 * 200L + 3 * 500L + 1000L));
    assertRestartedThroughItsLadder("tcp", unhealthy);
    assertThat(eventsOf("tcp", "unhealthy")).hasSize(1);
  }

  @Test
  void childThatAnswersHttp503IsRestarted() throws IOException {
    int port = freePort();
    deploy(ChildFixture.config(server("http", "http", port, new JsonObject()
        .put("httpGet", "http://127.0.0.1:" + port + "/health").put("interval", "200ms").put("failures", 2))));
    awaitEventOf("http", "ready", 1, Duration.ofSeconds(20));
    long failing = failingSince("http");

    JsonObject unhealthy = awaitEventOf("http", "unhealthy", 1, Duration.ofSeconds(15));
    assertThat(unhealthy.getString("probe")).isEqualTo("httpGet");
    assertThat(unhealthy.getInteger("failures")).isEqualTo(2);
    assertThat(unhealthy.getString("reason")).isEqualTo("GET http://127.0.0.1:" + port + "/health answered 503");
    assertThat(unhealthy.getLong("at") - failing).as("503 to unhealthy")
        .isGreaterThanOrEqualTo(200L).isLessThan(Timing.upTo(2 * 200L + 2000L));
    assertRestartedThroughItsLadder("http", unhealthy);
  }

  @Test
  void commandProbeThatHangsIsKilledWithItsProcessGroupAtItsTimeout() throws IOException {
    Path healthy = Files.createFile(temp.resolve("healthy"));
    Path probes = temp.resolve("probes.log");
    Path sleeper = temp.resolve("sleeper.pid");
    // healthy while the file exists; then it hangs (a sleep in its process group) until killed at the timeout
    String probe = "echo \"$QUIESCE_PID $QUIESCE_INSTANCE\" >> \"$PROBES\"; test -e \"$HEALTHY\" && exit 0;"
        + " sleep 30 & echo $! > \"$SLEEPER\"; wait";
    JsonObject group = children.group("cmd", 1, Map.of("HEALTHY", healthy.toString(), "PROBES", probes.toString(),
            "SLEEPER", sleeper.toString()))
        .put("restart", new JsonObject().put("initial", "50ms").put("jitter", 0))
        .put("health", new JsonObject().put("command", new JsonArray().add("sh").add("-c").add(probe))
            .put("interval", "100ms").put("failures", 2).put("timeout", "300ms"));
    deploy(ChildFixture.config(group));
    int pid = awaitRunning("cmd", 1).get(0);
    Await.until("two healthy probes", Duration.ofSeconds(10),
        () -> lines(probes).size() >= 2);
    assertThat(lines(probes)).allSatisfy(l -> assertThat(l).isEqualTo(pid + " 0"));
    assertThat(eventsOf("cmd", "unhealthy")).isEmpty();

    long broken = System.currentTimeMillis();
    Files.delete(healthy);
    Await.until("a hanging probe", Duration.ofSeconds(10), () -> !lines(sleeper).isEmpty());
    int sleeping = Integer.parseInt(lines(sleeper).get(0).trim());
    Await.until("the hanging probe's sleep killed with its group", Duration.ofSeconds(5),
        () -> !ChildFixture.alive(sleeping));

    JsonObject unhealthy = awaitEventOf("cmd", "unhealthy", 1, Duration.ofSeconds(10));
    assertThat(unhealthy.getString("probe")).isEqualTo("command");
    assertThat(unhealthy.getString("reason")).isEqualTo("no answer within 300 ms");
    assertThat(unhealthy.getLong("at") - broken).as("a probe begun before the file went, then one of 300 ms after 100 ms")
        .isGreaterThanOrEqualTo(100L + 300L).isLessThan(Timing.upTo(2 * 300L + 2 * 100L + 2000L));
    Files.createFile(healthy);
    assertRestartedThroughItsLadder("cmd", unhealthy);
    assertThat(children.signalNames(pid)).containsExactly("TERM");
  }

  /**
   * A command probe is started on the spawner thread, and its timeout counts from its start: a
   * worker pool busy with the application's blocking work (longer than {@code timeout × failures})
   * neither delays it nor makes a healthy child look unhealthy.
   */
  @Test
  void commandProbesRunAndPassWhileTheWorkerPoolIsFull() throws Exception {
    Path probes = temp.resolve("probes.log");
    JsonObject group = children.group("busy", 1, Map.of("PROBES", probes.toString()))
        .put("health", new JsonObject().put("command", new JsonArray().add("sh").add("-c")
            .add("echo probe >> \"$PROBES\"")).put("interval", "100ms").put("failures", 2).put("timeout", "300ms"));
    deploy(ChildFixture.config(group));
    awaitRunning("busy", 1);
    Await.until("a first probe", Duration.ofSeconds(10), () -> !lines(probes).isEmpty());

    int poolSize = new io.vertx.core.VertxOptions().getWorkerPoolSize();
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger busy = new AtomicInteger();
    try {
      for (int i = 0; i < 2 * poolSize; i++) {
        vertx.executeBlocking(() -> {
          busy.incrementAndGet();
          return release.await(60, TimeUnit.SECONDS); // bounded: the test releases it
        }, false);
      }
      Await.until("every worker thread blocked", Duration.ofSeconds(10), () -> busy.get() == poolSize);
      int before = lines(probes).size();
      long full = System.nanoTime();
      // more than timeout × failures (600 ms) of a full pool, measured in probes run
      Await.until("ten probes while the pool is full", Duration.ofSeconds(30), () -> lines(probes).size() >= before + 10);
      assertThat((System.nanoTime() - full) / 1_000_000).as("ten probes 100 ms apart").isGreaterThanOrEqualTo(900L);
      assertThat(busy.get()).as("the pool was full all along").isEqualTo(poolSize);
      assertThat(eventsOf("busy", "unhealthy")).isEmpty();
    } finally {
      release.countDown();
    }
  }

  /**
   * An HTTP probe that gets no complete answer within its timeout fails, and its request is reset:
   * the connection is closed, so a server that trickles bytes forever does not keep one open per probe.
   */
  @Test
  void httpProbeThatTimesOutIsResetAndItsConnectionClosed() {
    List<long[]> connections = new java.util.concurrent.CopyOnWriteArrayList<>(); // {opened, closed} in ms
    io.vertx.core.http.HttpServer server = Await.result(vertx.createHttpServer().requestHandler(request -> {
      long[] c = {System.currentTimeMillis(), 0};
      connections.add(c);
      request.response().setChunked(true).write("x");
      long trickle = vertx.setPeriodic(50, id -> request.response().write("x"));
      request.connection().closeHandler(v -> {
        vertx.cancelTimer(trickle);
        c[1] = System.currentTimeMillis();
      });
    }).listen(0, "127.0.0.1"), Duration.ofSeconds(10));
    JsonObject group = children.group("trickle", 1)
        .put("health", new JsonObject().put("httpGet", "http://127.0.0.1:" + server.actualPort() + "/health")
            .put("interval", "100ms").put("failures", 1).put("timeout", "300ms"));
    deploy(ChildFixture.config(group));

    JsonObject unhealthy = awaitEventOf("trickle", "unhealthy", 1, Duration.ofSeconds(15));
    assertThat(unhealthy.getString("probe")).isEqualTo("httpGet");
    assertThat(unhealthy.getString("reason")).isEqualTo("no answer within 300 ms");
    Await.until("the server saw the probe's connection closed", Duration.ofSeconds(5),
        () -> !connections.isEmpty() && connections.get(0)[1] > 0);
    // the request is reset right after the probe failed at its timeout
    assertThat(connections.get(0)[1] - unhealthy.getLong("at")).as("unhealthy to the connection closed")
        .isGreaterThanOrEqualTo(0L).isLessThan(Timing.upTo(2000L));
    Await.result(server.close(), Duration.ofSeconds(10));
  }

  @Test
  void childThatNeverSendsItsWatchdogIsRestarted() throws IOException {
    JsonObject group = children.group("silent", 1)
        .put("restart", new JsonObject().put("initial", "50ms").put("jitter", 0))
        .put("health", new JsonObject().put("watchdog", "400ms"));
    deploy(ChildFixture.config(group));
    int pid = awaitRunning("silent", 1).get(0);
    JsonObject ready = awaitEventOf("silent", "ready", 1, Duration.ofSeconds(10));
    assertThat(new String(Files.readAllBytes(Path.of("/proc", Integer.toString(pid), "environ"))).split("\0"))
        .contains("WATCHDOG_USEC=400000").noneMatch(v -> v.startsWith("WATCHDOG_PID="));

    JsonObject unhealthy = awaitEventOf("silent", "unhealthy", 1, Duration.ofSeconds(10));
    assertThat(unhealthy.getString("probe")).isEqualTo("watchdog");
    assertThat(unhealthy.getInteger("failures")).isEqualTo(1);
    assertThat(unhealthy.getString("reason")).startsWith("no WATCHDOG=1 for ").contains(" ms since it became ready (watchdog 400 ms)");
    // checked every half period: found between one period and one and a half after ready
    assertThat(unhealthy.getLong("at") - ready.getLong("at")).as("ready to unhealthy")
        .isGreaterThanOrEqualTo(400L).isLessThan(Timing.upTo(600L + 1000L));
    assertRestartedThroughItsLadder("silent", unhealthy);
    assertThat(children.signalNames(pid)).containsExactly("TERM");
  }

  @Test
  void healthRestartsCountTowardTheCrashLoop() {
    JsonObject group = children.group("flaky", 1)
        .put("restart", new JsonObject().put("initial", "50ms").put("max", "50ms").put("jitter", 0)
            .put("maxRestarts", 2).put("window", "1m"))
        .put("health", new JsonObject().put("watchdog", "100ms"));
    deploy(ChildFixture.config(group));

    JsonObject loop = awaitEvent("crash-loop", Duration.ofSeconds(20), e -> "crash-loop".equals(e.getString("type")));
    assertThat(loop.getString("group")).isEqualTo("flaky");
    assertThat(loop.getInteger("restarts")).isEqualTo(2);
    assertThat(eventsOf("flaky", "unhealthy")).extracting(e -> e.getInteger("count")).containsExactly(1, 2, 3);
    assertThat(eventsOf("flaky", "exited")).hasSize(3).allSatisfy(e -> assertThat(e.getBoolean("expected")).isTrue());
    assertThat(eventsOf("flaky", "restarting")).hasSize(2);
    Await.until("crash-loop in the status", Duration.ofSeconds(5), () -> "crash-loop".equals(status("flaky").getString("state")));
    JsonObject status = status("flaky");
    assertThat(status.getInteger("unhealthy")).isEqualTo(3);
    JsonObject instance = status.getJsonArray("instances").getJsonObject(0);
    assertThat(instance.getString("state")).isEqualTo("failed");
    assertThat(instance.getInteger("unhealthy")).isEqualTo(3);
    assertThat(instance.getString("error")).startsWith("unhealthy: no WATCHDOG=1");
  }

  @Test
  void noProbeRunsWhileAnInstanceIsStopped() throws IOException {
    Path probes = temp.resolve("probes.log");
    Path clock = temp.resolve("clock.log");
    JsonObject probeLogged = new JsonObject().put("command", new JsonArray().add("sh").add("-c")
        .add("echo probe >> \"$PROBES\"")).put("interval", "50ms");
    JsonObject group = children.group("stopped", 1, Map.of("PROBES", probes.toString())).put("health", probeLogged);
    // a group that keeps running, with the same probe: its probes show how much time went by
    JsonObject other = children.group("other", 1, Map.of("PROBES", clock.toString())).put("health", probeLogged.copy());
    deploy(ChildFixture.config(group, other));
    awaitRunning("stopped", 1);
    awaitRunning("other", 1);
    Await.until("a probe", Duration.ofSeconds(10), () -> Files.exists(probes));
    command(new JsonObject().put("command", "stop").put("group", "stopped"));
    long after = lines(probes).size();
    int clockAfter = lines(clock).size();
    // ten probes of the other group: a probe of this one scheduled before the stop would have run
    Await.until("ten probes of the group still running", Duration.ofSeconds(30),
        () -> lines(clock).size() >= clockAfter + 10);
    assertThat((long) lines(probes).size()).isEqualTo(after);
    assertThat(eventsOf("stopped", "unhealthy")).isEmpty();
  }

  @Test
  void noProbeRunsOnceTheTerminatePhaseBegan() throws IOException {
    FakeCoordinator coordinator = new FakeCoordinator(vertx);
    Path healthy = Files.createFile(temp.resolve("healthy"));
    JsonObject db = children.group("db", 1, Map.of("HEALTHY", healthy.toString()))
        .put("health", new JsonObject().put("command", new JsonArray().add("sh").add("-c").add("test -e \"$HEALTHY\""))
            .put("interval", "50ms").put("failures", 1));
    // web stops first (it depends on db) and takes its time: TERM is ignored, KILL after 1 s
    JsonObject web = children.group("web", 1, Map.of("CHILD_IGNORE", "TERM")).put("stopTimeout", "1s")
        .put("dependsOn", new JsonArray().add("db"));
    deploy(ChildFixture.config(db, web), options().setLifecycleParticipant(true));
    int dbPid = awaitRunning("db", 1).get(0);
    int webPid = awaitRunning("web", 1).get(0);

    long seq = coordinator.publish("terminate", Duration.ofSeconds(10), false, null);
    // the phase is handled once web got its TERM; web ignores it for a second, KILL after
    Await.until("web got TERM", Duration.ofSeconds(10), () -> children.signalNames(webPid).contains("TERM"));
    Files.delete(healthy); // db would now fail every probe, while it waits for web to stop
    assertThat(coordinator.awaitAck(seq, Duration.ofSeconds(15)).getString("outcome")).isEqualTo("done");

    assertThat(eventsOf("db", "unhealthy")).isEmpty();
    long webExit = eventsOf("web", "exited").get(0).getLong("at");
    assertThat(children.signals(dbPid)).singleElement().satisfies(s -> {
      assertThat(s.getKey()).isEqualTo("TERM");
      assertThat(s.getValue()).as("db stopped after web exited").isGreaterThanOrEqualTo(webExit);
    });
    assertThat(children.signalNames(webPid)).containsExactly("TERM");
  }
}
