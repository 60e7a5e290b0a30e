package dev.quiesce.lifecycle;

import java.util.Objects;
import java.util.Set;

/**
 * What every built-in drain made from options ({@link DrainingConsumerOptions},
 * {@link DrainingNetServerOptions}) is told: the name it is reported under, the phase in which it
 * drains, and the participants it drains after. Fluent setters, in the style of Vert.x's own options.
 *
 * @param <T> the options' own type, returned by the setters
 */
public abstract class DrainOptions<T extends DrainOptions<T>> {

  private String name;
  private String phase = Steps.DRAIN;
  private Set<String> after = Set.of();

  DrainOptions() {
  }

  /** This object, as its own type, for the fluent setters. */
  abstract T self();

  /**
   * The participant's name in the stop report; each drain has its default (see its options).
   *
   * @param name the name
   * @return these options
   * @throws NullPointerException if {@code name} is null
   */
  public T setName(String name) {
    this.name = Objects.requireNonNull(name, "name");
    return self();
  }

  /**
   * The stop phase in which it drains; default {@link Steps#DRAIN}.
   *
   * @param phase the phase
   * @return these options
   * @throws NullPointerException if {@code phase} is null
   */
  public T setPhase(String phase) {
    this.phase = Objects.requireNonNull(phase, "phase");
    return self();
  }

  /**
   * The participants after which it drains ({@link Participant#after()}), e.g. {@code Set.of("http")}:
   * it keeps serving until they have answered the phase. Default: none.
   *
   * @param after the participants' names (copied)
   * @return these options
   * @throws NullPointerException if {@code after} is null
   */
  public T setAfter(Set<String> after) {
    this.after = Set.copyOf(Objects.requireNonNull(after, "after"));
    return self();
  }

  /**
   * The name set.
   *
   * @return the name, or null for the default
   */
  public String getName() {
    return name;
  }

  /**
   * The stop phase in which it drains.
   *
   * @return the phase
   */
  public String getPhase() {
    return phase;
  }

  /**
   * The participants after which it drains.
   *
   * @return their names; empty for none
   */
  public Set<String> getAfter() {
    return after;
  }
}
