package dev.quiesce.lifecycle;

import dev.quiesce.lifecycle.EventBusContract.SignalAction;
import java.util.List;
import java.util.Optional;

/**
 * What a caught OS signal does: the value side of {@code lifecycle.signals}
 * ({@code {"HUP": "stop"}}), written in the configuration by its {@link #wireName()}. The five
 * commands trigger their {@link LifecycleCommand}; {@link #IGNORE} catches the signal and only
 * publishes it; {@link #DEFAULT} leaves the signal to the JVM.
 *
 * <p>The signal bridge publishes every signal it catches on {@link EventBusContract#SIGNALS} with
 * the mapping's {@link #action()}.
 */
public enum SignalMapping implements WireNamed {
  /** Trigger {@link LifecycleCommand#STOP}. */
  STOP(SignalAction.STOP),
  /** Trigger {@link LifecycleCommand#RELOAD}. */
  RELOAD(SignalAction.RELOAD),
  /** Trigger {@link LifecycleCommand#DRAIN}. */
  DRAIN(SignalAction.DRAIN),
  /** Trigger {@link LifecycleCommand#RESUME}. */
  RESUME(SignalAction.RESUME),
  /** Trigger {@link LifecycleCommand#UPGRADE} (usually on {@code USR1}). */
  UPGRADE(SignalAction.UPGRADE),
  /** Catch the signal and publish it (action {@code none}), e.g. to pass it on to child processes; trigger nothing. */
  IGNORE(SignalAction.NONE),
  /** Do not catch the signal: the JVM's own handling of it stays. */
  DEFAULT(SignalAction.NONE);

  private final SignalAction action;

  SignalMapping(SignalAction action) {
    this.action = action;
  }

  /**
   * Whether the signal bridge installs a handler for a signal with this mapping.
   *
   * @return true for every mapping but {@link #DEFAULT}
   */
  public boolean caught() {
    return this != DEFAULT;
  }

  /**
   * The {@code "action"} the signal bridge publishes for a signal with this mapping: the command's,
   * or {@link SignalAction#NONE} for {@link #IGNORE} ({@link #DEFAULT} is never caught, so never published).
   *
   * @return the action
   */
  public SignalAction action() {
    return action;
  }

  /**
   * The command a signal with this mapping triggers, if it triggers one.
   *
   * @return the command, or empty for {@link #IGNORE} and {@link #DEFAULT}
   */
  public Optional<LifecycleCommand> command() {
    return action.command();
  }

  /**

   * The mapping of a configuration value ({@code "stop"}), if there is one; never throws.

   *

   * @param name a wire name, or null

   * @return the mapping, or empty when none has that wire name

   */
  public static Optional<SignalMapping> fromWire(String name) {
    return WireNamed.fromWire(SignalMapping.class, name);
  }

  /**

   * The configuration values of every mapping, for messages that say what to write instead.

   *

   * @return the names, in declaration order

   */
  public static List<String> wireNames() {
    return WireNamed.wireNames(SignalMapping.class);
  }
}
