package dev.quiesce.cluster;

import dev.quiesce.config.Durations;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * A request for a rolling operation, on {@link FleetAddresses#FLEET}:
 * {@code {"command":"reload","maxUnavailable":1,"reason":"…","stepTimeout":"2m"}}.
 *
 * @param operation what each node does
 * @param maxUnavailable how many nodes may be in their step at once; at least 1, default 1
 * @param reason why, passed on to every node's lifecycle command and named in the report
 * @param stepTimeout how long one node may take to be back and ready; default {@link #DEFAULT_STEP_TIMEOUT}
 */
public record FleetRequest(FleetOperation operation, int maxUnavailable, String reason, Duration stepTimeout) {

  /** The default {@code stepTimeout}. */
  public static final Duration DEFAULT_STEP_TIMEOUT = Duration.ofMinutes(2);
  /** The longest {@code stepTimeout} accepted. */
  public static final Duration MAX_STEP_TIMEOUT = Duration.ofMinutes(30);
  /** The fields a request may have. */
  public static final Set<String> FIELDS = Set.of("command", "maxUnavailable", "reason", "stepTimeout");

  /**
   * Checks the components.
   *
   * @param operation what each node does
   * @param maxUnavailable how many nodes at once
   * @param reason why
   * @param stepTimeout how long one node may take
   * @throws IllegalArgumentException if {@code maxUnavailable} is below 1 or {@code stepTimeout} is not positive
   *     or above {@link #MAX_STEP_TIMEOUT}
   */
  public FleetRequest {
    Objects.requireNonNull(operation, "operation");
    Objects.requireNonNull(reason, "reason");
    if (maxUnavailable < 1) {
      throw new IllegalArgumentException("\"maxUnavailable\" must be at least 1, was " + maxUnavailable);
    }
    if (stepTimeout.isNegative() || stepTimeout.isZero() || stepTimeout.compareTo(MAX_STEP_TIMEOUT) > 0) {
      throw new IllegalArgumentException("\"stepTimeout\" must be above 0 and at most " + MAX_STEP_TIMEOUT.toMinutes()
          + "m, was " + stepTimeout.toMillis() + " ms");
    }
  }

  /**
   * The message.
   *
   * @return a new JSON object, {@code stepTimeout} in milliseconds
   */
  public JsonObject toJson() {
    return new JsonObject().put("command", operation.wireName()).put("maxUnavailable", maxUnavailable)
        .put("reason", reason).put("stepTimeout", stepTimeout.toMillis());
  }

  /**
   * Reads a request; {@code maxUnavailable}, {@code reason} and {@code stepTimeout} may be absent.
   *
   * @param json the message
   * @param defaultReason the reason when the message has none
   * @return the request
   * @throws IllegalArgumentException naming the field that is unknown, missing or wrong
   */
  public static FleetRequest fromJson(JsonObject json, String defaultReason) {
    Set<String> unknown = new TreeSet<>(json.fieldNames());
    unknown.removeAll(FIELDS);
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException("unknown field(s) " + unknown + "; a fleet operation takes " + new TreeSet<>(FIELDS));
    }
    String command = Wire.string(json, "command");
    FleetOperation operation = FleetOperation.fromWire(command).orElseThrow(() -> new IllegalArgumentException(
        "\"command\": \"" + command + "\" is no fleet operation; use one of " + FleetOperation.wireNames()));
    Object max = json.getValue("maxUnavailable", 1);
    if (!(max instanceof Integer || max instanceof Long)) {
      throw new IllegalArgumentException("\"maxUnavailable\" must be an integer, was " + max);
    }
    Object reason = json.getValue("reason", defaultReason);
    if (!(reason instanceof String r)) {
      throw new IllegalArgumentException("\"reason\" must be a string, was " + reason);
    }
    Object timeout = json.getValue("stepTimeout");
    Duration step;
    try {
      step = timeout == null ? DEFAULT_STEP_TIMEOUT : Durations.parse(timeout);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("\"stepTimeout\": " + e.getMessage());
    }
    return new FleetRequest(operation, ((Number) max).intValue(), r, step);
  }
}
