package dev.quiesce.lifecycle.impl;

import dev.quiesce.lifecycle.Participant;
import java.util.Objects;
import java.util.Set;

/** The name and the one phase of the built-in drains ({@code BlockingWork}, {@code PeriodicTimers}, closes). */
abstract class SinglePhaseParticipant implements Participant {

  private final String name;
  private final String phase;

  SinglePhaseParticipant(String name, String phase) {
    this.name = Objects.requireNonNull(name, "name");
    this.phase = Objects.requireNonNull(phase, "phase");
  }

  @Override
  public final String name() {
    return name;
  }

  @Override
  public final Set<String> phases() {
    return Set.of(phase);
  }

  /** The phase this participant acts in. */
  final String phase() {
    return phase;
  }
}
