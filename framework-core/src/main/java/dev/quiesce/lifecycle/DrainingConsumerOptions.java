package dev.quiesce.lifecycle;

/**
 * How a {@link DrainingConsumer} takes part in the stop: its name, by default
 * {@code "eventbus:<address>"}, and {@code "eventbus:<address>#2"}, {@code #3}… for further
 * consumers of the same address on the same Vert.x instance (e.g. a verticle deployed with several
 * instances); its phase; the participants it drains after; and whether it is a local consumer.
 */
public final class DrainingConsumerOptions extends DrainOptions<DrainingConsumerOptions> {

  private boolean localOnly;

  /** The defaults: the name {@code "eventbus:<address>"}, the {@code drain} phase, after no one, not local only. */
  public DrainingConsumerOptions() {
  }

  @Override
  DrainingConsumerOptions self() {
    return this;
  }

  /**
   * True to register with {@code eventBus().localConsumer(…)} (not propagated to a cluster);
   * default false ({@code eventBus().consumer(…)}).
   *
   * @param localOnly whether the consumer is local only
   * @return these options
   */
  public DrainingConsumerOptions setLocalOnly(boolean localOnly) {
    this.localOnly = localOnly;
    return this;
  }

  /**
   * Whether the consumer is registered local only.
   *
   * @return true for {@code localConsumer}
   */
  public boolean isLocalOnly() {
    return localOnly;
  }
}
