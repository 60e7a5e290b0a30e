package dev.quiesce.cluster;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The whole fleet, as {@code GET /fleet/status} and {@code {"command":"status"}} on
 * {@link FleetAddresses#FLEET} answer it.
 *
 * @param askedBy the node id of the node that gathered it
 * @param nodes every member the cluster manager lists, in address order; members that did not answer in
 *     time are listed as unreachable
 * @param operation the rolling operation running now, if any
 * @param lastOperation the last one that ended, if any
 */
public record FleetStatus(String askedBy, List<FleetNodeStatus> nodes, Optional<FleetOperationReport> operation,
    Optional<FleetOperationReport> lastOperation) {

  /**
   * Checks the components.
   *
   * @param askedBy the node that gathered it
   * @param nodes every member
   * @param operation the operation running
   * @param lastOperation the last one that ended
   * @throws NullPointerException if a component is null
   */
  public FleetStatus {
    Objects.requireNonNull(askedBy, "askedBy");
    nodes = List.copyOf(nodes);
    Objects.requireNonNull(operation, "operation");
    Objects.requireNonNull(lastOperation, "lastOperation");
  }

  /**
   * The JSON form.
   *
   * @return {@code {"askedBy":…,"nodes":[…],"operation":{…}|null,"lastOperation":{…}|null}}
   */
  public JsonObject toJson() {
    JsonArray list = new JsonArray();
    nodes.forEach(n -> list.add(n.toJson()));
    return new JsonObject().put("askedBy", askedBy).put("nodes", list)
        .put("operation", operation.map(FleetOperationReport::toJson).orElse(null))
        .put("lastOperation", lastOperation.map(FleetOperationReport::toJson).orElse(null));
  }

  /**
   * Reads the JSON form.
   *
   * @param json what {@link #toJson()} wrote
   * @return the status
   * @throws IllegalArgumentException naming the field that is missing or wrong
   */
  public static FleetStatus fromJson(JsonObject json) {
    JsonArray list = json.getValue("nodes") instanceof JsonArray a ? a : new JsonArray();
    return new FleetStatus(Wire.string(json, "askedBy"),
        list.stream().map(o -> FleetNodeStatus.fromJson((JsonObject) o)).toList(),
        Optional.ofNullable(json.getJsonObject("operation")).map(FleetOperationReport::fromJson),
        Optional.ofNullable(json.getJsonObject("lastOperation")).map(FleetOperationReport::fromJson));
  }
}
