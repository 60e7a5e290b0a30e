package dev.quiesce.lifecycle;

import java.util.Optional;

/**
 * What happened to one participant in one phase or step, and to one deployment in the undeploy
 * of a stop: the {@code "outcome"} of {@link ParticipantOutcome} and {@link StopReport.Undeployed}.
 */
public enum Outcome implements WireNamed {
  /** Answered {@code done} in time (a deployment: undeployed). */
  DONE,
  /** Answered {@code failed}, with a reason (a deployment: its undeploy failed). */
  FAILED,
  /** Did not answer within the budget (a deployment: did not undeploy in time and was abandoned). */
  TIMED_OUT,
  /** Cut short by a second stop trigger, or announced in a forced phase: nothing was waited for. */
  FORCED,
  /** Announced in a phase of budget 0, which is not awaited: silence there is no fault. */
  NOTIFIED,
  /** Left (unregistered) during the phase. */
  UNREGISTERED;

  /**

   * The outcome of a wire name, if there is one.

   *

   * @param name a wire name, or null

   * @return the outcome, or empty when none has that wire name

   */
  public static Optional<Outcome> fromWire(String name) {
    return WireNamed.fromWire(Outcome.class, name);
  }
}
