package dev.quiesce.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.testing.Await;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Fleet operations whose nodes stop or leave, each test on a fresh in-JVM cluster of three
 * ({@link FleetTestCluster}: real Hazelcast on 127.0.0.1, free ports, stand-in coordinators): a node that leaves
 * during a reload, a node whose restart never brings it back, the runner whose own stop begins, a runner that
 * leaves the cluster while it runs, and an upgrade whose steps end only once each predecessor has left.
 */
class FleetFailuresInJvmTest {

  private static final Duration WAIT = FleetTestCluster.WAIT;

  private FleetTestCluster fleet;

  @BeforeEach
  void cluster() throws IOException {
    fleet = new FleetTestCluster("fleet-failures-" + System.nanoTime());
  }

  @AfterEach
  void close() {
    if (fleet != null) {
      fleet.close();
    }
  }

  @Test
  void aNodeThatLeavesDuringTheOperationFailsItWithThatReason() {
    fleet.addresses.forEach(a -> fleet.reloadDelay.put(a, 3000L));
    FleetOperationReport started = fleet.start(0, new JsonObject().put("command", "reload").put("maxUnavailable", 1));
    Await.result(fleet.nodes.get(2).close(), WAIT);
    FleetOperationReport end = fleet.awaitEnd(started.id());
    assertThat(end.outcome()).isEqualTo(FleetOperationReport.Outcome.FAILED);
    assertThat(end.failure().orElseThrow()).contains(fleet.addresses.get(2)).contains("left the cluster");
  }

  @Test
  void aNodeThatLeavesDuringItsOwnReloadFailsItAtOnceNamingIt() {
    fleet.addresses.forEach(a -> fleet.reloadDelay.put(a, 60_000L));
    FleetOperationReport started = fleet.start(0, new JsonObject().put("command", "reload"));
    assertThat(started.steps().get(0).address()).isEqualTo(fleet.addresses.get(1));
    Await.until("node 1 reloading", WAIT, () -> fleet.events.stream()
        .anyMatch(e -> e.state() == FleetState.RELOADING && e.address().equals(fleet.addresses.get(1))));
    long closedAt = System.currentTimeMillis();
    Await.result(fleet.nodes.get(1).close(), WAIT);
    FleetOperationReport end = fleet.awaitEnd(started.id());
    assertThat(end.outcome()).isEqualTo(FleetOperationReport.Outcome.FAILED);
    assertThat(end.failure().orElseThrow()).contains(fleet.addresses.get(1)).contains("left the cluster")
        .contains("during the rolling reload");
    // not the reload's 60 s nor the stepTimeout (2 min): the member list, checked every 250 ms
    assertThat(end.endedAt() - closedAt).isLessThan(30_000);
  }

  @Test
  void aRestartedNodeThatNeverComesBackFailsAtStepTimeoutSayingItLeftAndNeverCameBack() {
    FleetOperationReport started = fleet.start(0, new JsonObject().put("command", "restart")
        .put("stepTimeout", "3s"));
    assertThat(started.steps().get(0).address()).isEqualTo(fleet.addresses.get(1));
    FleetOperationReport end = fleet.awaitEnd(started.id());
    assertThat(end.outcome()).isEqualTo(FleetOperationReport.Outcome.FAILED);
    assertThat(end.failure().orElseThrow()).contains(fleet.addresses.get(1)).contains("left the cluster")
        .contains("never came back").contains("stepTimeout (3000 ms)");
    FleetOperationReport.NodeStep step = end.steps().get(0);
    assertThat(step.endedAt() - step.startedAt()).isGreaterThanOrEqualTo(3000).isLessThan(30_000);
    assertThat(end.steps().get(1).outcome()).isEqualTo(FleetOperationReport.StepOutcome.PENDING);
  }

  @Test
  void theRunnersOwnStopFailsItsOperationStoresItAndFreesTheLock() {
    fleet.addresses.forEach(a -> fleet.reloadDelay.put(a, 60_000L));
    FleetOperationReport started = fleet.start(0, new JsonObject().put("command", "reload").put("reason", "long"));
    // recorded before the answer: every node's status names it at once
    assertThat(fleet.status(2).operation().map(FleetOperationReport::id)).contains(started.id());
    long stopAt = System.currentTimeMillis();
    FleetTestCluster.beginStop(fleet.nodes.get(0));
    FleetOperationReport end = fleet.awaitEnd(started.id());
    assertThat(end.outcome()).isEqualTo(FleetOperationReport.Outcome.FAILED);
    assertThat(end.failure().orElseThrow()).contains("the node running it").contains("is stopping")
        .contains(fleet.addresses.get(0));
    Await.until("the failed operation as the last one, none running", Duration.ofSeconds(10), () -> {
      FleetStatus status = fleet.status(1);
      return status.operation().isEmpty() && status.lastOperation().map(FleetOperationReport::id)
          .filter(started.id()::equals).isPresent();
    });
    System.out.printf("fleet: the runner's stop ended its operation in %d ms%n", end.endedAt() - stopAt);
    // the lock is free: another node starts an operation
    fleet.addresses.forEach(a -> fleet.reloadDelay.put(a, 1L));
    FleetOperationReport next = fleet.start(1, new JsonObject().put("command", "reload"));
    assertThat(next.outcome()).isEqualTo(FleetOperationReport.Outcome.RUNNING);
  }

  @Test
  void anOperationWhoseRunnerLeftTheClusterEndsFailedInTheStatusAndTheLockIsFree() {
    fleet.addresses.forEach(a -> fleet.reloadDelay.put(a, 60_000L));
    FleetOperationReport started = fleet.start(2, new JsonObject().put("command", "reload").put("reason", "orphan"));
    Await.until("node 0 reloading", WAIT, () -> fleet.events.stream()
        .anyMatch(e -> e.state() == FleetState.RELOADING && e.address().equals(fleet.addresses.get(0))));
    // the runner leaves without its stop (no leaving event): its entry stays behind
    Await.result(fleet.nodes.get(2).close(), WAIT);
    FleetOperationReport last = Await.value("the abandoned operation ended in the status", WAIT, () -> {
      FleetStatus status = fleet.status(1);
      return status.operation().isEmpty() ? status.lastOperation().filter(r -> r.id().equals(started.id()))
          .orElse(null) : null;
    });
    assertThat(last.outcome()).isEqualTo(FleetOperationReport.Outcome.FAILED);
    assertThat(last.failure().orElseThrow()).contains("node " + started.runBy()).contains("left the cluster");
    assertThat(last.endedAt()).isPositive();
    FleetOperationReport next = fleet.start(0, new JsonObject().put("command", "reload"));
    assertThat(next.outcome()).isEqualTo(FleetOperationReport.Outcome.RUNNING);
  }

  @Test
  void anUpgradeStepEndsOnlyOnceItsSuccessorIsReadyAndThePredecessorHasLeft() throws IOException {
    FleetOperationReport started = fleet.start(0, new JsonObject().put("command", "upgrade"));
    for (int i = 1; i <= 2; i++) {
      int node = i;
      String oldId = started.steps().get(node - 1).nodeId();
      Await.until("node " + node + " asked to upgrade", WAIT, () -> fleet.upgradeAsked.contains(fleet.addresses.get(node)));
      Vertx successor = fleet.successor(node);
      FleetOperationReport.NodeStep waiting = Await.value("the step waits for the predecessor", WAIT,
          () -> lastStep(started.id(), node - 1).filter(s -> s.detail().orElse("").contains("is ready; the"
              + " predecessor is to leave the cluster")).orElse(null));
      assertThat(waiting.outcome()).isEqualTo(FleetOperationReport.StepOutcome.RUNNING);
      long leaving = System.currentTimeMillis();
      Await.result(fleet.nodes.get(node).close(), WAIT);
      fleet.nodes.set(node, successor);
      FleetOperationReport.NodeStep done = Await.value("the step done", WAIT, () -> lastStep(started.id(), node - 1)
          .filter(s -> s.outcome() != FleetOperationReport.StepOutcome.RUNNING).orElse(null));
      assertThat(done.outcome()).isEqualTo(FleetOperationReport.StepOutcome.DONE);
      assertThat(done.endedAt()).isGreaterThanOrEqualTo(leaving);
      assertThat(done.newNodeId()).isPresent().get().isNotEqualTo(oldId);
      assertThat(done.detail().orElseThrow()).contains("the predecessor has left the cluster");
    }
    FleetOperationReport end = fleet.awaitEnd(started.id());
    assertThat(end.outcome()).isEqualTo(FleetOperationReport.Outcome.DONE);
    assertThat(end.steps()).extracting(FleetOperationReport.NodeStep::outcome).containsExactly(
        FleetOperationReport.StepOutcome.DONE, FleetOperationReport.StepOutcome.DONE,
        FleetOperationReport.StepOutcome.HANDED_OVER);
    Await.until("the runner's own upgrade handed over", WAIT, () -> fleet.upgradeAsked.contains(fleet.addresses.get(0)));
    Await.until("three members, the two new ones ready", WAIT, () -> fleet.status(0).nodes().size() == 3
        && fleet.status(0).nodes().stream().allMatch(FleetNodeStatus::ready));
  }

  /** The last report of operation {@code id} seen, its step {@code index}. */
  private Optional<FleetOperationReport.NodeStep> lastStep(String id, int index) {
    List<FleetOperationReport> of = fleet.reports.stream().filter(r -> r.id().equals(id)).toList();
    return of.isEmpty() ? Optional.empty() : Optional.of(of.get(of.size() - 1).steps().get(index));
  }
}
