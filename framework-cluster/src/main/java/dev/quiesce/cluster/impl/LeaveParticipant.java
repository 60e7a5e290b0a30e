package dev.quiesce.cluster.impl;

import dev.quiesce.lifecycle.AckMargin;
import dev.quiesce.lifecycle.Participant;
import dev.quiesce.lifecycle.PhaseContext;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The participant {@value #NAME}: in the first stop phase ({@code announce}), before anything
 * closes, it withdraws this node's cluster-wide registrations ({@link LeavingClusterManager#withdraw()})
 * and waits, within the phase's budget, until every other node's selector has stopped routing
 * them here (asked on {@code quiesce.fleet.node.<nodeId>}, see {@link NodeLeave}); a node that
 * cannot answer gets a quiet period of {@value #QUIET_PERIOD_MS} ms instead. In the last phase it
 * reports what arrived after the withdrawal: stragglers (handled) and lost messages.
 *
 * <p>Detail of the first phase: {@code withdrawnAt}, {@code withdrawTookMs}, {@code addresses},
 * {@code nodes} (per other node: {@code by} {@code selector} | {@code quiet-period} |
 * {@code unconfirmed}, {@code confirmedAt}, {@code afterMs}), {@code confirmedAt} and
 * {@code confirmTookMs} (when every node confirmed; absent if one did not), {@code stragglers},
 * {@code lost}. Detail of the last phase: {@code stragglers}, {@code lost}, per address, and
 * {@code leave} (the node leaves the cluster when Vert.x closes, after the report: the report file's
 * {@code cluster} part, {@link ReportClusterPart}, and the log line {@code left the cluster in N ms} give the time) and {@code leaveBoundMs} (the bound of Hazelcast's graceful
 * shutdown, {@link HazelcastSetup#GRACEFUL_SHUTDOWN_MAX_WAIT_SECONDS}). With a one-phase
 * plan, that phase does both: the withdrawal, then the tally.
 */
final class LeaveParticipant implements Participant {

  /** The participant's name in the stop report. */
  static final String NAME = "cluster";
  /** How long a node that does not answer is given to apply the withdrawal. */
  static final long QUIET_PERIOD_MS = 500;
  /** The pause between two questions to a node that still routes here. */
  private static final long RETRY_MS = 10;
  /** The most a single question waits for its answer. */
  private static final long ASK_TIMEOUT_MS = 1000;

  private final Vertx vertx;
  private final LeavingClusterManager manager;
  private final LeaveTally tally;
  private final String firstPhase;
  private final String lastPhase;
  /** The first phase's detail without the counts, once the withdrawal was confirmed or its wait ended. */
  private volatile JsonObject withdrawalDetail;

  LeaveParticipant(Vertx vertx, LeavingClusterManager manager, LeaveTally tally, String firstPhase,
      String lastPhase) {
    this.vertx = vertx;
    this.manager = manager;
    this.tally = tally;
    this.firstPhase = firstPhase;
    this.lastPhase = lastPhase;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Set<String> phases() {
    // a one-phase plan: both are the same phase, which does the withdrawal and the tally
    return new LinkedHashSet<>(List.of(firstPhase, lastPhase));
  }

  @Override
  public boolean retainUntilExit() {
    return true;
  }

  @Override
  public Future<JsonObject> onPhase(PhaseContext phase) {
    Future<JsonObject> detail = Future.succeededFuture(new JsonObject());
    if (phase.name().equals(firstPhase)) {
      detail = withdrawAndConfirm(phase);
    }
    if (phase.name().equals(lastPhase)) {
      detail = detail.map(d -> d.mergeIn(tally.toJson()).put("leave", "after the report, when Vert.x closes (the"
          + " fleet's last event and the undeployments still use the cluster): the report file's \"cluster\" part"
          + " (leftAt, leaveTookMs) and the log line \"left the cluster in … ms\" say when")
          .put("leaveBoundMs", HazelcastSetup.GRACEFUL_SHUTDOWN_MAX_WAIT_SECONDS * 1000L));
    }
    return detail;
  }

  /**
   * What the first phase found, without the counts: {@code nodeId}, {@code withdrawnAt},
   * {@code withdrawTookMs}, {@code addresses}, {@code nodes}, {@code confirmedAt} and
   * {@code confirmTookMs} (when every node confirmed), {@code withdrawFailures} (when some).
   *
   * @return empty until the first phase's withdrawal and its wait are over (or when no stop ran it)
   */
  Optional<JsonObject> withdrawal() {
    return Optional.ofNullable(withdrawalDetail).map(JsonObject::copy);
  }

  private Future<JsonObject> withdrawAndConfirm(PhaseContext phase) {
    long budget = phase.forced() ? 0 : AckMargin.usable(phase.remaining().toMillis());
    long deadline = System.currentTimeMillis() + budget;
    if (budget == 0) {
      NodeLeave.LOG.warn("phase {} has no budget: the registrations are withdrawn, but the stop cannot wait until "
          + "the other nodes stopped routing here; messages routed here after the drain may be lost", phase.name());
    }
    return manager.withdraw(Duration.ofMillis(budget)).compose(withdrawal -> {
      tally.watch(withdrawal.addresses(), withdrawal.atMs());
      NodeLeave.LOG.info("withdrew {} address(es) from the cluster in {} ms: {}", withdrawal.addresses().size(),
          withdrawal.tookMs(), withdrawal.addresses());
      List<String> others = new ArrayList<>(manager.getNodes());
      others.remove(manager.getNodeId());
      // filled by the answers' callbacks, which need not run on this thread
      Map<String, JsonObject> nodes = new ConcurrentHashMap<>();
      List<Future<?>> asked = new ArrayList<>();
      if (!withdrawal.addresses().isEmpty()) {
        for (String other : others) {
          asked.add(confirm(other, withdrawal, deadline).onSuccess(c -> nodes.put(other, c)));
        }
      }
      return Future.join(asked).otherwiseEmpty().map(v -> {
        JsonObject detail = new JsonObject().put("nodeId", manager.getNodeId())
            .put("withdrawnAt", withdrawal.atMs()).put("withdrawTookMs", withdrawal.tookMs())
            .put("addresses", new JsonArray(withdrawal.addresses())).put("nodes", new JsonObject(new TreeMap<>(nodes)));
        if (!withdrawal.failures().isEmpty()) {
          detail.put("withdrawFailures", new JsonObject(Map.copyOf(withdrawal.failures())));
        }
        boolean all = nodes.values().stream().noneMatch(n -> "unconfirmed".equals(n.getString("by")));
        if (all) {
          long at = nodes.values().stream().mapToLong(n -> n.getLong("confirmedAt")).max().orElse(withdrawal.atMs());
          detail.put("confirmedAt", at).put("confirmTookMs", at - withdrawal.atMs());
        }
        NodeLeave.LOG.info("withdrawal {}: {}", all ? "confirmed" : "NOT confirmed by every node", detail.encode());
        withdrawalDetail = detail.copy();
        return detail.mergeIn(tally.toJson());
      });
    });
  }

  /** Asks {@code node} until its selector no longer routes the withdrawn addresses here, or the deadline. */
  private Future<JsonObject> confirm(String node, LeavingClusterManager.Withdrawal withdrawal, long deadline) {
    Promise<JsonObject> confirmed = Promise.promise();
    JsonObject question = new JsonObject().put("command", NodeLeave.ROUTES).put("node", manager.getNodeId())
        .put("addresses", new JsonArray(withdrawal.addresses()));
    ask(node, question, withdrawal, deadline, 1, confirmed);
    return confirmed.future();
  }

  private void ask(String node, JsonObject question, LeavingClusterManager.Withdrawal withdrawal, long deadline,
      int attempt, Promise<JsonObject> confirmed) {
    long left = deadline - System.currentTimeMillis();
    if (left <= 0) {
      confirmed.complete(new JsonObject().put("by", "unconfirmed").put("attempts", attempt - 1)
          .put("reason", "the phase's budget ran out before the node confirmed"));
      return;
    }
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(Math.min(ASK_TIMEOUT_MS, left));
    vertx.eventBus().<JsonObject>request(NodeLeave.address(node), question, options).onComplete(ar -> {
      if (ar.succeeded()) {
        JsonArray routing = routing(ar.result());
        if (routing != null && routing.isEmpty()) {
          long now = System.currentTimeMillis();
          confirmed.complete(new JsonObject().put("by", "selector").put("confirmedAt", now)
              .put("afterMs", now - withdrawal.atMs()).put("attempts", attempt));
          return;
        }
        vertx.setTimer(RETRY_MS, t -> ask(node, question, withdrawal, deadline, attempt + 1, confirmed));
        return;
      }
      // a node that does not run the leave responder (or does not answer): a quiet period instead
      String reason = String.valueOf(ar.cause().getMessage());
      long until = Math.min(withdrawal.atMs() + QUIET_PERIOD_MS, deadline);
      NodeLeave.LOG.warn("node {} did not answer whether it still routes here ({}): waiting a quiet period of {} ms "
          + "after the withdrawal instead", node, reason, QUIET_PERIOD_MS);
      vertx.setTimer(Math.max(1, until - System.currentTimeMillis()), t -> {
        long now = System.currentTimeMillis();
        boolean full = now >= withdrawal.atMs() + QUIET_PERIOD_MS;
        confirmed.complete(new JsonObject().put("by", full ? "quiet-period" : "unconfirmed").put("confirmedAt", now)
            .put("afterMs", now - withdrawal.atMs()).put("attempts", attempt).put("reason", reason));
      });
    });
  }

  private static JsonArray routing(Message<JsonObject> reply) {
    return reply.body() == null ? null : reply.body().getJsonArray("routing");
  }
}
