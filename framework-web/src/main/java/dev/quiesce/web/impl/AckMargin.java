package dev.quiesce.web.impl;

/**
 * The time the HTTP participant keeps back from a phase or step to send its acknowledgement
 * before the deadline: a tenth of what is left, at most 250 ms.
 */
public final class AckMargin {

  private static final long MAX_MS = 250;

  private AckMargin() {
  }

  /** The margin kept back from {@code remainingMs}. */
  public static long of(long remainingMs) {
    return Math.min(MAX_MS, Math.max(0, remainingMs) / 10);
  }

  /** What is left of {@code remainingMs} for the work itself, after the margin. */
  public static long usable(long remainingMs) {
    return Math.max(0, remainingMs - of(remainingMs));
  }
}
