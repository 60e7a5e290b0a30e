package dev.quiesce.example;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.testing.Await;
import dev.quiesce.testing.ProcFs;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rolling fleet operations across three example-app JVMs (real Hazelcast on 127.0.0.1, free ports, a
 * cluster name of this test's own) under HTTP load from a small balancer that sends only to nodes whose
 * readiness answers 200: a rolling reload and a rolling restart (this test plays the supervisor: a node's
 * JVM that exits is started again with the same configuration) lose no request, and the fleet events
 * never show more than {@code maxUnavailable} (1) node not serving; a second operation meanwhile is
 * refused naming the first; a node SIGKILLed during a rolling restart stops it with that reason while the
 * others keep serving. A rolling upgrade (each node's single-host upgrade: a successor JVM beside it, on
 * the next free Hazelcast port) under the same load loses no request and leaves three new processes.
 */
class FleetRollingIT {

  static final Duration OPERATION = Duration.ofMinutes(4);
  static final String TOKEN = "example-token-change-me";

  @TempDir
  Path dir;

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();

  /** Readiness down one second before the drain: the balancer (probing every 50 ms) has stopped sending by then. */
  private static void tune(ClusterNodes.Node node) {
    JsonObject config = node.config();
    config.getJsonObject("http").put("preStopDelay", "1s");
    config.getJsonObject("lifecycle").getJsonArray("phases").getJsonObject(0).put("timeout", "3s");
  }

  @Test
  void aRollingReloadThenARollingRestartUnderLoadLoseNoRequestAndTakeOneNodeAtATime() throws Exception {
    try (ClusterNodes cluster = ClusterNodes.of(dir, 3); Supervisor supervisor = new Supervisor(cluster)) {
      start(cluster, supervisor);
      try (FleetEventLog events = new FleetEventLog(cluster); Balancer balancer = new Balancer(cluster)) {
        Await.until("the balancer serves", Duration.ofSeconds(30), () -> balancer.succeeded.get() > 50);

        JsonObject reload = operate(cluster.node(1), "reload", "{\"reason\":\"rolling reload test\"}");
        assertThat(reload.getString("outcome")).isEqualTo("running");
        JsonObject reloaded = awaitEnd(cluster, reload.getString("id"));
        assertThat(reloaded.getString("outcome")).as(reloaded.encodePrettily()).isEqualTo("done");
        assertThat(steps(reloaded)).extracting(s -> s.getString("outcome")).containsExactly("done", "done", "done");
        assertThat(steps(reloaded).get(2).getString("address")).isEqualTo(address(cluster.node(1)));

        JsonObject restart = operate(cluster.node(2), "restart", "{\"reason\":\"rolling restart test\"}");
        // asked of a node that is not the runner: the second in the plan, still waiting for its turn (the first
        // may be stopping already); so the cluster-wide lock and the recorded operation refuse it
        ClusterNodes.Node waiting = byAddress(cluster, steps(restart).get(1).getString("address"));
        assertThat(waiting.number).isNotEqualTo(cluster.node(2).number);
        HttpResponse<String> refused = post(waiting, "/fleet/reload", "{}");
        assertThat(refused.statusCode()).isEqualTo(409);
        assertThat(refused.body()).contains("a fleet restart (" + restart.getString("id")).contains("is in progress");
        JsonObject restarted = awaitEnd(cluster, restart.getString("id"));
        assertThat(restarted.getString("outcome")).as(restarted.encodePrettily()).isEqualTo("done");
        List<JsonObject> steps = steps(restarted);
        assertThat(steps).extracting(s -> s.getString("outcome")).containsExactly("done", "done", "handed-over");
        assertThat(steps.get(0).getString("newNodeId")).isNotEqualTo(steps.get(0).getString("nodeId"));
        assertThat(steps.get(2).getString("address")).isEqualTo(address(cluster.node(2)));
        // the runner's own restart, handed to its supervisor (this test): every node comes back
        Await.until("all three nodes restarted once", OPERATION, () -> supervisor.restarts.get() == 3);
        awaitFleetReady(cluster, 3);
        balancer.close();

        assertThat(balancer.failures).as("failed requests").isEmpty();
        assertThat(balancer.succeeded.get()).isGreaterThan(100);
        events.close();
        assertThat(events.maxNotServing(addresses(cluster))).as(events.describe()).isLessThanOrEqualTo(1);
        for (ClusterNodes.Node node : cluster.nodes()) {
          assertThat(events.states(address(node))).as(events.describe())
              .containsSubsequence("reloading", "reloaded", "leaving", "joined", "ready");
        }
        System.out.printf("fleet rolling IT: %d requests served, 0 failed; reload %d ms, restart %d ms%n",
            balancer.succeeded.get(), took(reloaded), took(restarted));
      }
    }
  }

  @Test
  void aNodeKilledDuringARollingRestartStopsItWithTheReasonAndTheOthersServeOn() throws Exception {
    try (ClusterNodes cluster = ClusterNodes.of(dir, 3); Supervisor supervisor = new Supervisor(cluster)) {
      start(cluster, supervisor);
      JsonObject restart = operate(cluster.node(1), "restart", "{\"stepTimeout\":\"2m\"}");
      List<JsonObject> planned = steps(restart);
      ClusterNodes.Node first = byAddress(cluster, planned.get(0).getString("address"));
      ClusterNodes.Node victim = byAddress(cluster, planned.get(1).getString("address"));
      supervisor.ignore(victim);
      long killedAt = System.currentTimeMillis();
      victim.jvm().signal("KILL");
      JsonObject end = awaitEnd(cluster, restart.getString("id"));
      assertThat(end.getString("outcome")).as(end.encodePrettily()).isEqualTo("failed");
      assertThat(end.getString("failure")).contains(address(victim)).contains("left the cluster");
      assertThat(steps(end).get(1).getString("outcome")).isEqualTo("failed");
      assertThat(steps(end).get(2).getString("outcome")).as("the runner, untouched").isEqualTo("pending");
      // Hazelcast removes a silent member within max.no.heartbeat (5 s); generous upper bound on a busy machine
      assertThat(end.getLong("endedAt") - killedAt).isLessThan(30_000);
      System.out.printf("fleet rolling IT: the restart failed %d ms after the SIGKILL%n", end.getLong("endedAt") - killedAt);
      // the others serve on: the first comes back from its restart, the runner never stopped
      Await.until("the first node back", OPERATION, () -> supervisor.restarts.get() == 1);
      Await.until("two nodes listed, both ready", OPERATION, () -> fleetStatus(cluster.node(1))
          .map(s -> s.getJsonArray("nodes").size() == 2 && s.getJsonArray("nodes").stream()
              .allMatch(n -> ((JsonObject) n).getBoolean("ready"))).orElse(false));
      for (ClusterNodes.Node node : List.of(first, cluster.node(1))) {
        assertThat(node.app.get("/hello").statusCode()).isEqualTo(200);
      }
      // each node's status is its management listener's: in-flight requests counted, its children listed
      JsonArray nodes = fleetStatus(cluster.node(1)).orElseThrow().getJsonArray("nodes");
      assertThat(nodes.stream().map(JsonObject.class::cast)).allSatisfy(n -> {
        assertThat(n.getLong("inFlightRequests")).isNotNegative();
        assertThat(n.getJsonObject("children").getJsonObject("workers").getInteger("desired")).isEqualTo(2);
        assertThat(n.getString("version")).isNotEqualTo("unknown");
      });
    }
  }

  @Test
  void aRollingUpgradeUnderLoadLosesNoRequestAndLeavesThreeNewProcesses() throws Exception {
    try (ClusterNodes cluster = ClusterNodes.of(dir, 3)) {
      try {
        for (ClusterNodes.Node node : cluster.nodes()) {
          tune(node);
          node.config().put("upgrade", new JsonObject().put("stateDir", dir.resolve("state-" + node.number).toString())
              .put("timeout", "60s").put("command", new JsonArray(secondVersion(node))));
        }
        cluster.startAll().awaitMembers(3);
        awaitFleetReady(cluster, 3);
        Map<String, String> oldNodeIds = new HashMap<>();
        fleetStatus(cluster.node(1)).orElseThrow().getJsonArray("nodes").stream().map(JsonObject.class::cast)
            .forEach(n -> oldNodeIds.put(n.getString("address"), n.getString("nodeId")));
        Set<Long> oldPids = Set.copyOf(cluster.nodes().stream().map(n -> n.jvm().pid()).toList());
        try (FleetEventLog events = new FleetEventLog(cluster); Balancer balancer = new Balancer(cluster)) {
          Await.until("the balancer serves", Duration.ofSeconds(30), () -> balancer.succeeded.get() > 50);
          long asked = System.currentTimeMillis();

          JsonObject upgrade = operate(cluster.node(1), "upgrade", "{\"reason\":\"rolling upgrade test\"}");
          JsonObject upgraded = awaitEnd(cluster, upgrade.getString("id"));
          System.out.printf("fleet rolling IT: the rolling upgrade ended %s after %d ms%n",
              upgraded.getString("outcome"), took(upgraded));

          assertThat(upgraded.getString("outcome")).as(upgraded.encodePrettily()).isEqualTo("done");
          List<JsonObject> steps = steps(upgraded);
          assertThat(steps).extracting(s -> s.getString("outcome")).containsExactly("done", "done", "handed-over");
          for (JsonObject step : steps.subList(0, 2)) {
            assertThat(step.getString("newNodeId")).isNotEqualTo(step.getString("nodeId"));
            assertThat(step.getString("detail")).contains("the predecessor has left the cluster");
          }
          assertThat(steps.get(2).getString("address")).isEqualTo(address(cluster.node(1)));
          // each predecessor stops once its successor is ready (the runner's after the operation ended), and exits 0
          Map<String, Long> successors = new HashMap<>();
          Map<String, JsonObject> reports = new HashMap<>();
          for (ClusterNodes.Node node : cluster.nodes()) {
            assertThat(node.jvm().awaitExit(OPERATION)).as(node.jvm().output()).isZero();
            JsonObject report = node.app.report();
            reports.put(address(node), report);
            assertThat(report.getString("trigger")).isEqualTo("upgrade");
            successors.put(address(node), Long.parseLong(report.getString("reason").replaceAll("\\D+", " ").strip()));
          }
          long lastExited = System.currentTimeMillis();
          Await.until("three new nodes ready in /fleet/status", OPERATION, () -> fleetStatus(cluster.node(2))
              .map(st -> st.getJsonArray("nodes").stream().map(JsonObject.class::cast)
                  .filter(n -> n.getBoolean("ready") && !oldNodeIds.containsValue(n.getString("nodeId"))).count() == 3
                  && st.getJsonArray("nodes").size() == 3).orElse(false));
          JsonArray nodes = fleetStatus(cluster.node(2)).orElseThrow().getJsonArray("nodes");
          assertThat(nodes.stream().map(n -> ((JsonObject) n).getString("address")))
              .containsExactlyInAnyOrderElementsOf(oldNodeIds.keySet());
          // the leave in an upgrade: each predecessor withdrew its cluster-wide consumers (quiesce.fleet among
          // them) while its successor's were registered, its successor confirmed it no longer routes there,
          // and no message was lost
          for (Object n : nodes) {
            JsonObject successor = (JsonObject) n;
            JsonObject report = reports.get(successor.getString("address"));
            JsonObject withdrawal = leave(report, "announce");
            assertThat(withdrawal.getJsonArray("addresses").getList()).as(report.encode()).contains("quiesce.fleet");
            JsonObject confirmed = withdrawal.getJsonObject("nodes").getJsonObject(successor.getString("nodeId"));
            assertThat(confirmed).as(report.encode()).isNotNull();
            assertThat(confirmed.getString("by")).as(report.encode()).isEqualTo("selector");
            assertThat(leave(report, "close").getLong("lost")).as(report.encode()).isZero();
          }
          for (ClusterNodes.Node node : cluster.nodes()) {
            HttpResponse<String> hello = node.app.get("/hello");
            assertThat(hello.body()).isEqualTo("hello v2\n");
            assertThat(hello.headers().firstValue("X-Pid")).contains(String.valueOf(successors.get(address(node))));
          }
          assertThat(successors.values()).doesNotContainAnyElementsOf(oldPids);
          balancer.close();
          events.close();

          assertThat(balancer.failures).as("failed requests").isEmpty();
          assertThat(balancer.succeeded.get()).isGreaterThan(100);
          for (ClusterNodes.Node node : cluster.nodes()) {
            String old = oldNodeIds.get(address(node));
            assertThat(events.states(address(node), old)).as(events.describe())
                .containsSubsequence("upgrading", "leaving", "stopped");
            assertThat(events.states(address(node), null)).as(events.describe())
                .containsSubsequence("upgrading", "ready", "leaving", "stopped");
          }
          System.out.printf("fleet rolling IT: rolling upgrade, %d requests served, 0 failed; the operation %d ms"
              + " (2 steps, the runner's handed over), the last predecessor exited %d ms after the request%n",
              balancer.succeeded.get(), took(upgraded), lastExited - asked);
          for (JsonObject step : steps.subList(0, 2)) {
            long begin = step.getLong("startedAt");
            String at = step.getString("address");
            System.out.printf("fleet rolling IT: upgrade step %s, ms after its start: successor joined %d, ready %d;"
                + " predecessor leaving %d, stopped %d; step done %d%n", at,
                events.at(at, step.getString("newNodeId"), "joined") - begin,
                events.at(at, step.getString("newNodeId"), "ready") - begin,
                events.at(at, step.getString("nodeId"), "leaving") - begin,
                events.at(at, step.getString("nodeId"), "stopped") - begin, step.getLong("endedAt") - begin);
          }
        }
      } finally {
        endSuccessors(cluster);
      }
    }
  }

  // ---------------------------------------------------------------- helpers

  /** The detail of participant {@code cluster} (the node's leave) in {@code phase} of a stop report. */
  private static JsonObject leave(JsonObject report, String phase) {
    return report.getJsonArray("phases").stream().map(JsonObject.class::cast)
        .filter(p -> phase.equals(p.getString("phase")))
        .flatMap(p -> p.getJsonArray("participants").stream().map(JsonObject.class::cast))
        .filter(p -> "cluster".equals(p.getString("participant"))).map(p -> p.getJsonObject("detail"))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no participant cluster in " + phase + ": " + report.encode()));
  }

  /** Ends (TERM, by pid) every JVM an upgrade started for a node: tagged as the node's first JVM, not that one. */
  private static void endSuccessors(ClusterNodes cluster) throws Exception {
    for (ClusterNodes.Node node : cluster.nodes()) {
      if (node.jvm() == null) {
        continue;
      }
      for (int pid : ProcFs.liveTagged("TEST_RUN_TAG", node.jvm().tag())) {
        boolean jvm = ProcessHandle.of(pid).flatMap(p -> p.info().command()).map(c -> c.endsWith("/java"))
            .orElse(false);
        if (jvm && pid != node.jvm().pid()) {
          ExampleAppFixture.endByPid(pid);
        }
      }
    }
  }

  /** The successor's command of {@code node}'s upgrade: the same jar and configuration, another greeting. */
  private static List<String> secondVersion(ClusterNodes.Node node) {
    return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
        "-Dquiesce.example.greeting=hello v2", "-jar", System.getProperty("example.jar"),
        "--config", node.app.dir.resolve("config.json").toString());
  }

  /** Tunes and starts the three nodes, waits until /fleet/status lists them ready, then supervises them. */
  private void start(ClusterNodes cluster, Supervisor supervisor) throws IOException {
    cluster.nodes().forEach(FleetRollingIT::tune);
    cluster.startAll().awaitMembers(3);
    awaitFleetReady(cluster, 3);
    supervisor.start();
  }

  private static String address(ClusterNodes.Node node) {
    return "127.0.0.1:" + node.app.managementPort;
  }

  private static Set<String> addresses(ClusterNodes cluster) {
    return Set.copyOf(cluster.nodes().stream().map(FleetRollingIT::address).toList());
  }

  private static ClusterNodes.Node byAddress(ClusterNodes cluster, String address) {
    return cluster.nodes().stream().filter(n -> address(n).equals(address)).findFirst().orElseThrow();
  }

  private static List<JsonObject> steps(JsonObject report) {
    return report.getJsonArray("steps").stream().map(JsonObject.class::cast).toList();
  }

  private static long took(JsonObject report) {
    return report.getLong("endedAt") - report.getLong("startedAt");
  }

  private HttpResponse<String> post(ClusterNodes.Node node, String path, String body)
      throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.app.managementPort + path))
        .header("Authorization", "Bearer " + TOKEN).timeout(Duration.ofSeconds(30))
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private JsonObject operate(ClusterNodes.Node node, String operation, String body) throws Exception {
    HttpResponse<String> r = post(node, "/fleet/" + operation, body);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
    return new JsonObject(r.body());
  }

  private Optional<JsonObject> fleetStatus(ClusterNodes.Node node) {
    return get(node, "/fleet/status").filter(r -> r.statusCode() == 200).map(r -> new JsonObject(r.body()));
  }

  /** A GET on the node's management port, whichever process holds it now (an upgrade's successor too). */
  private Optional<HttpResponse<String>> get(ClusterNodes.Node node, String path) {
    if (node.jvm() == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.app.managementPort
          + path)).timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString()));
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  private void awaitFleetReady(ClusterNodes cluster, int size) {
    Await.until(size + " nodes ready in /fleet/status", OPERATION, () -> fleetStatus(cluster.node(1))
        .map(s -> s.getJsonArray("nodes").size() == size && s.getJsonArray("nodes").stream()
            .allMatch(n -> ((JsonObject) n).getBoolean("ready"))).orElse(false));
  }

  /** The operation's final report, from the first node that answers {@code /fleet/status} with it. */
  private JsonObject awaitEnd(ClusterNodes cluster, String id) {
    return Await.value("the end of " + id, OPERATION, () -> cluster.nodes().stream()
        .map(this::fleetStatus).flatMap(Optional::stream)
        .map(s -> s.getJsonObject("lastOperation"))
        .filter(r -> r != null && id.equals(r.getString("id"))).findFirst().orElse(null));
  }

  /** Plays systemd's {@code Restart=always}: a node's JVM that exited is started again with its configuration. */
  private static final class Supervisor implements AutoCloseable {
    final AtomicInteger restarts = new AtomicInteger();
    private final ClusterNodes cluster;
    private final Set<Integer> ignored = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private Thread thread;

    Supervisor(ClusterNodes cluster) {
      this.cluster = cluster;
    }

    void start() {
      thread = new Thread(() -> {
        long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        while (running.get() && System.nanoTime() < deadline) {
          for (ClusterNodes.Node node : cluster.nodes()) {
            if (!ignored.contains(node.number) && node.jvm() != null && !node.isAlive()) {
              try {
                node.launch();
                restarts.incrementAndGet();
              } catch (IOException e) {
                throw new IllegalStateException("node " + node.number + " could not be started again", e);
              }
            }
          }
          sleep(100);
        }
      }, "test-supervisor");
      thread.setDaemon(true);
      thread.start();
    }

    void ignore(ClusterNodes.Node node) {
      ignored.add(node.number);
    }

    @Override
    public void close() throws InterruptedException {
      running.set(false);
      if (thread != null) {
        thread.join(5_000);
      }
    }
  }

  /**
   * A balancer in a few threads: probes every node's readiness every 50 ms and sends {@code GET /hello} only
   * to nodes that answered 200 (a fresh client each time a node turns ready), bounded in count and time.
   */
  private static final class Balancer implements AutoCloseable {
    final AtomicInteger succeeded = new AtomicInteger();
    final List<String> failures = new CopyOnWriteArrayList<>();
    private final Map<Integer, HttpClient> ready = new ConcurrentHashMap<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Thread> threads = new ArrayList<>();

    Balancer(ClusterNodes cluster) {
      long deadline = System.nanoTime() + Duration.ofMinutes(8).toNanos();
      HttpClient probe = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();
      threads.add(new Thread(() -> {
        while (running.get() && System.nanoTime() < deadline) {
          for (ClusterNodes.Node node : cluster.nodes()) {
            boolean up;
            try {
              up = probe.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.app.managementPort
                  + "/health/ready")).timeout(Duration.ofMillis(500)).build(),
                  HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
            } catch (IOException e) {
              up = false;
            } catch (InterruptedException e) {
              return;
            }
            if (!up) {
              ready.remove(node.app.httpPort);
            } else {
              ready.computeIfAbsent(node.app.httpPort, p -> HttpClient.newBuilder()
                  .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build());
            }
          }
          sleep(50);
        }
      }, "balancer-probe"));
      for (int i = 0; i < 2; i++) {
        threads.add(new Thread(() -> {
          int sent = 0;
          while (running.get() && System.nanoTime() < deadline && sent < 200_000) {
            List<Map.Entry<Integer, HttpClient>> up = new ArrayList<>(ready.entrySet());
            if (up.isEmpty()) {
              sleep(10);
              continue;
            }
            Map.Entry<Integer, HttpClient> target = up.get(sent++ % up.size());
            try {
              HttpResponse<String> r = target.getValue().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                  + target.getKey() + "/hello")).timeout(Duration.ofSeconds(10)).build(),
                  HttpResponse.BodyHandlers.ofString());
              if (r.statusCode() == 200) {
                succeeded.incrementAndGet();
              } else {
                failures.add("port " + target.getKey() + ": status " + r.statusCode());
              }
            } catch (IOException e) {
              failures.add("port " + target.getKey() + ": " + e);
            } catch (InterruptedException e) {
              return;
            }
            sleep(5);
          }
        }, "balancer-client-" + i));
      }
      threads.forEach(t -> {
        t.setDaemon(true);
        t.start();
      });
    }

    @Override
    public void close() throws InterruptedException {
      running.set(false);
      for (Thread t : threads) {
        t.join(15_000);
      }
    }
  }

  /** Every fleet event any live node saw ({@code GET /fleet/events} on each, every 200 ms), merged. */
  private final class FleetEventLog implements AutoCloseable {
    private final Map<String, JsonObject> seen = new ConcurrentHashMap<>();
    /** When the log began: the nodes' /fleet/events also hold their start, before every node was ready. */
    private final long since = System.currentTimeMillis();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;

    FleetEventLog(ClusterNodes cluster) {
      long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
      thread = new Thread(() -> {
        while (running.get() && System.nanoTime() < deadline) {
          poll(cluster);
          sleep(200);
        }
        poll(cluster);
      }, "fleet-events");
      thread.setDaemon(true);
      thread.start();
    }

    private void poll(ClusterNodes cluster) {
      for (ClusterNodes.Node node : cluster.nodes()) {
        get(node, "/fleet/events").filter(r -> r.statusCode() == 200).ifPresent(r -> {
          JsonArray list = new JsonObject(r.body()).getJsonArray("events");
          list.forEach(o -> {
            JsonObject e = (JsonObject) o;
            seen.putIfAbsent(e.getString("nodeId") + " " + e.getString("state") + " " + e.getLong("at"), e);
          });
        });
      }
    }

    private List<JsonObject> ordered() {
      return seen.values().stream().sorted(Comparator.comparingLong((JsonObject e) -> e.getLong("at"))).toList();
    }

    List<String> states(String address) {
      return states(address, null);
    }

    /** When node {@code nodeId} at {@code address} first published {@code state} (epoch ms), or -1. */
    long at(String address, String nodeId, String state) {
      return ordered().stream().filter(e -> address.equals(e.getString("address"))
              && nodeId.equals(e.getString("nodeId")) && state.equals(e.getString("state")))
          .mapToLong(e -> e.getLong("at")).findFirst().orElse(-1);
    }

    /** The states published at {@code address}, by node {@code nodeId} only when it is not null. */
    List<String> states(String address, String nodeId) {
      return ordered().stream().filter(e -> address.equals(e.getString("address")))
          .filter(e -> nodeId == null || nodeId.equals(e.getString("nodeId")))
          .map(e -> e.getString("state")).toList();
    }

    /**
     * The most nodes not serving at once since the log began, when every node was serving (the test starts it
     * once all are ready).
     */
    int maxNotServing(Collection<String> addresses) {
      Map<String, Boolean> serving = new HashMap<>();
      addresses.forEach(a -> serving.put(a, true));
      int max = 0;
      for (JsonObject e : ordered().stream().filter(e -> e.getLong("at") >= since).toList()) {
        String state = e.getString("state");
        serving.put(e.getString("address"), !Set.of("joined", "not-ready", "leaving", "stopped").contains(state));
        max = Math.max(max, (int) serving.values().stream().filter(s -> !s).count());
      }
      return max;
    }

    String describe() {
      StringBuilder out = new StringBuilder("fleet events:\n");
      ordered().forEach(e -> out.append(e.getLong("at")).append(' ').append(e.getString("address")).append(' ')
          .append(e.getString("nodeId")).append(' ').append(e.getString("state")).append('\n'));
      return out.toString();
    }

    @Override
    public void close() throws InterruptedException {
      running.set(false);
      thread.join(30_000);
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
