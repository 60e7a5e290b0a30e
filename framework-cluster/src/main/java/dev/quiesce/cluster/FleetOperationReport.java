package dev.quiesce.cluster;

import dev.quiesce.lifecycle.WireNamed;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a rolling {@link FleetOperation} is, or how it ended: published on
 * {@link FleetAddresses#OPERATIONS} at each step, answered to the request that started it (outcome
 * {@code running}) and listed by {@code GET /fleet/status}.
 *
 * @param id the operation's id (unique in the cluster)
 * @param operation what each node does
 * @param reason why, as asked
 * @param maxUnavailable how many nodes may be in their step at once
 * @param runBy the node id of the node running the operation (it does itself last)
 * @param startedAt when it began, epoch milliseconds
 * @param endedAt when it ended, epoch milliseconds; 0 while it runs
 * @param outcome running, done or failed
 * @param steps one per node, in the order they are taken; the nodes after a failure stay {@code pending} (untouched)
 * @param failure which node failed and why, when {@code outcome} is failed
 */
public record FleetOperationReport(String id, FleetOperation operation, String reason, int maxUnavailable,
    String runBy, long startedAt, long endedAt, Outcome outcome, List<NodeStep> steps, Optional<String> failure) {

  /**
   * Checks the components.
   *
   * @param id the operation's id
   * @param operation what each node does
   * @param reason why
   * @param maxUnavailable how many nodes at once
   * @param runBy the node running it
   * @param startedAt when it began
   * @param endedAt when it ended, or 0
   * @param outcome where it is
   * @param steps one per node
   * @param failure which node failed and why
   * @throws NullPointerException if an object component is null
   */
  public FleetOperationReport {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(operation, "operation");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(runBy, "runBy");
    Objects.requireNonNull(outcome, "outcome");
    steps = List.copyOf(steps);
    Objects.requireNonNull(failure, "failure");
  }

  /** Where an operation is. */
  public enum Outcome implements WireNamed {
    /** Still running. */
    RUNNING,
    /** Every node did its step and came back ready (the last one, the runner itself, possibly handed over). */
    DONE,
    /** A node failed its step, did not come back in time, or left the cluster: the nodes after it were not touched. */
    FAILED
  }

  /** Where one node's step is. */
  public enum StepOutcome implements WireNamed {
    /** Not begun (after a failure: left untouched). */
    PENDING,
    /** The node was asked and has not come back ready yet. */
    RUNNING,
    /** The node did its step and is ready again. */
    DONE,
    /** The node refused, failed, did not come back in time, or left the cluster. */
    FAILED,
    /**
     * The runner's own restart or upgrade, the last step: the runner cannot see itself come back, so its
     * return is left to its supervisor (restart) or its successor (upgrade); the operation ends done with it.
     */
    HANDED_OVER
  }

  /**
   * One node's step.
   *
   * @param nodeId the node's id when the operation began
   * @param address its management (else HTTP) {@code host:port}: how its replacement is recognised
   * @param outcome where the step is
   * @param newNodeId the node id it came back with (restart, upgrade); empty otherwise
   * @param startedAt when the node was asked, epoch milliseconds; 0 when not yet
   * @param endedAt when it was back and ready or failed, epoch milliseconds; 0 when not yet
   * @param detail why it failed, or what it answered
   */
  public record NodeStep(String nodeId, String address, StepOutcome outcome, Optional<String> newNodeId,
      long startedAt, long endedAt, Optional<String> detail) {

    /**
     * Checks the components.
     *
     * @param nodeId the node's id
     * @param address its address
     * @param outcome where the step is
     * @param newNodeId the id it came back with
     * @param startedAt when it was asked
     * @param endedAt when it ended
     * @param detail why it failed
     * @throws NullPointerException if an object component is null
     */
    public NodeStep {
      Objects.requireNonNull(nodeId, "nodeId");
      Objects.requireNonNull(address, "address");
      Objects.requireNonNull(outcome, "outcome");
      Objects.requireNonNull(newNodeId, "newNodeId");
      Objects.requireNonNull(detail, "detail");
    }

    /**
     * The JSON form.
     *
     * @return a new JSON object; {@code newNodeId} and {@code detail} only when present
     */
    public JsonObject toJson() {
      JsonObject json = new JsonObject().put("nodeId", nodeId).put("address", address)
          .put("outcome", outcome.wireName()).put("startedAt", startedAt).put("endedAt", endedAt);
      newNodeId.ifPresent(n -> json.put("newNodeId", n));
      detail.ifPresent(d -> json.put("detail", d));
      return json;
    }

    /**
     * Reads the JSON form.
     *
     * @param json what {@link #toJson()} wrote
     * @return the step
     * @throws IllegalArgumentException naming the field that is missing or wrong
     */
    public static NodeStep fromJson(JsonObject json) {
      return new NodeStep(Wire.string(json, "nodeId"), Wire.string(json, "address"),
          Wire.constant(StepOutcome.class, json, "outcome"), Optional.ofNullable(json.getString("newNodeId")),
          Wire.number(json, "startedAt").longValue(), Wire.number(json, "endedAt").longValue(),
          Optional.ofNullable(json.getString("detail")));
    }
  }

  /**
   * The JSON form.
   *
   * @return a new JSON object; {@code failure} only when present
   */
  public JsonObject toJson() {
    JsonArray list = new JsonArray();
    steps.forEach(s -> list.add(s.toJson()));
    JsonObject json = new JsonObject().put("id", id).put("operation", operation.wireName()).put("reason", reason)
        .put("maxUnavailable", maxUnavailable).put("runBy", runBy).put("startedAt", startedAt)
        .put("endedAt", endedAt).put("outcome", outcome.wireName()).put("steps", list);
    failure.ifPresent(f -> json.put("failure", f));
    return json;
  }

  /**
   * Reads the JSON form.
   *
   * @param json what {@link #toJson()} wrote
   * @return the report
   * @throws IllegalArgumentException naming the field that is missing or wrong
   */
  public static FleetOperationReport fromJson(JsonObject json) {
    JsonArray list = json.getValue("steps") instanceof JsonArray a ? a : new JsonArray();
    List<NodeStep> steps = list.stream().map(o -> NodeStep.fromJson((JsonObject) o)).toList();
    return new FleetOperationReport(Wire.string(json, "id"), Wire.constant(FleetOperation.class, json, "operation"),
        Wire.string(json, "reason"), Wire.number(json, "maxUnavailable").intValue(), Wire.string(json, "runBy"),
        Wire.number(json, "startedAt").longValue(), Wire.number(json, "endedAt").longValue(),
        Wire.constant(Outcome.class, json, "outcome"), steps, Optional.ofNullable(json.getString("failure")));
  }
}
