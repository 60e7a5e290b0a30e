package dev.quiesce.cluster;

import io.vertx.core.json.JsonObject;
import java.util.Objects;
import java.util.Optional;

/**
 * One node as {@code GET /fleet/status} lists it: what the node answered on
 * {@link FleetAddresses#nodeCommands(String)}, or that it did not answer.
 *
 * @param nodeId the node's cluster node id
 * @param reachable whether the node answered in time; when false, only {@code nodeId} and {@code problem} say anything
 * @param version the application's version ({@code unknown} when unreachable)
 * @param address the node's management (else HTTP) {@code host:port} (empty when unreachable)
 * @param state its lifecycle state ({@code RUNNING}, {@code STOPPING}, …; {@code UNREACHABLE} when it did not answer)
 * @param uptimeMs how long its JVM has run, in milliseconds
 * @param inFlightRequests HTTP requests it is serving now; -1 when it has no management listener to count them
 * @param ready whether its readiness probe answers 200 (without a management listener: whether it is {@code RUNNING})
 * @param children per child process group, {@code {"state":…,"desired":N,"ready":N}}; empty without a process manager
 * @param problem what went wrong asking the node, if anything
 */
public record FleetNodeStatus(String nodeId, boolean reachable, String version, String address, String state,
    long uptimeMs, long inFlightRequests, boolean ready, JsonObject children, Optional<String> problem) {

  /** The {@code state} of a node that did not answer. */
  public static final String UNREACHABLE = "UNREACHABLE";

  /**
   * Checks the components.
   *
   * @param nodeId the node's cluster node id
   * @param reachable whether the node answered
   * @param version the application's version
   * @param address the node's address
   * @param state its lifecycle state
   * @param uptimeMs how long its JVM has run
   * @param inFlightRequests HTTP requests in flight
   * @param ready whether it is ready
   * @param children its child process groups
   * @param problem what went wrong asking it
   * @throws NullPointerException if an object component is null
   */
  public FleetNodeStatus {
    Objects.requireNonNull(nodeId, "nodeId");
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(state, "state");
    children = children.copy();
    Objects.requireNonNull(problem, "problem");
  }

  /**
   * A node that did not answer.
   *
   * @param nodeId the node's cluster node id
   * @param problem why (timed out, no handler)
   * @return its status: unreachable, not ready
   */
  public static FleetNodeStatus unreachable(String nodeId, String problem) {
    return new FleetNodeStatus(nodeId, false, "unknown", "", UNREACHABLE, 0, -1, false, new JsonObject(),
        Optional.of(problem));
  }

  /**
   * The JSON form.
   *
   * @return a new JSON object with every component; {@code problem} only when present
   */
  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("nodeId", nodeId).put("reachable", reachable).put("version", version)
        .put("address", address).put("state", state).put("uptimeMs", uptimeMs)
        .put("inFlightRequests", inFlightRequests).put("ready", ready).put("children", children.copy());
    problem.ifPresent(p -> json.put("problem", p));
    return json;
  }

  /**
   * Reads the JSON form.
   *
   * @param json what {@link #toJson()} wrote
   * @return the status
   * @throws IllegalArgumentException naming the field that is missing or of the wrong kind
   */
  public static FleetNodeStatus fromJson(JsonObject json) {
    return new FleetNodeStatus(Wire.string(json, "nodeId"), json.getBoolean("reachable", false),
        Wire.string(json, "version"), Wire.string(json, "address"), Wire.string(json, "state"),
        Wire.number(json, "uptimeMs").longValue(), Wire.number(json, "inFlightRequests").longValue(),
        json.getBoolean("ready", false), json.getValue("children") instanceof JsonObject c ? c : new JsonObject(),
        Optional.ofNullable(json.getString("problem")));
  }
}
