package dev.quiesce.cluster;

import dev.quiesce.lifecycle.EventBusContract;

/**
 * The cluster-wide event-bus addresses of a fleet of Quiesce nodes, in one place. Lifecycle
 * traffic ({@code quiesce.lifecycle*}) stays node-local; these addresses span the cluster.
 * docs/CLUSTER.md ("Fleet operations", "Fleet status") describes every message.
 */
public final class FleetAddresses {

  /**
   * Request/reply, every node's fleet service: {@code {"command":"status"}} answers the whole fleet's
   * {@link FleetStatus}; {@code {"command":"events"}} the last fleet events this node received (at most
   * 256, oldest first) as {@code {"nodeId":…,"events":[<FleetEvent>…]}};
   * {@code {"command":"reload"|"upgrade"|"restart", "maxUnavailable":1, "reason":"…", "stepTimeout":"2m"}}
   * ({@link FleetRequest}) starts a rolling {@link FleetOperation}
   * and answers at once with its {@link FleetOperationReport} (outcome {@code running}). Failure codes:
   * 400 malformed, 409 another operation runs (named in the message).
   */
  public static final String FLEET = EventBusContract.FLEET;

  /** Publish, from every node: {@link FleetEvent#toJson()} for each change of the node's state. */
  public static final String EVENTS = "quiesce.fleet.events";

  /** Publish, from the node running a fleet operation: {@link FleetOperationReport#toJson()} at each step and at the end. */
  public static final String OPERATIONS = "quiesce.fleet.operations";

  /** The prefix of a node's own cluster-wide address: {@code quiesce.fleet.node.<nodeId>}. */
  public static final String NODE_PREFIX = "quiesce.fleet.node.";

  /**
   * Node-local, request/reply, answered by the management listener (framework-web) when there is one:
   * {@code {}} gets the same body as {@code GET /lifecycle/status} (state, {@code inFlightRequests},
   * {@code ready}, {@code processes}). Declared in core ({@link EventBusContract#FLEET_LOCAL_STATUS}), which
   * framework-web sees too.
   */
  public static final String LOCAL_STATUS = EventBusContract.FLEET_LOCAL_STATUS;

  private FleetAddresses() {
  }

  /**
   * One node's own cluster-wide address, for requests to exactly that node.
   *
   * @param nodeId the node's cluster node id
   * @return {@code quiesce.fleet.node.<nodeId>}
   */
  public static String node(String nodeId) {
    return NODE_PREFIX + nodeId;
  }

  /**
   * The address of one node's fleet commands: {@code {"command":"status"}} answers its
   * {@link FleetNodeStatus}; {@code {"command":"reload"|"upgrade"|"restart","reason":"…"}} runs the
   * single-node command ({@link FleetOperation#lifecycleCommand()}) and answers once the coordinator
   * accepted it. A sub-address of {@link #node(String)}, whose own consumer belongs to the leave logic.
   *
   * @param nodeId the node's cluster node id
   * @return {@code quiesce.fleet.node.<nodeId>.command}
   */
  public static String nodeCommands(String nodeId) {
    return node(nodeId) + ".command";
  }
}
