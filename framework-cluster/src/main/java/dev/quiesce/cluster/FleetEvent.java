package dev.quiesce.cluster;

import io.vertx.core.json.JsonObject;
import java.util.Objects;

/**
 * A node's state change, published on {@link FleetAddresses#EVENTS}:
 * {@code {"nodeId":…,"version":…,"address":"host:port","state":<FleetState>,"at":<epoch ms>,"detail":{…}}}.
 *
 * @param nodeId the node's cluster node id (a new one after each start of the node's JVM)
 * @param version the application's version (its jar's {@code Implementation-Version}, else {@code unknown})
 * @param address the node's management listener {@code host:port}, or its HTTP listener's when it has no
 *     management listener: stable across restarts of the node, unlike {@code nodeId}
 * @param state what happened
 * @param at when, in epoch milliseconds
 * @param detail what the lifecycle event said (reason, outcome, error, phase); empty when nothing
 */
public record FleetEvent(String nodeId, String version, String address, FleetState state, long at,
    JsonObject detail) {

  /**
   * Checks the components.
   *
   * @param nodeId the node's cluster node id
   * @param version the application's version
   * @param address the node's address
   * @param state what happened
   * @param at when, in epoch milliseconds
   * @param detail what the lifecycle event said
   * @throws NullPointerException if a component but {@code at} is null
   */
  public FleetEvent {
    Objects.requireNonNull(nodeId, "nodeId");
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(state, "state");
    detail = detail.copy();
  }

  /**
   * The message.
   *
   * @return a new JSON object with every component, {@code state} as its wire name
   */
  public JsonObject toJson() {
    return new JsonObject().put("nodeId", nodeId).put("version", version).put("address", address)
        .put("state", state.wireName()).put("at", at).put("detail", detail.copy());
  }

  /**
   * Reads a message.
   *
   * @param json a message from {@link FleetAddresses#EVENTS}
   * @return the event
   * @throws IllegalArgumentException naming the field that is missing or of the wrong kind
   */
  public static FleetEvent fromJson(JsonObject json) {
    return new FleetEvent(Wire.string(json, "nodeId"), Wire.string(json, "version"), Wire.string(json, "address"),
        Wire.constant(FleetState.class, json, "state"),
        Wire.number(json, "at").longValue(),
        json.getValue("detail") instanceof JsonObject d ? d : new JsonObject());
  }
}
