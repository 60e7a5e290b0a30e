package dev.quiesce.cluster.impl;

import dev.quiesce.cluster.FleetAddresses;
import dev.quiesce.cluster.FleetEvent;
import dev.quiesce.cluster.FleetNodeStatus;
import dev.quiesce.cluster.FleetOperation;
import dev.quiesce.cluster.FleetOperationReport;
import dev.quiesce.cluster.FleetOperationReport.NodeStep;
import dev.quiesce.cluster.FleetOperationReport.Outcome;
import dev.quiesce.cluster.FleetOperationReport.StepOutcome;
import dev.quiesce.cluster.FleetRequest;
import dev.quiesce.cluster.FleetState;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One rolling operation, run on the node that took the lock: the other nodes in address order,
 * {@code maxUnavailable} at a time, each batch only once every node of the one before is back and
 * ready as its fleet events tell ({@code reloaded} whose reason names this operation's id; for restart and
 * upgrade, {@code ready} from a node id new to the operation at the same address, which is unique per machine and
 * kept across a restart and an upgrade, see {@link NodeIdentity}; for upgrade also the predecessor gone from the
 * cluster manager's members, since it runs beside its successor until the successor is ready and only then
 * stops); this node last. A reload the node queued behind one already running fails the step (its end could
 * not be told from the other's). Ends at the first failure (a refusal, a failed reload or upgrade, no return
 * within {@code stepTimeout}, a node that left the cluster, the stop of the node running it), leaving the
 * nodes after it untouched. Its own restart or upgrade is handed over (see {@link StepOutcome#HANDED_OVER}):
 * the command goes out after the lock is released.
 */
final class RollingOperation {

  private static final Logger LOG = LoggerFactory.getLogger("quiesce.fleet");

  /** How long a node has to accept its command. */
  static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(10);
  /** How often the cluster manager's member list is compared with the nodes that must be there. */
  static final long MEMBERSHIP_CHECK_MS = 250;

  /** A node's step, changed on the node's context only. */
  private static final class Step {
    final String nodeId;
    final String address;
    StepOutcome outcome = StepOutcome.PENDING;
    String newNodeId;
    /** The new node's version, once it is ready. */
    String newVersion;
    long startedAt;
    long endedAt;
    String detail;
    long timer = -1;
    /** When the cluster manager stopped listing the step's node (a restart or upgrade), else 0. */
    long leftAt;
    final Promise<Void> done = Promise.promise();

    Step(String nodeId, String address) {
      this.nodeId = nodeId;
      this.address = address;
    }

    NodeStep toStep() {
      return new NodeStep(nodeId, address, outcome, Optional.ofNullable(newNodeId), startedAt, endedAt,
          Optional.ofNullable(detail));
    }
  }

  private final Vertx vertx;
  private final FleetNode node;
  private final FleetRequest request;
  private final String id;
  private final Consumer<FleetOperationReport> progress;
  private final List<Step> steps = new ArrayList<>();
  /** The node ids that must stay members: a missing one fails the operation. */
  private final Set<String> expected = new HashSet<>();
  private final long startedAt = System.currentTimeMillis();
  private final Promise<Void> ended = Promise.promise();
  private Outcome outcome = Outcome.RUNNING;
  private String failure;
  private long endedAt;
  private long membershipTimer = -1;
  private Runnable afterRelease = () -> { };

  RollingOperation(Vertx vertx, FleetNode node, FleetRequest request, String id, List<FleetNodeStatus> nodes,
      Consumer<FleetOperationReport> progress) {
    this.vertx = vertx;
    this.node = node;
    this.request = request;
    this.id = id;
    this.progress = progress;
    String self = node.identity().nodeId();
    nodes.stream().filter(n -> !n.nodeId().equals(self))
        .sorted(Comparator.comparing(FleetNodeStatus::address).thenComparing(FleetNodeStatus::nodeId))
        .forEach(n -> steps.add(new Step(n.nodeId(), n.address())));
    steps.add(new Step(self, node.identity().address()));
    steps.forEach(s -> expected.add(s.nodeId));
  }

  FleetOperationReport report() {
    return new FleetOperationReport(id, request.operation(), request.reason(), request.maxUnavailable(),
        node.identity().nodeId(), startedAt, endedAt, outcome, steps.stream().map(Step::toStep).toList(),
        Optional.ofNullable(failure));
  }

  /** Runs every step; completes when the operation ended (its outcome is in {@link #report()}). */
  Future<Void> run() {
    membershipTimer = vertx.setPeriodic(MEMBERSHIP_CHECK_MS, t -> checkMembers());
    progress.accept(report());
    runBatch(0);
    return ended.future();
  }

  /** After the lock was released: this node's own handed-over step, if it has one. */
  void afterRelease() {
    afterRelease.run();
  }

  private boolean isSelf(Step step) {
    return step.nodeId.equals(node.identity().nodeId());
  }

  private void runBatch(int from) {
    if (outcome != Outcome.RUNNING) {
      return;
    }
    if (from >= steps.size()) {
      finish(Outcome.DONE, null);
      return;
    }
    Step first = steps.get(from);
    if (isSelf(first) && request.operation().replacesNode()) {
      handOver(first);
      return;
    }
    List<Future<Void>> batch = new ArrayList<>();
    int to = from;
    while (to < steps.size() && to - from < request.maxUnavailable() && !isSelf(steps.get(to))) {
      batch.add(runStep(steps.get(to++)));
    }
    if (batch.isEmpty()) {
      batch.add(runStep(first));
      to = from + 1;
    }
    int next = to;
    Future.all(batch).onSuccess(v -> runBatch(next));
  }

  private Future<Void> runStep(Step step) {
    FleetOperation operation = request.operation();
    step.outcome = StepOutcome.RUNNING;
    step.startedAt = System.currentTimeMillis();
    if (operation.replacesNode()) {
      expected.remove(step.nodeId);
    }
    progress.accept(report());
    step.timer = vertx.setTimer(request.stepTimeout().toMillis(), t -> fail(step, notBack(step)));
    vertx.eventBus().<Object>request(FleetAddresses.nodeCommands(step.nodeId), command(),
            new DeliveryOptions().setSendTimeout(COMMAND_TIMEOUT.toMillis()))
        .onSuccess(reply -> {
          if (reply.body() instanceof JsonObject answer && answer.getBoolean("queued", false)) {
            fail(step, "queued the " + operation.wireName() + " behind one already running there (not this"
                + " operation's, whose end cannot stand for this one's): ask again when that one has ended");
          }
        })
        .onFailure(e -> fail(step, "did not take the " + operation.wireName() + ": " + FleetNode.describe(e)));
    return step.done.future();
  }

  /** What a step at stepTimeout failed with: for a node that left the cluster, that it never came back. */
  private String notBack(Step step) {
    String timeout = "stepTimeout (" + request.stepTimeout().toMillis() + " ms)";
    if (step.leftAt > 0) {
      return "left the cluster " + (step.leftAt - step.startedAt) + " ms after its " + request.operation().wireName()
          + " began and never came back: no new node at " + step.address + " was ready within " + timeout;
    }
    return "was not back and ready within " + timeout + " after the " + request.operation().wireName();
  }

  /**
   * The command to a node; its reason begins with this operation's id (the node cuts a long reason at its end), so
   * that the node's {@code reloaded} event names the operation whose reload it ends.
   */
  private JsonObject command() {
    return new JsonObject().put("command", request.operation().wireName())
        .put("reason", "fleet " + request.operation().wireName() + " " + id + ": " + request.reason());
  }

  /** Whether a node's reload event is the end of this operation's reload (its reason names this operation). */
  private boolean ofThisOperation(FleetEvent event) {
    return event.detail().getValue("reason") instanceof String reason && reason.contains(id);
  }

  /** This node's own restart or upgrade: the operation ends done, and the command goes out once the lock is free. */
  private void handOver(Step self) {
    boolean restart = request.operation() == FleetOperation.RESTART;
    self.outcome = StepOutcome.HANDED_OVER;
    self.startedAt = System.currentTimeMillis();
    self.endedAt = self.startedAt;
    self.detail = "this node runs the operation and goes last: its own " + request.operation().wireName()
        + " is handed to its " + (restart ? "supervisor, which starts it again" : "successor process, which takes over")
        + "; the operation does not wait for its return";
    afterRelease = () -> vertx.eventBus().request(FleetAddresses.nodeCommands(self.nodeId), command(),
            new DeliveryOptions().setSendTimeout(COMMAND_TIMEOUT.toMillis()))
        .onFailure(e -> LOG.warn("fleet: this node's own {} (the last step of {}) failed: {}",
            request.operation().wireName(), id, FleetNode.describe(e)));
    finish(Outcome.DONE, null);
  }

  void onFleetEvent(FleetEvent event) {
    if (outcome != Outcome.RUNNING) {
      return;
    }
    for (Step step : List.copyOf(steps)) {
      if (step.outcome == StepOutcome.RUNNING) {
        match(step, event);
      }
    }
  }

  private void match(Step step, FleetEvent event) {
    boolean same = event.nodeId().equals(step.nodeId);
    if (request.operation() == FleetOperation.RELOAD) {
      if (same && event.state() == FleetState.RELOADED && ofThisOperation(event)) {
        done(step, null);
      } else if (same && event.state() == FleetState.RELOAD_FAILED && ofThisOperation(event)) {
        fail(step, "failed its reload: " + event.detail().encode());
      } else if (same && event.state() == FleetState.LEAVING) {
        fail(step, "began to stop during its reload: " + event.detail().encode());
      }
      return;
    }
    if (same && event.state() == FleetState.UPGRADE_FAILED) {
      fail(step, "failed its upgrade: " + event.detail().encode());
    } else if (event.state() == FleetState.READY && step.newNodeId == null && event.address().equals(step.address)
        && isNew(event.nodeId())) {
      step.newNodeId = event.nodeId();
      step.newVersion = event.version();
      expected.add(event.nodeId());
      if (request.operation() == FleetOperation.UPGRADE
          && node.clusterManager().getNodes().contains(step.nodeId)) {
        // the predecessor stops once its successor is ready: the step ends when it has left (checkMembers)
        step.detail = "its successor, node " + event.nodeId() + ", is ready; the predecessor is to leave the cluster";
        progress.accept(report());
        return;
      }
      done(step, backAs(step));
    }
  }

  private static String backAs(Step step) {
    return "back as node " + step.newNodeId + " (version " + step.newVersion + ")";
  }

  /** Whether no step of this operation was or became that node: only a new node can be a step's node back. */
  private boolean isNew(String nodeId) {
    return steps.stream().noneMatch(s -> nodeId.equals(s.nodeId) || nodeId.equals(s.newNodeId));
  }

  private void done(Step step, String detail) {
    vertx.cancelTimer(step.timer);
    step.outcome = StepOutcome.DONE;
    step.endedAt = System.currentTimeMillis();
    step.detail = detail;
    progress.accept(report());
    step.done.tryComplete();
  }

  /** Fails the operation at a step still running (a late failure of a step already done or failed changes nothing). */
  private void fail(Step step, String why) {
    if (step.outcome == StepOutcome.RUNNING) {
      failAt(step, why);
    }
  }

  /** Fails the operation at {@code step}, whatever the step's outcome (a member that must stay has gone). */
  private void failAt(Step step, String why) {
    if (outcome != Outcome.RUNNING) {
      return;
    }
    vertx.cancelTimer(step.timer);
    step.outcome = StepOutcome.FAILED;
    step.endedAt = System.currentTimeMillis();
    step.detail = why;
    finish(Outcome.FAILED, "node " + step.nodeId + " (" + step.address + ") " + why);
  }

  /**
   * Fails the operation because the node running it began to stop (its stop's {@code leaving}): the steps running
   * are not awaited, the nodes after them stay untouched. Does nothing once the operation has ended.
   */
  void runnerStopping() {
    if (outcome == Outcome.RUNNING) {
      finish(Outcome.FAILED, "the node running it (node " + node.identity().nodeId() + ", " + node.identity().address()
          + ") is stopping; the nodes after the running step(s) were not touched");
    }
  }

  private void checkMembers() {
    if (outcome != Outcome.RUNNING) {
      return;
    }
    Set<String> members = new HashSet<>(node.clusterManager().getNodes());
    for (Step step : List.copyOf(steps)) {
      if (step.outcome == StepOutcome.RUNNING && step.newNodeId != null && !members.contains(step.nodeId)) {
        done(step, backAs(step) + "; the predecessor has left the cluster");
      }
    }
    // a node restarting or upgrading is expected to leave; when, is told if it does not come back
    steps.stream().filter(s -> s.outcome == StepOutcome.RUNNING && s.leftAt == 0 && !members.contains(s.nodeId))
        .forEach(s -> s.leftAt = System.currentTimeMillis());
    for (String gone : List.copyOf(expected)) {
      if (!members.contains(gone)) {
        steps.stream().filter(s -> gone.equals(s.nodeId) || gone.equals(s.newNodeId)).findFirst().ifPresent(s ->
            failAt(s, (gone.equals(s.newNodeId) ? "(back as node " + gone + ") " : "") + "left the cluster (the"
                + " cluster manager lists it no more) during the rolling " + request.operation().wireName()
                + (s.outcome == StepOutcome.PENDING ? ", before its turn" : "")));
        return;
      }
    }
  }

  private void finish(Outcome end, String why) {
    outcome = end;
    failure = why;
    endedAt = System.currentTimeMillis();
    vertx.cancelTimer(membershipTimer);
    for (Step step : steps) {
      vertx.cancelTimer(step.timer);
      if (step.outcome == StepOutcome.RUNNING) {
        step.detail = "not awaited: the operation ended at the failure above";
      }
    }
    progress.accept(report());
    ended.tryComplete();
  }
}
