package dev.quiesce.lifecycle;

import java.time.Duration;
import java.util.Objects;

/**
 * One stop phase as configured: its name and its budget. The coordinator never gives a phase
 * more than what is left of {@code lifecycle.shutdownTimeout}.
 *
 * @param name the phase's name
 * @param timeout the phase's budget
 */
public record PhaseSpec(String name, Duration timeout) {

  /**
   * Checks the components.
   *
   * @param name the phase's name
   * @param timeout the phase's budget
   * @throws NullPointerException if {@code name} or {@code timeout} is null
   */
  public PhaseSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(timeout, "timeout");
  }
}
