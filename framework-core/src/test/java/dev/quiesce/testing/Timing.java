package dev.quiesce.testing;

import java.time.Duration;
import java.util.Locale;

/**
 * The one place for the slack of timing assertions. Lower bounds ("waited at least the budget")
 * are exact and never scaled; upper bounds ("did not wait much longer") and the deadlines of
 * polling waits are written as the time a 2-core machine needs and passed through
 * {@link #upTo(long)}, which multiplies them by {@code QUIESCE_TEST_TIME_FACTOR} (environment
 * variable, default 1, at least 1) for slower machines, e.g. {@code QUIESCE_TEST_TIME_FACTOR=3 mvn verify}.
 */
public final class Timing {

  /** The environment variable that scales every upper bound. */
  public static final String FACTOR_VARIABLE = "QUIESCE_TEST_TIME_FACTOR";

  /** The factor in force (at least 1). */
  public static final double FACTOR = factor(System.getenv(FACTOR_VARIABLE));

  private Timing() {
  }

  /** An upper bound of {@code ms} milliseconds, scaled by {@link #FACTOR}. */
  public static long upTo(long ms) {
    return Math.round(ms * FACTOR);
  }

  /** An upper bound of {@code bound}, scaled by {@link #FACTOR}. */
  public static Duration upTo(Duration bound) {
    return Duration.ofMillis(upTo(bound.toMillis()));
  }

  static double factor(String value) {
    if (value == null || value.isBlank()) {
      return 1.0;
    }
    try {
      double f = Double.parseDouble(value.trim());
      if (f >= 1.0 && f <= 100.0) {
        return f;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw new IllegalArgumentException(String.format(Locale.ROOT,
        "%s=%s: must be a number from 1 to 100 (the factor for upper bounds of timing assertions)",
        FACTOR_VARIABLE, value));
  }
}
