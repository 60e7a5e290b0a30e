package dev.quiesce.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.testing.Await;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Three clustered instances in this JVM, each with a stand-in lifecycle coordinator (a real local
 * consumer on {@code quiesce.lifecycle} that answers {@code status} and, for {@code reload}, publishes the
 * coordinator's events): the fleet events, the status, a rolling reload, a refused second operation, a
 * failed reload, two requests at once to one node, a queued reload. Real Hazelcast on 127.0.0.1, free ports. The
 * tests share one cluster ({@link FleetTestCluster}) and none leaves it changed: each begins only on an idle fleet
 * (else fails at once saying so); the tests that stop nodes are {@link FleetFailuresInJvmTest}'s, each on a fresh
 * cluster.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FleetInJvmTest {

  private static final Duration WAIT = FleetTestCluster.WAIT;
  /** How long {@link #noOperationLeftByAnEarlierTest()} waits for the fleet to be idle before the test fails. */
  private static final Duration IDLE = Duration.ofSeconds(20);

  private FleetTestCluster fleet;
  private List<String> addresses;
  private List<FleetEvent> events;

  @BeforeAll
  void cluster() throws IOException {
    fleet = new FleetTestCluster("fleet-test");
    addresses = fleet.addresses;
    events = fleet.events;
  }

  @AfterAll
  void close() {
    if (fleet != null) {
      fleet.close();
    }
  }

  /**
   * The tests share one cluster: each begins with the stand-ins reset and fails at once, naming what an earlier
   * test left, unless the fleet is idle (no operation, the lock free, three nodes reachable and ready).
   */
  @BeforeEach
  void noOperationLeftByAnEarlierTest() {
    addresses.forEach(a -> {
      fleet.reloadDelay.put(a, 0L);
      fleet.reloadOutcome.put(a, "done");
    });
    fleet.reloadQueued.clear();
    AtomicReference<FleetStatus> last = new AtomicReference<>();
    try {
      Await.until("an idle fleet", IDLE, () -> {
        last.set(fleet.status(0));
        return idle(last.get());
      });
    } catch (AssertionError e) {
      throw new AssertionError("an earlier test left the fleet busy (an operation running or a node not ready): "
          + last.get().toJson().encode(), e);
    }
  }

  private static boolean idle(FleetStatus status) {
    return status.operation().isEmpty() && status.nodes().size() == 3
        && status.nodes().stream().allMatch(n -> n.reachable() && n.ready());
  }

  private static void publish(Vertx vertx, JsonObject event) {
    FleetTestCluster.publish(vertx, event);
  }

  private FleetStatus status(int node) {
    return fleet.status(node);
  }

  private Future<JsonObject> ask(int node, JsonObject request) {
    return fleet.ask(node, request);
  }

  private FleetOperationReport awaitEnd(String id) {
    return fleet.awaitEnd(id);
  }

  @Test
  @Order(1)
  void statusListsEveryNodeWithItsAddressAndReadiness() {
    long uptimeBefore = ManagementFactory.getRuntimeMXBean().getUptime();
    FleetStatus status = status(1);
    long uptimeAfter = ManagementFactory.getRuntimeMXBean().getUptime();
    assertThat(status.nodes()).extracting(FleetNodeStatus::address).containsExactlyElementsOf(addresses);
    assertThat(status.nodes()).allSatisfy(n -> {
      assertThat(n.ready()).isTrue();
      assertThat(n.state()).isEqualTo("RUNNING");
      assertThat(n.inFlightRequests()).isEqualTo(-1); // no management listener in this JVM
      assertThat(n.version()).isNotBlank();
      // the nodes share this JVM, whose uptime is theirs: read while the status was gathered
      assertThat(n.uptimeMs()).isBetween(uptimeBefore, uptimeAfter);
    });
    assertThat(status.operation()).isEmpty();
  }

  @Test
  @Order(2)
  void lifecycleEventsOfOneNodeReachTheFleetWithItsIdentity() {
    publish(fleet.nodes.get(2), new JsonObject().put("type", "state").put("from", "RUNNING").put("to", "DRAINING"));
    FleetEvent seen = Await.value("not-ready from the third node", WAIT, () -> events.stream()
        .filter(e -> e.state() == FleetState.NOT_READY).findFirst().orElse(null));
    assertThat(seen.address()).isEqualTo(addresses.get(2));
    assertThat(seen.detail().getString("to")).isEqualTo("DRAINING");
  }

  @Test
  @Order(3)
  void aRollingReloadTakesTheOthersInAddressOrderOneAtATimeThenItself() {
    addresses.forEach(a -> fleet.reloadDelay.put(a, 300L));
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
    addresses.forEach(a -> fleet.reloadDelay.put(a, 1500L));
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
    addresses.forEach(a -> fleet.reloadDelay.put(a, 1L));
    fleet.reloadOutcome.put(addresses.get(1), "failed");
    FleetOperationReport started = FleetOperationReport.fromJson(Await.result(ask(0,
        new JsonObject().put("command", "reload")), WAIT));
    FleetOperationReport end = awaitEnd(started.id());
    fleet.reloadOutcome.put(addresses.get(1), "done");
    assertThat(end.outcome()).isEqualTo(FleetOperationReport.Outcome.FAILED);
    assertThat(end.failure().orElseThrow()).contains(addresses.get(1)).contains("failed its reload");
    assertThat(end.steps()).extracting(FleetOperationReport.NodeStep::outcome).containsExactly(
        FleetOperationReport.StepOutcome.FAILED, FleetOperationReport.StepOutcome.PENDING,
        FleetOperationReport.StepOutcome.PENDING);
  }

  @Test
  @Order(7)
  void withMaxUnavailableTwoTheOthersReloadTogetherThenTheRunner() {
    addresses.forEach(a -> fleet.reloadDelay.put(a, 1000L));
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
  void twoRequestsToOneNodeAtOnceStartOneOperationAndRefuseTheOther() {
    addresses.forEach(a -> fleet.reloadDelay.put(a, 300L));
    // both sent before either is answered: the second arrives while the first takes the lock and asks every node
    Future<JsonObject> first = ask(0, new JsonObject().put("command", "reload").put("reason", "one"));
    Future<JsonObject> second = ask(0, new JsonObject().put("command", "reload").put("reason", "two"));
    Await.until("both answered", WAIT, () -> first.isComplete() && second.isComplete());
    List<Future<JsonObject>> accepted = List.of(first, second).stream().filter(Future::succeeded).toList();
    List<Future<JsonObject>> refused = List.of(first, second).stream().filter(Future::failed).toList();
    assertThat(accepted).as("started").hasSize(1);
    assertThat(refused).as("refused").hasSize(1);
    Throwable why = refused.get(0).cause();
    assertThat(why).isInstanceOf(ReplyException.class);
    assertThat(((ReplyException) why).failureCode()).isEqualTo(409);
    // refused by the start under way: the second request is handled right after the first set it, while the
    // first still waits for the lock or the nodes' status (without it, the lock alone would answer, and the lock is
    // re-entrant for the pooled thread that took it)
    assertThat(why.getMessage()).contains("being started on node").contains(addresses.get(0));
    FleetOperationReport started = FleetOperationReport.fromJson(accepted.get(0).result());
    assertThat(awaitEnd(started.id()).outcome()).isEqualTo(FleetOperationReport.Outcome.DONE);
    assertThat(fleet.reports).filteredOn(r -> r.reason().equals("one") || r.reason().equals("two"))
        .extracting(FleetOperationReport::id).containsOnly(started.id());
  }

  @Test
  @Order(9)
  void aReloadQueuedBehindAnotherFailsTheStepAndTheOtherReloadsEndDoesNotCompleteIt() {
    fleet.reloadQueued.add(addresses.get(1));
    FleetOperationReport started = fleet.start(0, new JsonObject().put("command", "reload"));
    FleetOperationReport end = awaitEnd(started.id());
    assertThat(end.outcome()).isEqualTo(FleetOperationReport.Outcome.FAILED);
    assertThat(end.failure().orElseThrow()).contains(addresses.get(1)).contains("queued the reload");
    assertThat(end.steps()).extracting(FleetOperationReport.NodeStep::outcome).containsExactly(
        FleetOperationReport.StepOutcome.FAILED, FleetOperationReport.StepOutcome.PENDING,
        FleetOperationReport.StepOutcome.PENDING);
  }
}
