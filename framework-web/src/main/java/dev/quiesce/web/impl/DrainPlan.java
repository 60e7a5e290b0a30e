package dev.quiesce.web.impl;

/**
 * How one server drains: for {@code windowMs} the listener keeps accepting while every response
 * carries {@code Connection: close} and its connection closes after it; then the server shuts
 * down; whatever is left at {@code budgetDeadline} is closed and counted as aborted; the result
 * comes at the latest {@code settleMs} after that.
 *
 * @param kind why the server drains
 * @param windowMs the {@code Connection: close} window, at most half of the budget when the drain begins
 * @param budgetDeadline epoch ms at which what is left is cut
 * @param settleMs how long after the budget the result may still wait for the cut to be seen
 */
record DrainPlan(DrainKind kind, long windowMs, long budgetDeadline, long settleMs) {

  /** A plan without a window: the listener closes at once. */
  static DrainPlan immediate(DrainKind kind, long budgetDeadline, long settleMs) {
    return new DrainPlan(kind, 0, budgetDeadline, settleMs);
  }

  /** What is left of the budget now, never negative. */
  long budgetLeftMs() {
    return Math.max(0, budgetDeadline - System.currentTimeMillis());
  }
}
