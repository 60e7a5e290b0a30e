package dev.quiesce.lifecycle;

/**
 * The time a participant keeps back from a phase or step to send its acknowledgement before the
 * deadline: a tenth of what is left, at most 250 ms. The framework's own participants (HTTP, event-bus
 * consumers, blocking work) use it; a participant of the application may too, so that its answer
 * arrives before the coordinator marks it {@code timed-out}.
 */
public final class AckMargin {

  private static final long MAX_MS = 250;

  private AckMargin() {
  }

  /**
   * The margin kept back from {@code remainingMs}.
   *
   * @param remainingMs the time left, in milliseconds
   * @return a tenth of it, at most 250 ms; 0 when nothing is left
   */
  public static long of(long remainingMs) {
    return Math.min(MAX_MS, Math.max(0, remainingMs) / 10);
  }

  /**
   * What is left of {@code remainingMs} for the work itself, after the margin.
   *
   * @param remainingMs the time left, in milliseconds
   * @return the milliseconds usable, never negative
   */
  public static long usable(long remainingMs) {
    return Math.max(0, remainingMs - of(remainingMs));
  }

  /**
   * The smallest budget that holds a wait of {@code waitMs} and the margin above it: {@code waitMs}
   * plus 250 ms from 2.25 s on, about a ninth more below that.
   *
   * @param waitMs the wait, in milliseconds
   * @return the budget, in milliseconds
   */
  public static long budgetFor(long waitMs) {
    long wait = Math.max(0, waitMs);
    long budget = Math.min(wait + MAX_MS, wait * 10 / 9);
    while (usable(budget) < waitMs) {
      budget++;
    }
    return budget;
  }

  /**
   * How long a wait of {@code wantedMs} may last when {@code remainingMs} is left: all of it while
   * at least half the margin stays for the acknowledgement (a budget of {@link #budgetFor} holds the
   * wait and the whole margin; the step reaches the participant a moment after it began), otherwise
   * what {@link #usable} leaves.
   *
   * @param wantedMs the wait wanted, in milliseconds
   * @param remainingMs the time left, in milliseconds
   * @return the milliseconds the wait may last, never more than {@code wantedMs}
   */
  public static long waitWithin(long wantedMs, long remainingMs) {
    if (wantedMs <= remainingMs - of(remainingMs) / 2) {
      return Math.max(0, wantedMs);
    }
    return Math.min(wantedMs, usable(remainingMs));
  }
}
