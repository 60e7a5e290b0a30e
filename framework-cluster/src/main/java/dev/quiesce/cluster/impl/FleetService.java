package dev.quiesce.cluster.impl;

import dev.quiesce.cluster.FleetAddresses;
import dev.quiesce.cluster.FleetEvent;
import dev.quiesce.cluster.FleetNodeStatus;
import dev.quiesce.cluster.FleetOperationReport;
import dev.quiesce.cluster.FleetRequest;
import dev.quiesce.cluster.FleetStatus;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import io.vertx.core.shareddata.Lock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's consumer on {@link FleetAddresses#FLEET}: gathers the fleet's status, and starts a rolling
 * operation on this node, one at a time cluster-wide (the shared-data lock {@link #LOCK}; the running
 * operation's report is kept in the cluster-wide map {@link #MAP} under {@code operation}, the last
 * one's under {@code lastOperation}).
 */
final class FleetService {

  private static final Logger LOG = LoggerFactory.getLogger("quiesce.fleet");

  /** The cluster-wide lock one fleet operation holds while it runs. */
  static final String LOCK = "quiesce.fleet.operation";
  /** The cluster-wide map of the running and the last operation's reports. */
  static final String MAP = "quiesce.fleet";
  /** How long each node has to answer a {@code status} request of the gatherer. */
  static final Duration NODE_TIMEOUT = Duration.ofSeconds(3);
  /** How long a second operation waits for the lock before it is refused. */
  static final Duration LOCK_WAIT = Duration.ofMillis(200);

  private final Vertx vertx;
  private final FleetNode node;
  /** How many of the fleet events this node received it keeps for {@code {"command":"events"}}. */
  static final int RECENT_EVENTS = 256;

  private RollingOperation running;
  /**
   * Set at once when a request to start an operation is taken (before the lock, which is re-entrant for a
   * thread the pool reuses), cleared when it was refused or the operation began: a second request meanwhile is
   * refused here.
   */
  private boolean starting;
  private final ArrayDeque<FleetEvent> recent = new ArrayDeque<>();
  /** The map's writes, one after the other: a late progress report never overwrites the end. */
  private Future<?> writes = Future.succeededFuture();

  FleetService(Vertx vertx, FleetNode node) {
    this.vertx = vertx;
    this.node = node;
  }

  void onFleetEvent(FleetEvent event) {
    if (recent.size() == RECENT_EVENTS) {
      recent.removeFirst();
    }
    recent.addLast(event);
    if (running != null) {
      running.onFleetEvent(event);
    }
  }

  void onRequest(Message<Object> message) {
    JsonObject body = message.body() instanceof JsonObject o ? o : new JsonObject();
    if ("status".equals(body.getValue("command"))) {
      gather().onSuccess(s -> message.reply(s.toJson()))
          .onFailure(e -> message.fail(500, "the fleet status could not be gathered: " + e.getMessage()));
      return;
    }
    if ("events".equals(body.getValue("command"))) {
      JsonArray list = new JsonArray();
      recent.forEach(e -> list.add(e.toJson()));
      message.reply(new JsonObject().put("nodeId", node.identity().nodeId()).put("events", list));
      return;
    }
    FleetRequest request;
    try {
      request = FleetRequest.fromJson(body, "fleet API (node " + node.identity().address() + ")");
    } catch (IllegalArgumentException e) {
      message.fail(400, e.getMessage());
      return;
    }
    start(request).onSuccess(report -> message.reply(report.toJson())).onFailure(e -> message.fail(
        e instanceof ReplyException re ? re.failureCode() : 500, e.getMessage()));
  }

  // ---------------------------------------------------------------- status

  /** Every member the cluster manager lists, each asked with a bound of {@link #NODE_TIMEOUT}. */
  Future<FleetStatus> gather() {
    List<String> members = node.clusterManager().getNodes();
    List<Future<FleetNodeStatus>> asked = members.stream().map(this::askStatus).toList();
    Future<AsyncMap<String, String>> map = vertx.sharedData().<String, String>getAsyncMap(MAP)
        .timeout(NODE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    Future<Optional<String>> stored = map.compose(m -> m.get("operation")
        .timeout(NODE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).map(Optional::ofNullable);
    Future<Optional<FleetOperationReport>> operation = stored.map(o -> o.map(FleetService::report)
        .filter(r -> members.contains(r.runBy())));
    // a report left behind by a runner that is no member any more (it died) ends as the last operation, failed
    Future<Optional<FleetOperationReport>> last = stored.transform(ar -> ar.succeeded() ? ar.result()
            .filter(j -> !members.contains(report(j).runBy())).map(this::endAbandoned)
            .orElse(Future.succeededFuture()) : Future.succeededFuture())
        .compose(v -> map.compose(m -> read(m, "lastOperation")));
    return Future.join(Future.join(asked), operation, last).transform(ar -> Future.succeededFuture(new FleetStatus(
        node.identity().nodeId(),
        asked.stream().map(Future::result).sorted(Comparator.comparing(FleetNodeStatus::reachable).reversed()
            .thenComparing(FleetNodeStatus::address)).toList(),
        operation.succeeded() ? operation.result() : Optional.empty(),
        last.succeeded() ? last.result() : Optional.empty())));
  }

  private Future<FleetNodeStatus> askStatus(String nodeId) {
    return vertx.eventBus().<Object>request(FleetAddresses.nodeCommands(nodeId), new JsonObject().put("command", "status"),
            new DeliveryOptions().setSendTimeout(NODE_TIMEOUT.toMillis()))
        .map(m -> FleetNodeStatus.fromJson((JsonObject) m.body()))
        .otherwise(e -> FleetNodeStatus.unreachable(nodeId, "did not answer within " + NODE_TIMEOUT.toMillis()
            + " ms: " + FleetNode.describe(e)));
  }

  private static Future<Optional<FleetOperationReport>> read(AsyncMap<String, String> map, String key) {
    return map.get(key).timeout(NODE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
        .map(s -> Optional.ofNullable(s).map(FleetService::report));
  }

  private static FleetOperationReport report(String json) {
    return FleetOperationReport.fromJson(new JsonObject(json));
  }

  // ---------------------------------------------------------------- operations

  /**
   * Takes the lock (refused, naming the running operation, when another node holds it), checks that every
   * node answers and is ready, then runs the operation; answers its first report (outcome running).
   */
  private Future<FleetOperationReport> start(FleetRequest request) {
    if (running != null) {
      return refused(inProgress(running.report()));
    }
    if (starting) {
      return refused("another fleet operation is being started on node " + node.identity().nodeId() + " ("
          + node.identity().address() + "); ask again when it has begun or was refused");
    }
    if (node.leaving()) {
      // the operation that stops this node, if one does, is the better answer
      return stored("operation").compose(r -> refused(r.map(FleetService::inProgress).map(m -> m + " (and node "
          + node.identity().address() + " is stopping)").orElse("node " + node.identity().address()
          + " is stopping: ask another node")));
    }
    starting = true;
    return vertx.sharedData().getLockWithTimeout(LOCK, LOCK_WAIT.toMillis())
        .recover(e -> stored("operation").compose(r -> refused(r.map(FleetService::inProgress)
            .orElse("another fleet operation is in progress (it holds the lock " + LOCK + ")"))))
        .compose(lock -> gather().compose(status -> {
          Optional<FleetNodeStatus> notReady = status.nodes().stream().filter(n -> !n.reachable() || !n.ready())
              .findFirst();
          if (notReady.isPresent()) {
            lock.release();
            FleetNodeStatus n = notReady.get();
            return refused("node " + n.nodeId() + " (" + n.address() + ") is " + (n.reachable()
                ? "not ready (state " + n.state() + ")" : "unreachable (" + n.problem().orElse("") + ")")
                + ": a rolling " + request.operation().wireName() + " needs every node ready");
          }
          return begin(request, status.nodes(), lock);
        }))
        .onComplete(ar -> starting = false);
  }

  private Future<FleetOperationReport> begin(FleetRequest request, List<FleetNodeStatus> nodes, Lock lock) {
    RollingOperation operation = new RollingOperation(vertx, node, request, "fleet-" + UUID.randomUUID(), nodes,
        this::store);
    running = operation;
    // recorded before the answer, so that a refusal on any node names it
    String first = operation.report().toJson().encode();
    return write(m -> m.put("operation", first).mapEmpty()).transform(ar -> {
      if (ar.failed()) {
        running = null;
        // a put that lands after its bound must not stand for an operation that never ran
        write(m -> m.removeIfPresent("operation", first)).onComplete(removed -> lock.release());
        return Future.failedFuture(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, 503, "the fleet "
            + request.operation().wireName() + " was not started: it could not be recorded in the cluster map " + MAP
            + " within " + NODE_TIMEOUT.toMillis() + " ms (" + ar.cause().getMessage() + ")"));
      }
      return Future.succeededFuture(run(operation, request, nodes, lock));
    });
  }

  private FleetOperationReport run(RollingOperation operation, FleetRequest request, List<FleetNodeStatus> nodes,
      Lock lock) {
    LOG.info("fleet: rolling {} {} across {} node(s), {} at a time: {}", request.operation().wireName(),
        operation.report().id(), nodes.size(), request.maxUnavailable(), request.reason());
    operation.run().onComplete(ar -> {
      running = null;
      FleetOperationReport end = operation.report();
      LOG.info("fleet: rolling {} {} {}{}", end.operation().wireName(), end.id(), end.outcome().wireName(),
          end.failure().map(f -> ": " + f).orElse(""));
      write(m -> m.put("lastOperation", end.toJson().encode()).compose(v -> m.remove("operation")))
          .onComplete(stored -> {
            lock.release();
            operation.afterRelease();
          });
    });
    if (node.leaving()) {
      // this node began to stop while the operation was being recorded
      operation.runnerStopping();
    }
    return operation.report();
  }

  /**
   * This node began to stop: the operation it runs, if any, fails at once ("the node running it is stopping"); its
   * report becomes {@code lastOperation} and the lock is released, within {@link #NODE_TIMEOUT} of the map write.
   */
  void onLeaving() {
    if (running != null) {
      LOG.warn("fleet: this node is stopping: the rolling {} it runs fails", running.report().id());
      running.runnerStopping();
    }
  }

  /**
   * Ends the report of an operation whose runner left the cluster while it ran: stored as {@code lastOperation},
   * failed, naming the runner, once (only the node that removes the {@code operation} entry writes it).
   */
  private Future<?> endAbandoned(String staleJson) {
    FleetOperationReport stale = report(staleJson);
    long now = System.currentTimeMillis();
    FleetOperationReport ended = new FleetOperationReport(stale.id(), stale.operation(), stale.reason(),
        stale.maxUnavailable(), stale.runBy(), stale.startedAt(), now, FleetOperationReport.Outcome.FAILED,
        stale.steps(), Optional.of("node " + stale.runBy() + ", which ran it, left the cluster while it ran (it"
            + " stopped or died): the steps after its last report are unknown; found by node "
            + node.identity().nodeId() + " at " + Instant.ofEpochMilli(now)));
    return write(m -> m.removeIfPresent("operation", staleJson).compose(removed -> {
      if (!removed) {
        return Future.succeededFuture();
      }
      LOG.warn("fleet: the rolling {} {} ended failed: its runner {} left the cluster", stale.operation().wireName(),
          stale.id(), stale.runBy());
      return m.put("lastOperation", ended.toJson().encode());
    }));
  }

  /** Publishes a report and keeps it as the running operation's (best effort, bounded). */
  private void store(FleetOperationReport report) {
    vertx.eventBus().publish(FleetAddresses.OPERATIONS, report.toJson());
    if (report.outcome() == FleetOperationReport.Outcome.RUNNING) {
      write(m -> m.put("operation", report.toJson().encode()).mapEmpty());
    }
  }

  /** One write to {@link #MAP} after the previous ones, bounded by {@link #NODE_TIMEOUT}; a failure is logged. */
  private Future<?> write(Function<AsyncMap<String, String>, Future<?>> change) {
    writes = writes.transform(ar -> vertx.sharedData().<String, String>getAsyncMap(MAP).compose(change::apply)
        .timeout(NODE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
        .onFailure(e -> LOG.warn("fleet: the operation's report could not be stored in {}: {}", MAP, e.toString())));
    return writes;
  }

  /** The report stored under {@code key} in {@link #MAP}; empty when there is none or it cannot be read in time. */
  private Future<Optional<FleetOperationReport>> stored(String key) {
    return vertx.sharedData().<String, String>getAsyncMap(MAP).compose(m -> read(m, key)).otherwise(Optional.empty());
  }

  /** How a refusal names the operation in progress. */
  static String inProgress(FleetOperationReport op) {
    return "a fleet " + op.operation().wireName() + " (" + op.id() + ", run by node " + op.runBy() + ", started at "
        + Instant.ofEpochMilli(op.startedAt()) + ", reason \"" + op.reason() + "\") is in progress; ask again when it"
        + " has ended";
  }

  private static <T> Future<T> refused(String why) {
    return Future.failedFuture(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, 409, why));
  }
}
