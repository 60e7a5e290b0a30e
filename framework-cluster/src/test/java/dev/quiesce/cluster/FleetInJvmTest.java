package dev.quiesce.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.cluster.impl.ClusteredVertxFactory;
import dev.quiesce.lifecycle.EventBusContract;
import dev.quiesce.testing.Await;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Three clustered instances in this JVM, each with a stand-in lifecycle coordinator (a real local
 * consumer on {@code quiesce.lifecycle} that answers {@code status} and, for {@code reload}, publishes the
 * coordinator's events): the fleet events, the status, a rolling reload, a refused second operation, a
 * failed reload, a rolling upgrade whose steps end only once the predecessor has left, and a node that
 * leaves during an operation. Real Hazelcast on 127.0.0.1, free ports.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FleetInJvmTest {

  private static final Duration WAIT = Duration.ofSeconds(60);

  private final InJvmNodes cluster = new InJvmNodes();
  private final List<Vertx> nodes = new ArrayList<>();
  private final List<String> addresses = new ArrayList<>();
  /** Per address: how long its stand-in coordinator takes to reload, and the outcome it publishes. */
  private final Map<String, Long> reloadDelay = new ConcurrentHashMap<>();
  private final Map<String, String> reloadOutcome = new ConcurrentHashMap<>();
  private final List<FleetEvent> events = new CopyOnWriteArrayList<>();
  private final List<FleetOperationReport> reports = new CopyOnWriteArrayList<>();
  /** The addresses whose stand-in coordinator was asked to upgrade. */
  private final List<String> upgradeAsked = new CopyOnWriteArrayList<>();
  private int firstPort;

  @BeforeAll
  void cluster() throws IOException {
    firstPort = InJvmNodes.freePort();
    for (int i = 0; i < 3; i++) {
      String address = "127.0.0.1:" + (9100 + i);
      int port = i == 0 ? firstPort : InJvmNodes.freePort();
      Vertx vertx = cluster.node(new ClusteredVertxFactory(), nodeConfig(i, port));
      nodes.add(vertx);
      addresses.add(address);
      standInCoordinator(vertx, address);
    }
    nodes.get(0).eventBus().consumer(FleetAddresses.EVENTS, m -> events.add(FleetEvent.fromJson((JsonObject) m.body())));
    nodes.get(0).eventBus().consumer(FleetAddresses.OPERATIONS,
        m -> reports.add(FleetOperationReport.fromJson((JsonObject) m.body())));
    Await.until("three members with their fleet consumers", WAIT, () -> status(0).nodes().size() == 3
        && status(0).nodes().stream().allMatch(FleetNodeStatus::reachable));
  }

  /** Node {@code i}'s configuration: its Hazelcast {@code port}, joining the first node's, and its address. */
  private JsonObject nodeConfig(int i, int port) {
    return InJvmNodes.config("fleet-test-" + ProcessHandle.current().pid(), port,
            port == firstPort ? List.of() : List.of("127.0.0.1:" + firstPort))
        // only names the node's address: nothing listens there
        .put("management", new JsonObject().put("host", "127.0.0.1").put("port", 9100 + i));
  }

  @AfterAll
  void close() {
    cluster.close();
  }

  private void standInCoordinator(Vertx vertx, String address) {
    reloadDelay.put(address, 0L);
    reloadOutcome.put(address, "done");
    vertx.eventBus().localConsumer(EventBusContract.COMMANDS, m -> {
      JsonObject body = (JsonObject) m.body();
      switch (body.getString("command")) {
        case "status" -> m.reply(new JsonObject().put("state", "RUNNING"));
        case "reload" -> {
          m.reply(new JsonObject().put("state", "RUNNING").put("accepted", true));
          publish(vertx, new JsonObject().put("type", "state").put("from", "RUNNING").put("to", "RELOADING"));
          vertx.setTimer(Math.max(1, reloadDelay.get(address)), t -> {
            publish(vertx, new JsonObject().put("type", "reload").put("outcome", reloadOutcome.get(address))
                .put("reason", body.getString("reason")));
            publish(vertx, new JsonObject().put("type", "state").put("from", "RELOADING").put("to", "RUNNING"));
          });
        }
        case "upgrade" -> {
          // the successor is started by the test (upgradeStepEndsOnceThePredecessorLeft), or never (the runner)
          m.reply(new JsonObject().put("state", "RUNNING").put("accepted", true));
          upgradeAsked.add(address);
          publish(vertx, new JsonObject().put("type", "upgrade").put("outcome", "started"));
        }
        default -> m.fail(409, "not here");
      }
    });
  }

  private static void publish(Vertx vertx, JsonObject event) {
    vertx.eventBus().publish(EventBusContract.EVENTS, event, new DeliveryOptions().setLocalOnly(true));
  }

  private FleetStatus status(int node) {
    return FleetStatus.fromJson(Await.result(ask(node, new JsonObject().put("command", "status")), WAIT));
  }

  private Future<JsonObject> ask(int node, JsonObject request) {
    return nodes.get(node).eventBus().<Object>request(FleetAddresses.FLEET, request,
        new DeliveryOptions().setLocalOnly(true).setSendTimeout(30_000)).map(m -> (JsonObject) m.body());
  }

  private FleetOperationReport awaitEnd(String id) {
    return Await.value("the end of " + id, WAIT, () -> reports.stream()
        .filter(r -> r.id().equals(id) && r.outcome() != FleetOperationReport.Outcome.RUNNING).findFirst().orElse(null));
  }

  @Test
  @Order(1)
  void statusListsEveryNodeWithItsAddressAndReadiness() {
    FleetStatus status = status(1);
    assertThat(status.nodes()).extracting(FleetNodeStatus::address).containsExactlyElementsOf(addresses);
    assertThat(status.nodes()).allSatisfy(n -> {
      assertThat(n.ready()).isTrue();
      assertThat(n.state()).isEqualTo("RUNNING");
      assertThat(n.inFlightRequests()).isEqualTo(-1); // no management listener in this JVM
      assertThat(n.version()).isNotBlank();
    });
    assertThat(status.operation()).isEmpty();
  }

  @Test
  @Order(2)
  void lifecycleEventsOfOneNodeReachTheFleetWithItsIdentity() {
    publish(nodes.get(2), new JsonObject().put("type", "state").put("from", "RUNNING").put("to", "DRAINING"));
    FleetEvent seen = Await.value("not-ready from the third node", WAIT, () -> events.stream()
        .filter(e -> e.state() == FleetState.NOT_READY).findFirst().orElse(null));
    assertThat(seen.address()).isEqualTo(addresses.get(2));
    assertThat(seen.detail().getString("to")).isEqualTo("DRAINING");
  }

  @Test
  @Order(3)
  void aRollingReloadTakesTheOthersInAddressOrderOneAtATimeThenItself() {
    addresses.forEach(a -> reloadDelay.put(a, 300L));
    events.clear();
    FleetOperationReport started = FleetOperationReport.fromJson(Await.result(ask(0,
        new JsonObject().put("command", "reload").put("reason", "test")), WAIT));
    assertThat(started.outcome()).isEqualTo(FleetOperationReport.Outcome.RUNNING);
    assertThat(started.steps()).extracting(FleetOperationReport.NodeStep::address)
        .containsExactly(addresses.get(1), addresses.get(2), addresses.get(0));
    FleetOperationReport end = awaitEnd(started.id());
    assertThat(end.outcome()).isEqualTo(FleetOperationReport.Outcome.DONE);
    assertThat(end.steps()).allSatisfy(s -> assertThat(s.outcome()).isEqualTo(FleetOperationReport.StepOutcome.DONE));
    // one node reloading at a time: each reloading comes after the reloaded before it
    List<FleetEvent> reloads = events.stream().filter(e -> e.state() == FleetState.RELOADING
        || e.state() == FleetState.RELOADED).toList();
    assertThat(reloads).extracting(FleetEvent::state).containsExactly(FleetState.RELOADING, FleetState.RELOADED,
        FleetState.RELOADING, FleetState.RELOADED, FleetState.RELOADING, FleetState.RELOADED);
    assertThat(reloads).extracting(FleetEvent::address).containsExactly(addresses.get(1), addresses.get(1),
        addresses.get(2), addresses.get(2), addresses.get(0), addresses.get(0));
    Await.until("the last operation in the status", WAIT,
        () -> status(2).lastOperation().map(FleetOperationReport::id).orElse("").equals(started.id()));
  }

  @Test
  @Order(4)
  void aSecondOperationIsRefusedNamingTheOneInProgress() {
    addresses.forEach(a -> reloadDelay.put(a, 1500L));
    FleetOperationReport first = FleetOperationReport.fromJson(Await.result(ask(0,
        new JsonObject().put("command", "reload").put("reason", "the first")), WAIT));
    Throwable refused = Await.failure(ask(1, new JsonObject().put("command", "restart")));
    assertThat(refused).isInstanceOf(ReplyException.class);
    assertThat(((ReplyException) refused).failureCode()).isEqualTo(409);
    assertThat(refused.getMessage()).contains("a fleet reload (" + first.id()).contains("the first")
        .contains("is in progress");
    assertThat(status(2).operation().map(FleetOperationReport::id)).contains(first.id());
    assertThat(awaitEnd(first.id()).outcome()).isEqualTo(FleetOperationReport.Outcome.DONE);
  }

  @Test
  @Order(5)
  void aFailedReloadStopsTheOperationLeavingTheRestUntouched() {
    addresses.forEach(a -> reloadDelay.put(a, 1L));
    reloadOutcome.put(addresses.get(1), "failed");
    FleetOperationReport started = FleetOperationReport.fromJson(Await.result(ask(0,
        new JsonObject().put("command", "reload")), WAIT));
    FleetOperationReport end = awaitEnd(started.id());
    reloadOutcome.put(addresses.get(1), "done");
    assertThat(end.outcome()).isEqualTo(FleetOperationReport.Outcome.FAILED);
    assertThat(end.failure().orElseThrow()).contains(addresses.get(1)).contains("failed its reload");
    assertThat(end.steps()).extracting(FleetOperationReport.NodeStep::outcome).containsExactly(
        FleetOperationReport.StepOutcome.FAILED, FleetOperationReport.StepOutcome.PENDING,
        FleetOperationReport.StepOutcome.PENDING);
  }

  @Test
  @Order(7)
  void withMaxUnavailableTwoTheOthersReloadTogetherThenTheRunner() {
    addresses.forEach(a -> reloadDelay.put(a, 1000L));
    events.clear();
    FleetOperationReport started = FleetOperationReport.fromJson(Await.result(ask(0,
        new JsonObject().put("command", "reload").put("maxUnavailable", 2)), WAIT));
    assertThat(awaitEnd(started.id()).outcome()).isEqualTo(FleetOperationReport.Outcome.DONE);
    List<FleetEvent> reloads = events.stream().filter(e -> e.state() == FleetState.RELOADING
        || e.state() == FleetState.RELOADED).toList();
    // the two others both reloading before either is done; the runner alone, after them
    assertThat(reloads).extracting(FleetEvent::state).containsExactly(FleetState.RELOADING, FleetState.RELOADING,
        FleetState.RELOADED, FleetState.RELOADED, FleetState.RELOADING, FleetState.RELOADED);
    assertThat(reloads.subList(0, 2)).extracting(FleetEvent::address)
        .containsExactlyInAnyOrder(addresses.get(1), addresses.get(2));
    assertThat(reloads.subList(4, 6)).extracting(FleetEvent::address).containsOnly(addresses.get(0));
  }

  @Test
  @Order(8)
  void anUpgradeStepEndsOnlyOnceItsSuccessorIsReadyAndThePredecessorHasLeft() throws IOException {
    FleetOperationReport started = FleetOperationReport.fromJson(Await.result(ask(0,
        new JsonObject().put("command", "upgrade")), WAIT));
    for (int i = 1; i <= 2; i++) {
      int node = i;
      String oldId = started.steps().get(node - 1).nodeId();
      Await.until("node " + node + " asked to upgrade", WAIT, () -> upgradeAsked.contains(addresses.get(node)));
      // its successor: another member at the same address, ready while the predecessor is still a member
      Vertx successor = cluster.node(new ClusteredVertxFactory(), nodeConfig(node, InJvmNodes.freePort()));
      standInCoordinator(successor, addresses.get(node));
      publish(successor, new JsonObject().put("type", "state").put("from", "STARTING").put("to", "RUNNING"));
      FleetOperationReport.NodeStep waiting = Await.value("the step waits for the predecessor", WAIT,
          () -> lastStep(started.id(), node - 1).filter(s -> s.detail().orElse("").contains("is ready; the"
              + " predecessor is to leave the cluster")).orElse(null));
      assertThat(waiting.outcome()).isEqualTo(FleetOperationReport.StepOutcome.RUNNING);
      long leaving = System.currentTimeMillis();
      Await.result(nodes.get(node).close(), WAIT);
      nodes.set(node, successor);
      FleetOperationReport.NodeStep done = Await.value("the step done", WAIT, () -> lastStep(started.id(), node - 1)
          .filter(s -> s.outcome() != FleetOperationReport.StepOutcome.RUNNING).orElse(null));
      assertThat(done.outcome()).isEqualTo(FleetOperationReport.StepOutcome.DONE);
      assertThat(done.endedAt()).isGreaterThanOrEqualTo(leaving);
      assertThat(done.newNodeId()).isPresent().get().isNotEqualTo(oldId);
      assertThat(done.detail().orElseThrow()).contains("the predecessor has left the cluster");
    }
    FleetOperationReport end = awaitEnd(started.id());
    assertThat(end.outcome()).isEqualTo(FleetOperationReport.Outcome.DONE);
    assertThat(end.steps()).extracting(FleetOperationReport.NodeStep::outcome).containsExactly(
        FleetOperationReport.StepOutcome.DONE, FleetOperationReport.StepOutcome.DONE,
        FleetOperationReport.StepOutcome.HANDED_OVER);
    Await.until("the runner's own upgrade handed over", WAIT, () -> upgradeAsked.contains(addresses.get(0)));
    Await.until("three members, the two new ones ready", WAIT, () -> status(0).nodes().size() == 3
        && status(0).nodes().stream().allMatch(FleetNodeStatus::ready));
  }

  /** The last report of operation {@code id} seen, its step {@code index}. */
  private Optional<FleetOperationReport.NodeStep> lastStep(String id, int index) {
    List<FleetOperationReport> of = reports.stream().filter(r -> r.id().equals(id)).toList();
    return of.isEmpty() ? Optional.empty() : Optional.of(of.get(of.size() - 1).steps().get(index));
  }

  @Test
  @Order(10)
  void aNodeThatLeavesDuringTheOperationFailsItWithThatReason() {
    addresses.forEach(a -> reloadDelay.put(a, 3000L));
    FleetOperationReport started = FleetOperationReport.fromJson(Await.result(ask(0,
        new JsonObject().put("command", "reload").put("maxUnavailable", 1)), WAIT));
    Await.result(nodes.get(2).close(), WAIT);
    FleetOperationReport end = awaitEnd(started.id());
    assertThat(end.outcome()).isEqualTo(FleetOperationReport.Outcome.FAILED);
    assertThat(end.failure().orElseThrow()).contains(addresses.get(2)).contains("left the cluster");
  }
}
