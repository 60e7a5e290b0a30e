package dev.quiesce.process.impl;

import dev.quiesce.process.ProcessGroupConfig.Restart;
import java.util.function.DoubleSupplier;

/** The delay before a restart. */
public final class Backoff {

  private Backoff() {
  }

  /**
   * The delay of the restart that follows {@code previous} restarts of the same instance within
   * the window: {@code base = min(max, initial * multiplier^previous)}, then spread by
   * {@code base * jitter * u} with {@code u} uniform in [-1, 1], and never more than {@code max}.
   *
   * @param random uniform in [0, 1)
   * @return milliseconds, in {@code [base * (1 - jitter), min(max, base * (1 + jitter))]}
   */
  public static long delayMs(Restart r, int previous, DoubleSupplier random) {
    double max = r.max().toMillis();
    double base = Math.min(max, r.initial().toMillis() * Math.pow(r.multiplier(), previous));
    double u = random.getAsDouble() * 2 - 1;
    double jittered = base + base * r.jitter() * u;
    return Math.round(Math.max(0, Math.min(max, jittered)));
  }
}
