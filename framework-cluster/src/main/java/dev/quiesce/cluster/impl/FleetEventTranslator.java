package dev.quiesce.cluster.impl;

import dev.quiesce.cluster.FleetState;
import dev.quiesce.lifecycle.EventBusContract.LifecycleEvent;
import dev.quiesce.lifecycle.EventBusContract.ReloadOutcome;
import dev.quiesce.lifecycle.EventBusContract.UpgradeOutcome;
import dev.quiesce.lifecycle.LifecycleState;
import dev.quiesce.lifecycle.WireNamed;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.Optional;

/**
 * Translates one node's lifecycle events ({@code quiesce.lifecycle.events}) into the fleet's states:
 * state {@code RUNNING} → {@code ready}, {@code DRAINING} → {@code not-ready}, {@code RELOADING} →
 * {@code reloading}, {@code STOPPING} → {@code leaving} (the stop begins; its announce phase takes
 * readiness down next); a reload's outcome {@code done} → {@code reloaded}, {@code partial} or
 * {@code failed} → {@code reload-failed}; an upgrade {@code started} → {@code upgrading},
 * {@code failed} → {@code upgrade-failed}; the stop report → {@code stopped}. Every other event
 * (phases, steps, an upgrade's {@code done}, which the stop follows) translates to nothing.
 */
final class FleetEventTranslator {

  /** A fleet state and what the lifecycle event said about it. */
  record Translated(FleetState state, JsonObject detail) {
  }

  private FleetEventTranslator() {
  }

  static Optional<Translated> translate(JsonObject event) {
    Optional<LifecycleEvent> type = event.getValue("type") instanceof String t ? LifecycleEvent.fromWire(t)
        : Optional.empty();
    if (type.isEmpty()) {
      return Optional.empty();
    }
    return switch (type.get()) {
      case STATE -> toState(event);
      case RELOAD -> outcome(event, ReloadOutcome.class)
          .map(o -> new Translated(o == ReloadOutcome.DONE ? FleetState.RELOADED : FleetState.RELOAD_FAILED,
              pick(event, "outcome", "reason", "error", "problems", "durationMs")));
      case UPGRADE -> outcome(event, UpgradeOutcome.class)
          .filter(o -> o != UpgradeOutcome.DONE)
          .map(o -> new Translated(o == UpgradeOutcome.STARTED ? FleetState.UPGRADING : FleetState.UPGRADE_FAILED,
              pick(event, "outcome", "reason", "error", "successorPid")));
      case REPORT -> Optional.of(new Translated(FleetState.STOPPED, event.getValue("report") instanceof JsonObject r
          ? pick(r, "outcome", "trigger", "reason") : new JsonObject()));
      default -> Optional.empty();
    };
  }

  private static final Map<LifecycleState, FleetState> STATES = Map.of(LifecycleState.RUNNING, FleetState.READY,
      LifecycleState.DRAINING, FleetState.NOT_READY, LifecycleState.RELOADING, FleetState.RELOADING,
      LifecycleState.STOPPING, FleetState.LEAVING);

  private static Optional<Translated> toState(JsonObject event) {
    if (!(event.getValue("to") instanceof String to)) {
      return Optional.empty();
    }
    FleetState state;
    try {
      state = STATES.get(LifecycleState.valueOf(to));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    return Optional.ofNullable(state).map(s -> new Translated(s, pick(event, "from", "to", "reason")));
  }

  private static <E extends Enum<E> & WireNamed> Optional<E> outcome(JsonObject event, Class<E> type) {
    return event.getValue("outcome") instanceof String o ? WireNamed.fromWire(type, o) : Optional.empty();
  }

  /** The named fields of {@code json} that are present. */
  private static JsonObject pick(JsonObject json, String... fields) {
    JsonObject picked = new JsonObject();
    for (String field : fields) {
      if (json.getValue(field) != null) {
        picked.put(field, json.getValue(field));
      }
    }
    return picked;
  }
}
