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

  /** The participant's name in the stop report; each drain has its default (see its options). */
  public T setName(String name) {
    this.name = Objects.requireNonNull(name, "name");
    return self();
  }

  /** The stop phase in which it drains; default {@link Steps#DRAIN}. */
  public T setPhase(String phase) {
    this.phase = Objects.requireNonNull(phase, "phase");
    return self();
  }

  /**
   * The participants after which it drains ({@link Participant#after()}), e.g. {@code Set.of("http")}:
   * it keeps serving until they have answered the phase. Default: none.
   */
  public T setAfter(Set<String> after) {
    this.after = Set.copyOf(Objects.requireNonNull(after, "after"));
    return self();
  }

  /** The name set, or null for the default. */
  public String getName() {
    return name;
  }

  public String getPhase() {
    return phase;
  }

  public Set<String> getAfter() {
    return after;
  }
}
