package dev.quiesce.lifecycle;

import io.vertx.core.json.JsonObject;
import java.time.Duration;

/**
 * What a participant is told about one step of the lifecycle.
 *
 * @param name the phase ({@code announce}, {@code drain}, …) or step ({@code reload}, …)
 * @param seq a number that grows with every step published; acknowledgements carry it
 * @param deadline when the coordinator stops waiting for this step, in epoch milliseconds
 * @param forced true when the stop was forced (a second stop trigger): the coordinator does
 *     not wait, so the participant should cut short what it does and clean up at once
 * @param reason why the stop, drain or reload was asked for, as given by its trigger
 * @param config the new configuration, for the {@code reload} step; otherwise empty
 */
public record PhaseContext(String name, long seq, long deadline, boolean forced, String reason, JsonObject config) {

  /**
   * The time left until {@link #deadline()}.
   *
   * @return the time left; zero when the deadline has passed
   */
  public Duration remaining() {
    long ms = deadline - System.currentTimeMillis();
    return ms <= 0 ? Duration.ZERO : Duration.ofMillis(ms);
  }

  /**
   * The phase message as published on {@link EventBusContract#PHASE}.
   *
   * @return a new object; {@code reason} and {@code config} only when present
   */
  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("phase", name).put("seq", seq).put("deadline", deadline)
        .put("forced", forced);
    if (reason != null) {
      json.put("reason", reason);
    }
    if (config != null && !config.isEmpty()) {
      json.put("config", config);
    }
    return json;
  }

  /**
   * Reads a phase message.
   *
   * @param json a message published on {@link EventBusContract#PHASE}
   * @return the step it announces
   * @throws IllegalArgumentException naming the field that is missing or of the wrong type
   */
  public static PhaseContext fromJson(JsonObject json) {
    Object name = json.getValue("phase");
    Object seq = json.getValue("seq");
    Object deadline = json.getValue("deadline");
    if (!(name instanceof String)) {
      throw new IllegalArgumentException("phase message: \"phase\" must be a string");
    }
    if (!(seq instanceof Number) || !(deadline instanceof Number)) {
      throw new IllegalArgumentException("phase message: \"seq\" and \"deadline\" must be numbers");
    }
    JsonObject config = json.getValue("config") instanceof JsonObject c ? c : new JsonObject();
    return new PhaseContext((String) name, ((Number) seq).longValue(), ((Number) deadline).longValue(),
        Boolean.TRUE.equals(json.getValue("forced")), json.getValue("reason") instanceof String r ? r : null, config);
  }
}
