package dev.quiesce.lifecycle.impl;

import dev.quiesce.lifecycle.Outcome;
import dev.quiesce.lifecycle.ParticipantOutcome;
import dev.quiesce.lifecycle.StopOutcome;
import dev.quiesce.lifecycle.StopReport;
import dev.quiesce.lifecycle.Trigger;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Builds the stop report: what finished, what was forced or timed out, and the outcome. */
final class StopReportBuilder {

  private final Trigger trigger;
  private final String reason;
  private final long start;
  private final long deadlineMs;

  StopReportBuilder(Trigger trigger, String reason, long start, long deadlineMs) {
    this.trigger = trigger;
    this.reason = reason;
    this.start = start;
    this.deadlineMs = deadlineMs;
  }

  /** The report; {@link StopOutcome#GRACEFUL} exactly when no problem was found. */
  StopReport build(long end, List<StopReport.Phase> phases, List<StopReport.Undeployed> undeployed,
      Optional<StopReport.ForcedBy> forcedBy, boolean deadlineHit) {
    List<String> problems = new ArrayList<>();
    List<JsonObject> children = new ArrayList<>();
    forcedBy.ifPresent(f -> problems.add("stop forced by a second trigger (" + f.trigger().wireName() + ": "
        + f.reason() + ")"));
    if (deadlineHit) {
      problems.add("the shutdown deadline of " + deadlineMs + " ms was reached");
    }
    for (StopReport.Phase phase : phases) {
      for (ParticipantOutcome outcome : phase.participants()) {
        problemOf(phase, outcome).ifPresent(problems::add);
        JsonObject detail = outcome.detail();
        if (Boolean.TRUE.equals(detail.getValue("forced"))) {
          problems.add("participant " + outcome.participant() + " had to force its work in phase " + phase.phase()
              + (detail.getValue("forcedReason") instanceof String r ? ": " + r : ""));
        }
        if (detail.getValue("children") instanceof JsonArray list) {
          list.stream().filter(JsonObject.class::isInstance).map(JsonObject.class::cast).forEach(children::add);
        }
      }
    }
    for (StopReport.Undeployed entry : undeployed) {
      if (entry.outcome() != Outcome.DONE) {
        problems.add(entry.verticle() + " did not undeploy: " + entry.outcome().wireName()
            + entry.reason().map(r -> " (" + r + ")").orElse(""));
      }
    }
    StopOutcome outcome = problems.isEmpty() ? StopOutcome.GRACEFUL : StopOutcome.FORCED;
    return new StopReport(trigger, reason, start, end, deadlineMs, outcome, forcedBy, problems, phases, undeployed,
        children);
  }

  /** The report of a stop that failed in the coordinator itself: forced, with the failure as its problem. */
  StopReport failed(long end, Throwable cause) {
    return new StopReport(trigger, reason, start, end, deadlineMs, StopOutcome.FORCED, Optional.empty(),
        List.of("the stop failed in the coordinator: " + cause), List.of(), List.of(), List.of());
  }

  private static Optional<String> problemOf(StopReport.Phase phase, ParticipantOutcome outcome) {
    String who = outcome.participant();
    return Optional.ofNullable(switch (outcome.outcome()) {
      case TIMED_OUT -> "participant " + who + " timed out in phase " + phase.phase() + " (budget "
          + phase.budgetMs() + " ms)";
      case FAILED -> "participant " + who + " failed in phase " + phase.phase() + ": " + outcome.reason().orElse(null);
      case FORCED -> "participant " + who + " was cut short in phase " + phase.phase();
      case DONE, NOTIFIED, UNREGISTERED -> null;
    });
  }
}
