package dev.quiesce.lifecycle.impl;

import dev.quiesce.lifecycle.Participant;
import java.util.Objects;
import java.util.Set;

/** The name, the one phase and the {@code after} names of the built-in drains ({@code BlockingWork}, {@code PeriodicTimers}, closes). */
abstract class SinglePhaseParticipant implements Participant {

  private final String name;
  private final String phase;
  private final Set<String> after;

  SinglePhaseParticipant(String name, String phase, Set<String> after) {
    this.name = Objects.requireNonNull(name, "name");
    this.phase = Objects.requireNonNull(phase, "phase");
    this.after = Set.copyOf(Objects.requireNonNull(after, "after"));
  }

  @Override
  public final String name() {
    return name;
  }

  @Override
  public final Set<String> phases() {
    return Set.of(phase);
  }

  @Override
  public final Set<String> after() {
    return after;
  }

  /** The phase this participant acts in. */
  final String phase() {
    return phase;
  }
}
