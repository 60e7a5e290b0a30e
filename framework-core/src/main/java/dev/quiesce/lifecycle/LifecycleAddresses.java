package dev.quiesce.lifecycle;

/**
 * The lifecycle's event-bus addresses, kept for code written against them.
 *
 * @deprecated use {@link EventBusContract}, the one vocabulary of the event-bus contract (its
 *     messages are described in docs/EVENT-BUS.md); this class will be removed
 */
@Deprecated(since = "issue 11", forRemoval = true)
public final class LifecycleAddresses {

  /** @see EventBusContract#COMMANDS */
  public static final String COMMANDS = EventBusContract.COMMANDS;
  /** @see EventBusContract#PHASE */
  public static final String PHASE = EventBusContract.PHASE;
  /** @see EventBusContract#ACK */
  public static final String ACK = EventBusContract.ACK;
  /** @see EventBusContract#EVENTS */
  public static final String EVENTS = EventBusContract.EVENTS;
  /** @see EventBusContract#REGISTER */
  public static final String REGISTER = EventBusContract.REGISTER;
  /** @see EventBusContract#SIGNALS */
  public static final String SIGNALS = EventBusContract.SIGNALS;

  private LifecycleAddresses() {
  }
}
