package dev.quiesce.lifecycle;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The report of one stop: what each phase and participant did, what was undeployed, the child
 * processes, and whether the stop was {@link StopOutcome#GRACEFUL graceful}. The coordinator
 * publishes it as the last event ({@code {"type":"report","report":…}} on
 * {@link EventBusContract#EVENTS}), logs it, writes it to {@code lifecycle.reportFile} and completes
 * {@link LifecycleCoordinator#stopped()} with it. docs/EVENT-BUS.md shows its JSON.
 *
 * @param trigger who asked for the stop
 * @param reason why, as the trigger gave it ({@code SIGTERM}, the reason of a command)
 * @param start when the stop began, epoch ms
 * @param end when the report was made, epoch ms
 * @param deadlineMs {@code lifecycle.shutdownTimeout} at the stop, in ms
 * @param outcome {@link StopOutcome#GRACEFUL} exactly when {@code problems} is empty
 * @param forcedBy the second trigger that forced the stop, if one did
 * @param problems one sentence per thing that went wrong
 * @param phases every stop phase, in order
 * @param undeployed every deployment the stop undeployed (or abandoned)
 * @param children the child processes, as the process manager reports them in its detail
 *     ({@code detail.children}); their fields belong to the process manager (docs/PROCESSES.md)
 */
public record StopReport(Trigger trigger, String reason, long start, long end, long deadlineMs, StopOutcome outcome,
    Optional<ForcedBy> forcedBy, List<String> problems, List<Phase> phases, List<Undeployed> undeployed,
    List<JsonObject> children) {

  /**
   * Copies the lists (unmodifiable); a null {@code forcedBy} reads as empty.
   *
   * @param trigger who asked for the stop
   * @param reason why, as the trigger gave it ({@code SIGTERM}, the reason of a command)
   * @param start when the stop began, epoch ms
   * @param end when the report was made, epoch ms
   * @param deadlineMs {@code lifecycle.shutdownTimeout} at the stop, in ms
   * @param outcome {@link StopOutcome#GRACEFUL} exactly when {@code problems} is empty
   * @param forcedBy the second trigger that forced the stop, if one did
   * @param problems one sentence per thing that went wrong
   * @param phases every stop phase, in order
   * @param undeployed every deployment the stop undeployed (or abandoned)
   * @param children the child processes, as the process manager reports them in its detail
   *     ({@code detail.children})
   * @throws NullPointerException if {@code trigger}, {@code outcome} or one of the lists is null
   */
  public StopReport {
    Objects.requireNonNull(trigger, "trigger");
    Objects.requireNonNull(outcome, "outcome");
    forcedBy = forcedBy == null ? Optional.empty() : forcedBy;
    problems = List.copyOf(problems);
    phases = List.copyOf(phases);
    undeployed = List.copyOf(undeployed);
    children = List.copyOf(children);
  }

  /**
   * The second stop trigger that forced the stop.
   *
   * @param trigger the second trigger
   * @param reason why, as that trigger gave it; may be null
   */
  public record ForcedBy(Trigger trigger, String reason) {

    /**
     * As the report's {@code forcedBy} shows it.
     *
     * @return {@code {"trigger":…,"reason":…}}
     */
    public JsonObject toJson() {
      return new JsonObject().put("trigger", trigger.wireName()).put("reason", reason);
    }

    static ForcedBy fromJson(JsonObject json) {
      return new ForcedBy(Json.wire(json, "trigger", "forcedBy", Trigger::fromWire),
          json.getValue("reason") instanceof String r ? r : null);
    }
  }

  /**
   * One stop phase.
   *
   * @param phase its name
   * @param seq the number it was published with on {@link EventBusContract#PHASE}
   * @param budgetMs the time it was given (0 when forced)
   * @param durationMs the time it took, the undeploy included when it ran in this phase
   * @param forced true when it was announced after the stop was forced or its deadline passed
   * @param participants what each participant did
   */
  public record Phase(String phase, long seq, long budgetMs, long durationMs, boolean forced,
      List<ParticipantOutcome> participants) {

    /**
     * Copies {@code participants} (unmodifiable).
     *
     * @param phase its name
     * @param seq the number it was published with on {@link EventBusContract#PHASE}
     * @param budgetMs the time it was given (0 when forced)
     * @param durationMs the time it took, the undeploy included when it ran in this phase
     * @param forced true when it was announced after the stop was forced or its deadline passed
     * @param participants what each participant did
     */
    public Phase {
      participants = List.copyOf(participants);
    }

    /**
     * The phase as the report shows it; the {@code phase-end} event carries the same fields (with its {@code type}).
     *
     * @return a new object
     */
    public JsonObject toJson() {
      return new JsonObject().put("phase", phase).put("seq", seq).put("budgetMs", budgetMs)
          .put("durationMs", durationMs).put("forced", forced).put("participants", outcomesJson(participants));
    }

    static Phase fromJson(JsonObject json) {
      String what = "stop report phase";
      return new Phase(Json.string(json, "phase", what), Json.number(json, "seq", what),
          Json.number(json, "budgetMs", what), Json.number(json, "durationMs", what),
          Boolean.TRUE.equals(json.getValue("forced")),
          Json.objects(json, "participants", what, ParticipantOutcome::fromJson));
    }
  }

  /**
   * One deployment the stop undeployed.
   *
   * @param deployment its deployment id
   * @param verticle the name the launcher gave it, or {@code deployment <id>}
   * @param outcome {@link Outcome#DONE}, {@link Outcome#FAILED} or {@link Outcome#TIMED_OUT} (abandoned)
   * @param durationMs how long its undeploy took; empty when it was abandoned
   * @param reason why its undeploy failed
   */
  public record Undeployed(String deployment, String verticle, Outcome outcome, OptionalLong durationMs,
      Optional<String> reason) {

    /**
     * Null {@code durationMs} and {@code reason} read as empty.
     *
     * @param deployment its deployment id
     * @param verticle the name the launcher gave it, or {@code deployment <id>}
     * @param outcome {@link Outcome#DONE}, {@link Outcome#FAILED} or {@link Outcome#TIMED_OUT} (abandoned)
     * @param durationMs how long its undeploy took
     * @param reason why its undeploy failed
     */
    public Undeployed {
      durationMs = durationMs == null ? OptionalLong.empty() : durationMs;
      reason = reason == null ? Optional.empty() : reason;
    }

    /**
     * The deployment as the report shows it; {@code durationMs} and {@code reason} only when present.
     *
     * @return a new object
     */
    public JsonObject toJson() {
      JsonObject json = new JsonObject().put("deployment", deployment).put("verticle", verticle)
          .put("outcome", outcome.wireName());
      durationMs.ifPresent(d -> json.put("durationMs", d));
      reason.ifPresent(r -> json.put("reason", r));
      return json;
    }

    static Undeployed fromJson(JsonObject json) {
      String what = "stop report undeployed";
      return new Undeployed(Json.string(json, "deployment", what), Json.string(json, "verticle", what),
          Json.wire(json, "outcome", what, Outcome::fromWire),
          json.getValue("durationMs") instanceof Number n ? OptionalLong.of(n.longValue()) : OptionalLong.empty(),
          Optional.ofNullable(json.getValue("reason") instanceof String r ? r : null));
    }
  }

  /**
   * How long the stop took.
   *
   * @return {@code end - start}, in milliseconds
   */
  public long durationMs() {
    return end - start;
  }

  /**
   * The exit code of the outcome ({@link StopOutcome#exitCode()}), also on the wire as {@code exitCode}.
   *
   * @return 0 or 3
   */
  public int exitCode() {
    return outcome.exitCode();
  }

  /**
   * The report as it is published, logged and written: the JSON of docs/EVENT-BUS.md.
   *
   * @return a new object
   */
  public JsonObject toJson() {
    return new JsonObject()
        .put("trigger", trigger.wireName())
        .put("reason", reason)
        .put("start", start)
        .put("end", end)
        .put("durationMs", durationMs())
        .put("deadlineMs", deadlineMs)
        .put("outcome", outcome.wireName())
        .put("exitCode", exitCode())
        .put("forcedBy", forcedBy.map(ForcedBy::toJson).orElse(null))
        .put("problems", new JsonArray(problems))
        .put("phases", new JsonArray(phases.stream().map(Phase::toJson).toList()))
        .put("undeployed", new JsonArray(undeployed.stream().map(Undeployed::toJson).toList()))
        .put("children", new JsonArray(List.copyOf(children)));
  }

  /**
   * Reads a report as {@link #toJson()} wrote it (from the report file, or the {@code report}
   * event). {@code durationMs} and {@code exitCode} are derived, not read.
   *
   * @param json the report's JSON
   * @return the report
   * @throws IllegalArgumentException naming the field that is missing or has an unknown value
   */
  public static StopReport fromJson(JsonObject json) {
    String what = "stop report";
    return new StopReport(Json.wire(json, "trigger", what, Trigger::fromWire),
        json.getValue("reason") instanceof String r ? r : null,
        Json.number(json, "start", what), Json.number(json, "end", what), Json.number(json, "deadlineMs", what),
        Json.wire(json, "outcome", what, StopOutcome::fromWire),
        Optional.ofNullable(json.getValue("forcedBy") instanceof JsonObject f ? ForcedBy.fromJson(f) : null),
        json.getValue("problems") instanceof JsonArray p ? p.stream().map(String::valueOf).toList() : List.of(),
        Json.objects(json, "phases", what, Phase::fromJson),
        Json.objects(json, "undeployed", what, Undeployed::fromJson),
        Json.objects(json, "children", what, c -> c));
  }

  static JsonArray outcomesJson(List<ParticipantOutcome> outcomes) {
    return new JsonArray(outcomes.stream().map(ParticipantOutcome::toJson).toList());
  }
}
