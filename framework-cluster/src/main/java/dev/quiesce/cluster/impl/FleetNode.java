package dev.quiesce.cluster.impl;

import dev.quiesce.cluster.FleetAddresses;
import dev.quiesce.cluster.FleetEvent;
import dev.quiesce.cluster.FleetNodeStatus;
import dev.quiesce.cluster.FleetOperation;
import dev.quiesce.cluster.FleetState;
import dev.quiesce.lifecycle.EventBusContract;
import dev.quiesce.lifecycle.LifecycleCommand;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A clustered node's part in the fleet, started by {@link ClusteredVertxFactory} once the clustered
 * Vert.x is up (before the application): publishes the node's state changes on
 * {@link FleetAddresses#EVENTS} (translated from its lifecycle events, {@link FleetEventTranslator}),
 * answers {@code status} and runs the single-node command of a {@link FleetOperation} on
 * {@link FleetAddresses#nodeCommands(String)}, and serves {@link FleetAddresses#FLEET} through
 * {@link FleetService}. Not a verticle: it lives on one context until Vert.x closes (it is not undeployed
 * in the {@code close} phase), so the
 * {@code stopped} event of the node's own stop still goes out.
 */
public final class FleetNode {

  private static final Logger LOG = LoggerFactory.getLogger("quiesce.fleet");

  /** The bound on every node-local request (the coordinator, the management listener, the process manager). */
  static final Duration LOCAL_TIMEOUT = Duration.ofSeconds(5);

  private final Vertx vertx;
  private final ClusterManager clusterManager;
  private final NodeIdentity identity;
  private final FleetService service;
  private volatile boolean leaving;

  private FleetNode(Vertx vertx, ClusterManager clusterManager, NodeIdentity identity) {
    this.vertx = vertx;
    this.clusterManager = clusterManager;
    this.identity = identity;
    this.service = new FleetService(vertx, this);
  }

  /**
   * Starts the fleet part of a clustered node.
   *
   * @param vertx a clustered instance
   * @param clusterManager its cluster manager: this node's id, the members
   * @param config the node's validated configuration (its {@code management}, {@code http} and
   *     {@code cluster} sections name the node's address)
   * @return the node, once its consumers are registered in the cluster and {@code joined} is published;
   *     failed when a registration failed
   */
  public static Future<FleetNode> start(Vertx vertx, ClusterManager clusterManager, JsonObject config) {
    NodeIdentity identity = NodeIdentity.of(clusterManager.getNodeId(), config);
    // every consumer and timer of the fleet part runs on this one context
    Context context = vertx.getOrCreateContext();
    Promise<FleetNode> started = Promise.promise();
    context.runOnContext(v -> {
      FleetNode node = new FleetNode(vertx, clusterManager, identity);
      node.register().map(node).onComplete(started);
    });
    return started.future();
  }

  private Future<Void> register() {
    MessageConsumer<Object> lifecycle = vertx.eventBus().localConsumer(EventBusContract.EVENTS, m -> {
      if (m.body() instanceof JsonObject event) {
        onLifecycleEvent(event);
      }
    });
    MessageConsumer<Object> commands = vertx.eventBus().consumer(FleetAddresses.nodeCommands(identity.nodeId()),
        this::onCommand);
    MessageConsumer<Object> events = vertx.eventBus().consumer(FleetAddresses.EVENTS, m -> {
      if (m.body() instanceof JsonObject json) {
        try {
          service.onFleetEvent(FleetEvent.fromJson(json));
        } catch (IllegalArgumentException e) {
          LOG.debug("a fleet event that is not one is ignored: {}", e.getMessage());
        }
      }
    });
    MessageConsumer<Object> fleet = vertx.eventBus().consumer(FleetAddresses.FLEET, service::onRequest);
    return Future.all(List.of(lifecycle.completion(), commands.completion(), events.completion(), fleet.completion()))
        .<Void>mapEmpty()
        .onSuccess(v -> {
          LOG.info("fleet: node {} ({}, version {}) answers on {}", identity.nodeId(), identity.address(),
              identity.version(), FleetAddresses.nodeCommands(identity.nodeId()));
          publish(FleetState.JOINED, new JsonObject());
        });
  }

  NodeIdentity identity() {
    return identity;
  }

  /** The cluster manager: this node's id and the members. */
  ClusterManager clusterManager() {
    return clusterManager;
  }

  /** Whether this node's stop began: it runs no fleet operation any more. */
  boolean leaving() {
    return leaving;
  }

  // ---------------------------------------------------------------- events

  private void onLifecycleEvent(JsonObject event) {
    FleetEventTranslator.translate(event).ifPresent(t -> {
      publish(t.state(), t.detail());
      if (t.state() == FleetState.LEAVING) {
        leaving = true;
        service.onLeaving();
      }
    });
  }

  private void publish(FleetState state, JsonObject detail) {
    FleetEvent event = new FleetEvent(identity.nodeId(), identity.version(), identity.address(), state,
        System.currentTimeMillis(), detail);
    vertx.eventBus().publish(FleetAddresses.EVENTS, event.toJson());
  }

  // ---------------------------------------------------------------- this node's commands

  private void onCommand(Message<Object> message) {
    JsonObject body = message.body() instanceof JsonObject o ? o : new JsonObject();
    Object command = body.getValue("command");
    if ("status".equals(command)) {
      status().onSuccess(s -> message.reply(s.toJson()))
          .onFailure(e -> message.fail(500, "node " + identity.nodeId() + " could not tell its status: " + e));
      return;
    }
    Optional<FleetOperation> operation = command instanceof String c ? FleetOperation.fromWire(c) : Optional.empty();
    if (operation.isEmpty()) {
      message.fail(400, "\"command\": " + command + " is none of status, " + FleetOperation.wireNames());
      return;
    }
    String reason = body.getValue("reason") instanceof String r ? r : "fleet " + operation.get().wireName();
    LifecycleCommand lifecycle = operation.get().lifecycleCommand();
    local(EventBusContract.COMMANDS, new JsonObject().put("command", lifecycle.wireName())
        .put("reason", reason.length() > EventBusContract.MAX_REASON_LENGTH
            ? reason.substring(0, EventBusContract.MAX_REASON_LENGTH) : reason))
        .onSuccess(message::reply)
        .onFailure(e -> message.fail(e instanceof ReplyException re && re.failureCode() > 0 ? re.failureCode() : 500,
            "node " + identity.nodeId() + " (" + identity.address() + ") refused the " + lifecycle.wireName() + ": "
            + describe(e)));
  }

  /**
   * This node's status: the management listener's ({@code GET /lifecycle/status}) when it answers, else the
   * coordinator's and the process manager's; uptime from the JVM.
   */
  Future<FleetNodeStatus> status() {
    long uptime = ManagementFactory.getRuntimeMXBean().getUptime();
    return local(FleetAddresses.LOCAL_STATUS, new JsonObject())
        .map(web -> build(web, uptime, web.getLong("inFlightRequests", -1L), web.getBoolean("ready", false)))
        .recover(e -> {
          if (!(e instanceof ReplyException re && re.failureType() == ReplyFailure.NO_HANDLERS)) {
            return Future.failedFuture(e);
          }
          Future<JsonObject> lifecycle = local(EventBusContract.COMMANDS, new JsonObject().put("command", "status"));
          Future<JsonObject> processes = local(EventBusContract.PROCESS_COMMANDS, new JsonObject().put("command",
              EventBusContract.ProcessCommand.LIST.wireName()));
          return Future.join(lifecycle, processes).transform(ar -> {
            JsonObject merged = lifecycle.succeeded() ? lifecycle.result().copy()
                : new JsonObject().put("state", "UNKNOWN");
            if (processes.succeeded()) {
              merged.put("processes", processes.result());
            }
            return Future.succeededFuture(build(merged, uptime, -1, "RUNNING".equals(merged.getString("state"))));
          });
        });
  }

  private FleetNodeStatus build(JsonObject status, long uptime, long inFlight, boolean ready) {
    return new FleetNodeStatus(identity.nodeId(), true, identity.version(), identity.address(),
        status.getString("state", "UNKNOWN"), uptime, inFlight, ready, children(status.getJsonObject("processes")),
        Optional.empty());
  }

  /** Per group {@code {"state":…,"desired":N,"ready":N}} from the process manager's {@code list}. */
  static JsonObject children(JsonObject processes) {
    JsonObject summary = new JsonObject();
    JsonArray groups = processes == null ? null : processes.getJsonArray("groups");
    if (groups != null) {
      for (Object g : groups) {
        if (g instanceof JsonObject group && group.getString("group") != null) {
          summary.put(group.getString("group"), new JsonObject().put("state", group.getString("state"))
              .put("desired", group.getValue("desired")).put("ready", group.getValue("ready")));
        }
      }
    }
    return summary;
  }

  /** A request to a consumer on this node only, bounded by {@link #LOCAL_TIMEOUT}. */
  Future<JsonObject> local(String address, JsonObject body) {
    return vertx.eventBus().<Object>request(address, body, new DeliveryOptions().setLocalOnly(true)
            .setSendTimeout(LOCAL_TIMEOUT.toMillis()))
        .map(m -> m.body() instanceof JsonObject o ? o : new JsonObject().put("answer", String.valueOf(m.body())));
  }

  /** What went wrong with a request, for a person. */
  static String describe(Throwable e) {
    if (e instanceof ReplyException re) {
      return switch (re.failureType()) {
        case NO_HANDLERS -> "nobody answers there (no consumer)";
        case TIMEOUT -> "no answer in time";
        default -> re.getMessage();
      };
    }
    return String.valueOf(e.getMessage());
  }
}
