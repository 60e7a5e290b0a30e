package dev.quiesce.cluster;

import dev.quiesce.cluster.impl.ClusteredVertxFactory;
import dev.quiesce.lifecycle.EventBusContract;
import dev.quiesce.testing.Await;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Three clustered instances in the test's JVM (real Hazelcast on 127.0.0.1, free ports, a cluster name of the
 * test's own), each with a stand-in lifecycle coordinator: a real local consumer on {@code quiesce.lifecycle} that
 * answers {@code status}, for {@code reload} publishes the coordinator's events (after {@link #reloadDelay}, with
 * {@link #reloadOutcome}; {@code {"queued":true}} for the nodes in {@link #reloadQueued}), and for {@code stop}
 * publishes the stop's state and closes the node's Vert.x (a restart whose node never comes back).
 * Node {@code i}'s fleet address is {@code 127.0.0.1:(9100 + i)} (its management port; nothing listens there).
 */
final class FleetTestCluster implements AutoCloseable {

  static final Duration WAIT = Duration.ofSeconds(60);

  private final InJvmNodes cluster = new InJvmNodes();
  final List<Vertx> nodes = new ArrayList<>();
  final List<String> addresses = new ArrayList<>();
  /** Per address: how long its stand-in coordinator takes to reload, and the outcome it publishes. */
  final Map<String, Long> reloadDelay = new ConcurrentHashMap<>();
  final Map<String, String> reloadOutcome = new ConcurrentHashMap<>();
  /** The addresses whose stand-in answers a reload {@code {"queued":true}} (one already runs there). */
  final Set<String> reloadQueued = ConcurrentHashMap.newKeySet();
  /** Every fleet event and operation report node 0 received. */
  final List<FleetEvent> events = new CopyOnWriteArrayList<>();
  final List<FleetOperationReport> reports = new CopyOnWriteArrayList<>();
  /** The addresses whose stand-in coordinator was asked to upgrade (its successor is started by the test). */
  final List<String> upgradeAsked = new CopyOnWriteArrayList<>();
  private final String clusterName;
  private int firstPort;

  /** Starts the three nodes of cluster {@code name} and waits until node 0's fleet status lists them reachable. */
  FleetTestCluster(String name) throws IOException {
    clusterName = name + "-" + ProcessHandle.current().pid();
    firstPort = InJvmNodes.freePort();
    for (int i = 0; i < 3; i++) {
      nodes.add(member(i, i == 0 ? firstPort : InJvmNodes.freePort()));
      addresses.add(address(i));
    }
    nodes.get(0).eventBus().consumer(FleetAddresses.EVENTS, m -> events.add(FleetEvent.fromJson((JsonObject) m.body())));
    nodes.get(0).eventBus().consumer(FleetAddresses.OPERATIONS,
        m -> reports.add(FleetOperationReport.fromJson((JsonObject) m.body())));
    Await.until("three members with their fleet consumers", WAIT, () -> status(0).nodes().size() == 3
        && status(0).nodes().stream().allMatch(FleetNodeStatus::reachable));
  }

  @Override
  public void close() {
    cluster.close();
  }

  /** Node {@code i}'s fleet address: {@code 127.0.0.1:(9100 + i)}, its management port (nothing listens there). */
  private static String address(int i) {
    return "127.0.0.1:" + (9100 + i);
  }

  /** A member at node {@code i}'s address on Hazelcast {@code port}, joining the first node's, with its stand-in. */
  private Vertx member(int i, int port) {
    JsonObject config = InJvmNodes.config(clusterName, port, port == firstPort ? List.of() : List.of("127.0.0.1:" + firstPort))
        // only names the node's address: nothing listens there
        .put("management", new JsonObject().put("host", "127.0.0.1").put("port", 9100 + i));
    Vertx vertx = cluster.node(new ClusteredVertxFactory(), config);
    standInCoordinator(vertx, address(i));
    return vertx;
  }

  /**
   * Node {@code i}'s successor, as an upgrade starts one: another member at the same address, which publishes that
   * it runs (ready) while its predecessor is still a member.
   */
  Vertx successor(int i) throws IOException {
    Vertx successor = member(i, InJvmNodes.freePort());
    publish(successor, new JsonObject().put("type", "state").put("from", "STARTING").put("to", "RUNNING"));
    return successor;
  }

  private void standInCoordinator(Vertx vertx, String address) {
    reloadDelay.put(address, 0L);
    reloadOutcome.put(address, "done");
    vertx.eventBus().localConsumer(EventBusContract.COMMANDS, m -> {
      JsonObject body = (JsonObject) m.body();
      switch (body.getString("command")) {
        case "status" -> m.reply(new JsonObject().put("state", "RUNNING"));
        case "reload" -> {
          if (reloadQueued.contains(address)) {
            m.reply(new JsonObject().put("queued", true));
            // the reload already running there ends: its event must not end the fleet's step
            publish(vertx, new JsonObject().put("type", "reload").put("outcome", "done").put("reason", "an earlier one"));
            return;
          }
          m.reply(new JsonObject().put("state", "RUNNING").put("accepted", true));
          publish(vertx, new JsonObject().put("type", "state").put("from", "RUNNING").put("to", "RELOADING"));
          vertx.setTimer(Math.max(1, reloadDelay.get(address)), t -> {
            publish(vertx, new JsonObject().put("type", "reload").put("outcome", reloadOutcome.get(address))
                .put("reason", body.getString("reason")));
            publish(vertx, new JsonObject().put("type", "state").put("from", "RELOADING").put("to", "RUNNING"));
          });
        }
        case "upgrade" -> {
          // the successor is started by the test (successor(i)), or never (the runner's own, handed over)
          m.reply(new JsonObject().put("state", "RUNNING").put("accepted", true));
          upgradeAsked.add(address);
          publish(vertx, new JsonObject().put("type", "upgrade").put("outcome", "started"));
        }
        case "stop" -> {
          m.reply(new JsonObject());
          beginStop(vertx);
          vertx.setTimer(100, t -> vertx.close());
        }
        default -> m.fail(409, "not here");
      }
    });
  }

  /** What the coordinator publishes when the node's stop begins (the fleet's {@code leaving}). */
  static void beginStop(Vertx vertx) {
    publish(vertx, new JsonObject().put("type", "state").put("from", "RUNNING").put("to", "STOPPING"));
  }

  static void publish(Vertx vertx, JsonObject event) {
    vertx.eventBus().publish(EventBusContract.EVENTS, event, new DeliveryOptions().setLocalOnly(true));
  }

  FleetStatus status(int node) {
    return FleetStatus.fromJson(Await.result(ask(node, new JsonObject().put("command", "status")), WAIT));
  }

  Future<JsonObject> ask(int node, JsonObject request) {
    return nodes.get(node).eventBus().<Object>request(FleetAddresses.FLEET, request,
        new DeliveryOptions().setLocalOnly(true).setSendTimeout(30_000)).map(m -> (JsonObject) m.body());
  }

  /** The operation's first report, as the node that runs it answers. */
  FleetOperationReport start(int node, JsonObject request) {
    return FleetOperationReport.fromJson(Await.result(ask(node, request), WAIT));
  }

  FleetOperationReport awaitEnd(String id) {
    return Await.value("the end of " + id, WAIT, () -> reports.stream()
        .filter(r -> r.id().equals(id) && r.outcome() != FleetOperationReport.Outcome.RUNNING).findFirst().orElse(null));
  }
}
