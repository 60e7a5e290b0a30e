package dev.quiesce.lifecycle;

import io.vertx.core.json.JsonObject;
import java.util.Objects;
import java.util.Optional;

/**
 * What one participant did in one phase or step, as the {@code phase-end}, {@code step} and
 * {@code reload} events and the stop report list it.
 *
 * @param participant the participant's registered name
 * @param outcome what happened
 * @param durationMs from the start of the phase or step to the answer (or to its end, without one)
 * @param reason the participant's reason, when it gave one (always with {@code failed})
 * @param detail what the participant reported about its work ({@code {"completed":3}}); empty when none
 */
public record ParticipantOutcome(String participant, Outcome outcome, long durationMs, Optional<String> reason,
    JsonObject detail) {

  /**
   * Checks the components; a null {@code reason} reads as empty, a null {@code detail} as an empty object.
   *
   * @param participant the participant's registered name
   * @param outcome what happened
   * @param durationMs from the start of the phase or step to the answer (or to its end, without one)
   * @param reason the participant's reason, when it gave one (always with {@code failed})
   * @param detail what the participant reported about its work ({@code {"completed":3}})
   * @throws NullPointerException if {@code participant} or {@code outcome} is null
   */
  public ParticipantOutcome {
    Objects.requireNonNull(participant, "participant");
    Objects.requireNonNull(outcome, "outcome");
    reason = reason == null ? Optional.empty() : reason;
    detail = detail == null ? new JsonObject() : detail;
  }

  /**
   * An outcome without reason or detail.
   *
   * @param participant the participant's name
   * @param outcome what happened
   * @param durationMs from the start of the phase or step to the answer
   * @return the outcome
   */
  public static ParticipantOutcome of(String participant, Outcome outcome, long durationMs) {
    return new ParticipantOutcome(participant, outcome, durationMs, Optional.empty(), new JsonObject());
  }

  /**
   * {@code {"participant":…,"outcome":…,"durationMs":…,"reason"?:…,"detail"?:{…}}}; an empty
   * detail is left out.
   *
   * @return a new object
   */
  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("participant", participant).put("outcome", outcome.wireName())
        .put("durationMs", durationMs);
    reason.ifPresent(r -> json.put("reason", r));
    if (!detail.isEmpty()) {
      json.put("detail", detail);
    }
    return json;
  }

  /**
   * Reads what {@link #toJson()} wrote.
   *
   * @param json the object
   * @return the outcome
   * @throws IllegalArgumentException naming the field that is missing or wrong
   */
  public static ParticipantOutcome fromJson(JsonObject json) {
    return new ParticipantOutcome(Json.string(json, "participant", "participant outcome"),
        Json.wire(json, "outcome", "participant outcome", Outcome::fromWire),
        Json.number(json, "durationMs", "participant outcome"),
        Optional.ofNullable(json.getValue("reason") instanceof String r ? r : null),
        json.getValue("detail") instanceof JsonObject d ? d : new JsonObject());
  }
}
