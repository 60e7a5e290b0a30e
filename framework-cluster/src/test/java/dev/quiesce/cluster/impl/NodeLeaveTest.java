package dev.quiesce.cluster.impl;

import dev.quiesce.cluster.FleetAddresses;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.lifecycle.LifecycleCommand;
import dev.quiesce.lifecycle.LifecycleConfig;
import dev.quiesce.lifecycle.LifecycleCoordinator;
import dev.quiesce.lifecycle.ParticipantOutcome;
import dev.quiesce.lifecycle.QuiesceEventBus;
import dev.quiesce.lifecycle.StopReport;
import dev.quiesce.lifecycle.Trigger;
import dev.quiesce.cluster.ClusterConfig;
import dev.quiesce.cluster.InJvmNodes;
import dev.quiesce.testing.Await;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three clustered instances in one JVM (real Hazelcast on 127.0.0.1): A sends request/reply
 * messages at a steady rate to an address that B and C serve with draining consumers; B stops
 * through its lifecycle coordinator, then closes (leaves the cluster).
 */
class NodeLeaveTest {

  private static final String WORK = "leave.test.work";
  private static final JsonObject LIFECYCLE = new JsonObject().put("shutdownTimeout", "20s")
      .put("phases", new JsonArray()
          .add(new JsonObject().put("name", "announce").put("timeout", "5s"))
          .add(new JsonObject().put("name", "drain").put("timeout", "5s"))
          .add(new JsonObject().put("name", "close").put("timeout", "2s")));

  private final InJvmNodes nodes = new InJvmNodes();
  private final Map<Vertx, LeavingClusterManager> managers = new ConcurrentHashMap<>();

  @AfterEach
  void closeAll() {
    nodes.close();
  }

  @Test
  void aNodeThatStopsUnderLoadWithdrawsFirstAndNoRequestFails() throws Exception {
    int portA = freePort();
    Vertx a = node(portA, List.of());
    Vertx b = node(freePort(), List.of("127.0.0.1:" + portA));
    Vertx c = node(freePort(), List.of("127.0.0.1:" + portA));
    LifecycleCoordinator coordinator = coordinator(b);
    coordinator(c);
    serve(b, "b");
    serve(c, "c");
    Await.until("A reaches both B and C", Duration.ofSeconds(60), () -> answeredBy(a).containsAll(Set.of("b", "c")));
    // A's routing to C says nothing of B's member list: Hazelcast tells B of C's join on its own
    Await.until("B counts A and C as members", Duration.ofSeconds(30), () -> managers.get(b).getNodes().size() == 3);

    AtomicInteger sent = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    Map<String, AtomicInteger> repliesBy = new ConcurrentHashMap<>();
    List<String> failures = new ArrayList<>();
    int total = 1600;
    long timer = a.setPeriodic(10, id -> {
      for (int i = 0; i < 4 && sent.get() < total; i++) {
        sent.incrementAndGet();
        a.eventBus().<String>request(WORK, "job", new DeliveryOptions().setSendTimeout(5000)).onComplete(ar -> {
          if (ar.succeeded()) {
            repliesBy.computeIfAbsent(ar.result().body(), k -> new AtomicInteger()).incrementAndGet();
          } else {
            failed.incrementAndGet();
            synchronized (failures) {
              failures.add(ar.cause().toString());
            }
          }
        });
      }
    });
    Await.until("400 sent", Duration.ofSeconds(30), () -> sent.get() >= 400);
    coordinator.trigger(LifecycleCommand.STOP, Trigger.APPLICATION, "test");
    StopReport report = Await.result(coordinator.stopped(), Duration.ofSeconds(30));
    Await.result(b.close(), Duration.ofSeconds(30));
    Await.until("every request sent", Duration.ofSeconds(60), () -> sent.get() >= total);
    a.cancelTimer(timer);
    Await.until("every request answered", Duration.ofSeconds(30),
        () -> failed.get() + repliesBy.values().stream().mapToInt(AtomicInteger::get).sum() >= total);

    assertThat(failures).isEmpty();
    assertThat(repliesBy.get("c").get()).isGreaterThan(repliesBy.get("b").get());
    ParticipantOutcome announce = participant(report, "announce");
    JsonObject detail = announce.detail();
    assertThat(detail.getJsonArray("addresses").getList()).contains(WORK);
    assertThat(detail.getJsonObject("nodes").size()).as("B asked both other nodes: %s", detail.encode()).isEqualTo(2);
    detail.getJsonObject("nodes").forEach(e -> assertThat(((JsonObject) e.getValue()).getString("by"))
        .isEqualTo("selector"));
    assertThat(detail.getLong("confirmedAt")).isGreaterThanOrEqualTo(detail.getLong("withdrawnAt"));
    JsonObject last = participant(report, "close").detail();
    assertThat(last.getLong("lost")).isZero();
    assertThat(last.getString("leave")).contains("left the cluster");
  }

  @Test
  void theReportFileGetsTheClusterPartWithTheLeaveTimeOnceTheNodeHasLeft(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("report-b.json");
    JsonObject withFile = LIFECYCLE.copy().put("reportFile", file.toString());
    TwoNodes nodes = twoNodes(withFile);
    Vertx b = nodes.b();
    StopReport report = stopServing(nodes, withFile);
    assertThat(new JsonObject(Files.readString(file)).containsKey("cluster"))
        .as("no cluster part before the node has left").isFalse();
    var mode = Files.getPosixFilePermissions(file);
    Await.result(b.close(), Duration.ofSeconds(30));
    long closed = System.currentTimeMillis();

    JsonObject written = new JsonObject(Files.readString(file));
    assertThat(written.getLong("start")).isEqualTo(report.start());
    assertThat(written.getString("outcome")).isEqualTo("graceful");
    JsonObject cluster = written.getJsonObject("cluster");
    JsonObject announce = participant(report, "announce").detail();
    assertThat(cluster.getLong("withdrawnAt")).isEqualTo(announce.getLong("withdrawnAt"));
    assertThat(cluster.getLong("confirmedAt")).isEqualTo(announce.getLong("confirmedAt"));
    assertThat(cluster.getJsonArray("addresses").getList()).contains(WORK);
    assertThat(cluster.getLong("lost")).isZero();
    assertThat(cluster.getLong("stragglers")).isNotNegative();
    assertThat(cluster.getLong("leftAt")).isGreaterThanOrEqualTo(report.end()).isLessThanOrEqualTo(closed);
    assertThat(cluster.getLong("leaveTookMs")).isNotNegative()
        .isLessThanOrEqualTo(cluster.getLong("leftAt") - report.end());
    assertThat(cluster.containsKey("leaveFailure")).isFalse();
    assertThat(cluster.getString("nodeId")).isEqualTo(managers.get(b).getNodeId());
    assertThat(Files.getPosixFilePermissions(file)).as("the report's mode is kept").isEqualTo(mode);
  }

  @Test
  void aCloseWithoutAStopLeavesAnExistingReportFileAlone(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("report-b.json");
    String earlier = new JsonObject().put("start", 1L).put("outcome", "graceful").encode() + "\n";
    Files.writeString(file, earlier);
    JsonObject withFile = LIFECYCLE.copy().put("reportFile", file.toString());
    Vertx b = node(freePort(), List.of(), withFile);
    coordinator(b, withFile);

    Await.result(b.close(), Duration.ofSeconds(30));

    assertThat(Files.readString(file)).isEqualTo(earlier);
  }

  @Test
  void aNodeAnswersWhichAddressesItStillRoutesToALeavingNode() throws Exception {
    int portA = freePort();
    Vertx a = node(portA, List.of());
    Vertx b = node(freePort(), List.of("127.0.0.1:" + portA));
    coordinator(b);
    serve(b, "b");
    Await.until("A reaches B", Duration.ofSeconds(60), () -> answeredBy(a).contains("b"));
    LeavingClusterManager onA = managers.get(a);
    LeavingClusterManager onB = managers.get(b);
    assertThat(onA.stillRouted(onB.getNodeId(), List.of(WORK, "nobody.routes.this"))).containsExactly(WORK);

    LeavingClusterManager.Withdrawal withdrawal = Await.result(onB.withdraw(), Duration.ofSeconds(10));

    assertThat(withdrawal.addresses()).contains(WORK).noneMatch(s -> s.startsWith(FleetAddresses.NODE_PREFIX));
    Await.until("A's selector applied the withdrawal", Duration.ofSeconds(10),
        () -> onA.stillRouted(onB.getNodeId(), List.of(WORK)).isEmpty());
    // B's handler stays: a message B sends itself is still handled locally
    String local = Await.result(b.eventBus().<String>request(WORK, "x").map(m -> m.body()), Duration.ofSeconds(5));
    assertThat(local).isEqualTo("b");
  }

  @Test
  void afterTheWithdrawalNewConsumersStayOffTheClusterAndLateMessagesFailAtOnce() throws Exception {
    int portA = freePort();
    Vertx a = node(portA, List.of());
    Vertx b = node(freePort(), List.of("127.0.0.1:" + portA));
    MessageConsumer<String> plain = b.eventBus().consumer("leave.test.plain", m -> m.reply("plain b"));
    Await.result(plain.completion(), Duration.ofSeconds(10));
    Await.until("A reaches B's plain consumer", Duration.ofSeconds(60), () -> "plain b".equals(Await.result(
        a.eventBus().<String>request("leave.test.plain", "x").map(m -> m.body()).otherwise("none"),
        Duration.ofSeconds(5))));
    Await.result(managers.get(b).withdraw(), Duration.ofSeconds(10));

    MessageConsumer<String> late = b.eventBus().consumer("leave.test.late", m -> m.reply("late b"));
    Await.result(late.completion(), Duration.ofSeconds(10));
    assertThat(failureOf(a.eventBus().request("leave.test.late", "x"))).extracting(ReplyException::failureType)
        .isEqualTo(ReplyFailure.NO_HANDLERS);
    String handledOnB = Await.result(b.eventBus().<String>request("leave.test.late", "x").map(m -> m.body()),
        Duration.ofSeconds(5));
    assertThat(handledOnB).isEqualTo("late b");

    Await.result(plain.unregister(), Duration.ofSeconds(10));
    DeliveryOptions fiveSeconds = new DeliveryOptions().setSendTimeout(5000);
    Await.value("the catcher of leave.test.plain is registered", Duration.ofSeconds(10), () -> {
      ReplyException failure = failureOf(b.eventBus().request("leave.test.plain", "x", fiveSeconds));
      return failure != null && failure.failureCode() == NodeLeave.LOST_FAILURE_CODE ? failure : null;
    });
    long sent = System.nanoTime();
    ReplyException lost = failureOf(b.eventBus().request("leave.test.plain", "x", fiveSeconds));
    assertThat(Duration.ofNanos(System.nanoTime() - sent)).isLessThan(Duration.ofSeconds(4));
    assertThat(lost.failureCode()).isEqualTo(NodeLeave.LOST_FAILURE_CODE);
    assertThat(lost.getMessage()).contains("is leaving the cluster", "leave.test.plain");
  }

  private static ReplyException failureOf(io.vertx.core.Future<?> request) {
    Throwable cause = Await.result(request.transform(ar -> io.vertx.core.Future.succeededFuture(ar.cause())),
        Duration.ofSeconds(10));
    return cause instanceof ReplyException r ? r : null;
  }

  @Test
  void aNodeThatCannotAnswerIsGivenAQuietPeriodAndTheReportSaysSo() throws Exception {
    int portA = freePort();
    String cluster = "leave-quiet-" + ProcessHandle.current().pid();
    // A: a plain clustered Vert.x, without the leave's responder
    Vertx a = Await.result(Vertx.builder().withClusterManager(new HazelcastClusterManager(HazelcastSetup.of(
        ClusterConfig.from(InJvmNodes.config(cluster, portA, List.of())), Duration.ofSeconds(30))))
        .buildClustered(), InJvmNodes.JOIN);
    try {
      JsonObject config = InJvmNodes.config(cluster, freePort(), List.of("127.0.0.1:" + portA))
          .put("lifecycle", LIFECYCLE);
      ClusteredVertxFactory factory = new ClusteredVertxFactory();
      Vertx b = nodes.node(factory, config);
      LifecycleCoordinator coordinator = coordinator(b);
      serve(b, "b");
      Await.until("A reaches B", Duration.ofSeconds(60), () -> answeredBy(a).contains("b"));

      coordinator.trigger(LifecycleCommand.STOP, Trigger.APPLICATION, "test");
      StopReport report = Await.result(coordinator.stopped(), Duration.ofSeconds(30));

      JsonObject detail = participant(report, "announce").detail();
      JsonObject byA = detail.getJsonObject("nodes").getJsonObject(theOtherNode(factory.leavingClusterManager(b)));
      assertThat(byA.getString("by")).isEqualTo("quiet-period");
      assertThat(byA.getString("reason")).contains("No handlers");
      assertThat(byA.getLong("afterMs")).isGreaterThanOrEqualTo(LeaveParticipant.QUIET_PERIOD_MS);
      assertThat(detail.getLong("confirmTookMs")).isGreaterThanOrEqualTo(LeaveParticipant.QUIET_PERIOD_MS);
    } finally {
      Await.result(a.close(), Duration.ofSeconds(30));
    }
  }

  /** The id of the one node of a two-node cluster other than {@code manager}'s own. */
  private static String theOtherNode(LeavingClusterManager manager) {
    return manager.getNodes().stream().filter(id -> !id.equals(manager.getNodeId())).findFirst().orElseThrow();
  }

  @Test
  void aOnePhasePlanWithdrawsAndTalliesInThatPhase() throws Exception {
    JsonObject onePhase = new JsonObject().put("shutdownTimeout", "20s").put("phases", new JsonArray()
        .add(new JsonObject().put("name", "stop").put("timeout", "5s")));
    StopReport report = stopServing(twoNodes(onePhase), onePhase);

    JsonObject detail = participant(report, "stop").detail();
    assertThat(detail.getJsonArray("addresses").getList()).contains(WORK);
    assertThat(detail.getLong("withdrawnAt")).isPositive();
    assertThat(detail.getLong("lost")).isZero();
    assertThat(detail.getString("leave")).contains("left the cluster");
  }

  @Test
  void aFirstPhaseWithoutBudgetIsWarnedOf() {
    JsonObject unfit = new JsonObject().put("lifecycle", new JsonObject().put("phases", new JsonArray()
        .add(new JsonObject().put("name", "announce").put("timeout", "0s"))
        .add(new JsonObject().put("name", "drain").put("timeout", "5s"))));
    assertThat(NodeLeave.planWarnings(LifecycleConfig.from(unfit))).singleElement().asString()
        .contains("first stop phase (announce) has no budget", "lifecycle.phases[0].timeout");
    assertThat(NodeLeave.planWarnings(LifecycleConfig.from(new JsonObject().put("lifecycle", LIFECYCLE)))).isEmpty();
  }

  private static ParticipantOutcome participant(StopReport report, String phase) {
    return report.phases().stream().filter(p -> p.phase().equals(phase)).findFirst().orElseThrow()
        .participants().stream().filter(p -> p.participant().equals(LeaveParticipant.NAME)).findFirst()
        .orElseThrow(() -> new AssertionError("no participant cluster in phase " + phase + ": " + report.toJson()));
  }

  /** A two-node cluster: A on {@link #LIFECYCLE}, B (the one that stops) on its own. */
  private record TwoNodes(Vertx a, Vertx b) {
  }

  private TwoNodes twoNodes(JsonObject lifecycleOfB) throws IOException {
    int portA = freePort();
    Vertx a = node(portA, List.of());
    return new TwoNodes(a, node(freePort(), List.of("127.0.0.1:" + portA), lifecycleOfB));
  }

  /** B serves {@link #WORK} until A reaches it, then stops through its coordinator; the report. */
  private static StopReport stopServing(TwoNodes nodes, JsonObject lifecycleOfB) {
    LifecycleCoordinator coordinator = coordinator(nodes.b(), lifecycleOfB);
    serve(nodes.b(), "b");
    Await.until("A reaches B", Duration.ofSeconds(60), () -> answeredBy(nodes.a()).contains("b"));
    coordinator.trigger(LifecycleCommand.STOP, Trigger.APPLICATION, "test");
    return Await.result(coordinator.stopped(), Duration.ofSeconds(30));
  }

  private static LifecycleCoordinator coordinator(Vertx vertx) {
    return coordinator(vertx, LIFECYCLE);
  }

  private static LifecycleCoordinator coordinator(Vertx vertx, JsonObject lifecycle) {
    LifecycleCoordinator coordinator = new LifecycleCoordinator(LifecycleConfig.from(
        new JsonObject().put("lifecycle", lifecycle)));
    Await.result(vertx.deployVerticle(coordinator, new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER)),
        Duration.ofSeconds(10));
    // RUNNING is the coordinator's first event: the leave's participant registers then
    Await.result(coordinator.markRunning(), Duration.ofSeconds(10));
    return coordinator;
  }


  private static Set<String> answeredBy(Vertx from) {
    Set<String> seen = ConcurrentHashMap.newKeySet();
    for (int i = 0; i < 8; i++) {
      seen.add(Await.result(from.eventBus().<String>request(WORK, "probe").map(m -> m.body()).otherwise("none"),
          Duration.ofSeconds(5)));
    }
    return seen;
  }

  private static void serve(Vertx vertx, String name) {
    Await.result(vertx.deployVerticle(new io.vertx.core.VerticleBase() {
      @Override
      public io.vertx.core.Future<?> start() {
        return QuiesceEventBus.<String>consumer(vertx, WORK,
            m -> vertx.setTimer(2, t -> m.reply(name))).completion();
      }
    }), Duration.ofSeconds(10));
  }

  private Vertx node(int port, List<String> members) {
    return node(port, members, LIFECYCLE);
  }

  private Vertx node(int port, List<String> members, JsonObject lifecycle) {
    JsonObject config = InJvmNodes.config("leave-" + ProcessHandle.current().pid(), port, members)
        .put("lifecycle", lifecycle);
    ClusteredVertxFactory factory = new ClusteredVertxFactory();
    Vertx vertx = nodes.node(factory, config);
    managers.put(vertx, factory.leavingClusterManager(vertx));
    return vertx;
  }

  private static int freePort() throws IOException {
    return InJvmNodes.freePort();
  }
}
