package dev.quiesce.cluster.impl;

import dev.quiesce.cluster.FleetAddresses;
import dev.quiesce.lifecycle.EventBusContract;
import dev.quiesce.lifecycle.EventBusContract.LifecycleEvent;
import dev.quiesce.lifecycle.LifecycleConfig;
import dev.quiesce.lifecycle.Participants;
import dev.quiesce.lifecycle.PhaseSpec;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryContext;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every clustered node runs for leaving without losing a message, as one small verticle
 * (retained until the process exits):
 * <ul>
 *   <li>the responder on {@code quiesce.fleet.node.<nodeId>}: {@code {"command":"routes","node":N,
 *       "addresses":[…]}} answers {@code {"node":<this node>,"routing":[…]}}, the addresses this
 *       node's selector may still route to node N (empty once it applied N's withdrawal); another
 *       command fails with code 400;</li>
 *   <li>the participant {@value LeaveParticipant#NAME} ({@link LeaveParticipant}), registered at the
 *       lifecycle coordinator's first event on this node (it is deployed after the clustered
 *       instance; its first event is RUNNING, or a stop begun during the start);</li>
 *   <li>counting what arrives after the withdrawal: an inbound interceptor counts the messages that
 *       reach a handler of a withdrawn address (stragglers: routed here by other nodes before they
 *       applied the withdrawal, or sent by this node while no other node serves the address); once the last handler
 *       of a withdrawn address is gone, a catcher (kept off the cluster) fails each message that
 *       still arrives for it at once, code {@value #LOST_FAILURE_CODE}, and counts it lost;</li>
 *   <li>once the node has left the cluster (in {@code vertx.close()}, after the stop report), the
 *       report's {@code cluster} part: the withdrawal, the final counts and the leave's time, logged
 *       and added to {@code lifecycle.reportFile} ({@link ReportClusterPart}).</li>
 * </ul>
 */
public final class NodeLeave extends VerticleBase {

  static final Logger LOG = LoggerFactory.getLogger(NodeLeave.class);

  /** The command of the responder. */
  static final String ROUTES = "routes";
  /** The failure code of a message that arrived for a withdrawn address with no handler left. */
  public static final int LOST_FAILURE_CODE = 503;

  private final LeavingClusterManager manager;
  private final LifecycleConfig lifecycle;
  private final LeaveTally tally = new LeaveTally();
  private final Set<String> caught = ConcurrentHashMap.newKeySet();
  private Handler<DeliveryContext<Object>> interceptor;
  /** The stop report this node published, once it did: its {@code start} and where it was written. */
  private volatile PublishedReport published;

  /** The {@code start} of a published stop report, and its file ({@code reportFile} of the event), if any. */
  private record PublishedReport(long start, Optional<String> file) {
  }

  private NodeLeave(LeavingClusterManager manager, LifecycleConfig lifecycle) {
    this.manager = manager;
    this.lifecycle = lifecycle;
  }

  /**
   * Deploys the leave's verticle on a clustered {@code vertx} that runs on {@code manager}.
   *
   * @param vertx the instance the launcher will run the application on
   * @param manager the instance's cluster manager
   * @param config the whole validated configuration (its {@code lifecycle} phases)
   * @return {@code vertx}, once the responder is registered; failed if the verticle did not deploy
   */
  public static Future<Vertx> install(Vertx vertx, LeavingClusterManager manager, JsonObject config) {
    return vertx.deployVerticle(new NodeLeave(manager, LifecycleConfig.from(config))).map(vertx);
  }

  /**
   * The leave responder's address of a node.
   *
   * @param nodeId the node's cluster node id
   * @return {@code quiesce.fleet.node.<nodeId>}
   */
  static String address(String nodeId) {
    return FleetAddresses.node(nodeId);
  }

  @Override
  public Future<?> start() {
    planWarnings(lifecycle).forEach(w -> LOG.warn("{}", w));
    List<PhaseSpec> phases = lifecycle.phases();
    if (phases.isEmpty()) {
      return Future.succeededFuture();
    }
    PhaseSpec first = phases.get(0);
    interceptor = this::countStraggler;
    vertx.eventBus().addInboundInterceptor(interceptor);
    manager.onLastHandlerGone(address -> context.runOnContext(v -> catchLate(address)));
    MessageConsumer<JsonObject> responder = vertx.eventBus().consumer(address(manager.getNodeId()), this::answer);
    LeaveParticipant participant = new LeaveParticipant(vertx, manager, tally, first.name(),
        phases.get(phases.size() - 1).name());
    registerOnFirstLifecycleEvent(participant);
    MessageConsumer<JsonObject> reports = vertx.eventBus().localConsumer(EventBusContract.EVENTS, this::noteReport);
    manager.afterLeave(outcome -> recordLeave(outcome, participant));
    return Future.join(responder.completion(), reports.completion());
  }

  /**
   * Keeps the {@code start} of the report this node published (the report file holding it is this
   * stop's) and the file it was written to, as the coordinator names it in the event (the
   * {@code lifecycle.reportFile} of the stop, after any reload).
   */
  private void noteReport(Message<JsonObject> event) {
    JsonObject body = event.body();
    if (body != null && LifecycleEvent.REPORT.wireName().equals(body.getValue("type"))
        && body.getValue("report") instanceof JsonObject report && report.getValue("start") instanceof Number start) {
      published = new PublishedReport(start.longValue(),
          body.getValue("reportFile") instanceof String file ? Optional.of(file) : Optional.empty());
    }
  }

  /**
   * The node has left the cluster (or failed to): logs the stop report's {@code cluster} part and, when
   * this node published a report that was written to a file ({@code lifecycle.reportFile}), adds the
   * part to that file ({@link ReportClusterPart}). Runs on the leave's own thread, bounded by
   * {@link LeavingClusterManager#AFTER_LEAVE_BOUND}.
   */
  private void recordLeave(AsyncResult<LeavingClusterManager.Left> outcome, LeaveParticipant participant) {
    JsonObject part = clusterPart(manager.getNodeId(), outcome, participant.withdrawal(), tally.toJson());
    if (outcome.succeeded()) {
      LOG.info("left the cluster in {} ms (at {}){}; the report's cluster part: {}", outcome.result().tookMs(),
          outcome.result().atMs(), manager.withdrawn() ? "" : " (nothing was withdrawn before)", part.encode());
    } else {
      LOG.error("the leave of the cluster failed: {}; the report's cluster part: {}", outcome.cause().toString(),
          part.encode());
    }
    PublishedReport report = published;
    if (report != null && report.file().isPresent()) {
      ReportClusterPart.add(Path.of(report.file().get()), report.start(), part).ifPresent(why ->
          LOG.warn("the stop report file has no cluster part (the log line above has it): {}", why));
    }
  }

  /**
   * The stop report's {@code cluster} part: the first phase's withdrawal (when a stop ran it), the
   * counts since the withdrawal, and the leave ({@code leftAt} and {@code leaveTookMs}, or
   * {@code leaveFailure}).
   *
   * @param nodeId this node's cluster node id
   * @param outcome the leave's outcome
   * @param withdrawal the first phase's detail without the counts ({@link LeaveParticipant#withdrawal()})
   * @param counts {@link LeaveTally#toJson()} at the leave (its {@code countedSince} is left out when
   *     nothing was withdrawn: it is 0 then)
   * @return a new object
   */
  static JsonObject clusterPart(String nodeId, AsyncResult<LeavingClusterManager.Left> outcome,
      Optional<JsonObject> withdrawal, JsonObject counts) {
    JsonObject part = new JsonObject().put("nodeId", nodeId)
        .mergeIn(withdrawal.orElseGet(JsonObject::new)).mergeIn(counts);
    if (withdrawal.isEmpty()) {
      part.remove("countedSince");
    }
    if (outcome.succeeded()) {
      part.put("leftAt", outcome.result().atMs()).put("leaveTookMs", outcome.result().tookMs());
    } else {
      part.put("leaveFailure", String.valueOf(outcome.cause()));
    }
    return part;
  }

  /**
   * What in the stop plan keeps a leaving node from waiting until the other nodes stopped routing to
   * it: no phase at all, or a first phase without a budget.
   *
   * @param lifecycle the validated {@code lifecycle} section
   * @return one sentence per problem, logged when the node starts; empty when the plan is fit
   */
  public static List<String> planWarnings(LifecycleConfig lifecycle) {
    List<PhaseSpec> phases = lifecycle.phases();
    if (phases.isEmpty()) {
      return List.of("the stop plan has no phase: a leaving node cannot withdraw its consumers from the cluster "
          + "before it stops");
    }
    PhaseSpec first = phases.get(0);
    if (first.timeout().isZero()) {
      return List.of("the first stop phase (" + first.name() + ") has no budget: a leaving node withdraws its "
          + "consumers from the cluster but cannot wait until the other nodes stopped routing to it; give it a few "
          + "seconds (lifecycle.phases[0].timeout, e.g. \"2s\": it ends as soon as every node confirmed)");
    }
    return List.of();
  }

  @Override
  public Future<?> stop() {
    if (interceptor != null) {
      vertx.eventBus().removeInboundInterceptor(interceptor);
    }
    return Future.succeededFuture();
  }

  /**
   * Registers the participant once the coordinator speaks (its first event on this node: RUNNING,
   * or a stop begun during the start): the coordinator is deployed after this verticle, and asking
   * for it before would send registrations to whatever else listens on the address.
   */
  private void registerOnFirstLifecycleEvent(LeaveParticipant participant) {
    MessageConsumer<Object> events = vertx.eventBus().localConsumer(EventBusContract.EVENTS);
    events.handler(event -> {
      events.unregister();
      Future<?> registered;
      try {
        registered = Participants.register(vertx, participant);
      } catch (RuntimeException e) {
        // thrown rather than failed (an unfit participant): said just the same, never lost in the event handler
        registered = Future.failedFuture(e);
      }
      registered.onFailure(e -> LOG.error("the participant {} could not register: a stop of this node will not "
          + "withdraw its consumers from the cluster first ({})", LeaveParticipant.NAME, e.toString()));
    });
  }

  private void answer(Message<JsonObject> question) {
    JsonObject body = question.body();
    if (body == null || !ROUTES.equals(body.getString("command")) || !(body.getValue("node") instanceof String node)
        || !(body.getValue("addresses") instanceof JsonArray addresses)) {
      question.fail(400, "expected {\"command\":\"routes\",\"node\":\"<nodeId>\",\"addresses\":[…]} on "
          + address(manager.getNodeId()) + ", got " + (body == null ? "null" : body.encode()));
      return;
    }
    List<String> asked = addresses.stream().map(String::valueOf).toList();
    question.reply(new JsonObject().put("node", manager.getNodeId())
        .put("routing", new JsonArray(manager.stillRouted(node, asked))));
  }

  private void countStraggler(DeliveryContext<Object> delivery) {
    String address = delivery.message().address();
    if (tally.watches(address) && !caught.contains(address)) {
      tally.straggler(address);
    }
    delivery.next();
  }

  /** The last handler of a withdrawn address is gone: what still arrives for it is lost, and said so. */
  private void catchLate(String address) {
    if (!caught.add(address)) {
      return;
    }
    vertx.eventBus().consumer(address, message -> {
      tally.lost(address);
      LOG.warn("a message for {} arrived after its last handler was gone: lost ({} so far), failed for its sender",
          address, tally.lostCount());
      if (message.replyAddress() != null) {
        message.fail(LOST_FAILURE_CODE, "node " + manager.getNodeId() + " is leaving the cluster and no longer "
            + "handles " + address + ": send it again");
      }
    });
  }
}
