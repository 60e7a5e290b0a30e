package dev.quiesce.lifecycle;

import java.util.Objects;
import java.util.Set;

/**
 * How a {@link DrainingConsumer} takes part in the stop: the name it is reported under, the
 * phase in which it drains, the participants it drains after, and whether it is a local consumer. Fluent setters, in the style of
 * Vert.x's own options.
 */
public final class DrainingConsumerOptions {

  private String name;
  private String phase = Steps.DRAIN;
  private boolean localOnly;
  private Set<String> after = Set.of();

  /**
   * The participant's name in the stop report; by default {@code "eventbus:<address>"}, and
   * {@code "eventbus:<address>#2"}, {@code #3}… for further consumers of the same address on the
   * same Vert.x instance (e.g. a verticle deployed with several instances).
   */
  public DrainingConsumerOptions setName(String name) {
    this.name = Objects.requireNonNull(name, "name");
    return this;
  }

  /** The stop phase in which the consumer drains; default {@link Steps#DRAIN}. */
  public DrainingConsumerOptions setPhase(String phase) {
    this.phase = Objects.requireNonNull(phase, "phase");
    return this;
  }

  /**
   * True to register with {@code eventBus().localConsumer(…)} (not propagated to a cluster);
   * default false ({@code eventBus().consumer(…)}).
   */
  public DrainingConsumerOptions setLocalOnly(boolean localOnly) {
    this.localOnly = localOnly;
    return this;
  }

  /**
   * The participants after which the consumer drains ({@link Participant#after()}), e.g.
   * {@code Set.of("http")}: it keeps serving until they have answered the phase. Default: none.
   */
  public DrainingConsumerOptions setAfter(Set<String> after) {
    this.after = Set.copyOf(Objects.requireNonNull(after, "after"));
    return this;
  }

  /** The name set, or null for the default. */
  public String getName() {
    return name;
  }

  public String getPhase() {
    return phase;
  }

  public boolean isLocalOnly() {
    return localOnly;
  }

  public Set<String> getAfter() {
    return after;
  }
}
