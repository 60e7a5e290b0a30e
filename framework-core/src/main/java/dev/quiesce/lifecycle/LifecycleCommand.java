package dev.quiesce.lifecycle;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The commands the coordinator answers on {@link EventBusContract#COMMANDS}, also the commands a
 * signal can trigger ({@code lifecycle.signals}) and the management API's {@code POST /lifecycle/<command>}.
 */
public enum LifecycleCommand implements WireNamed {
  /** Run the stop phases and exit; a second stop forces, a third halts. */
  STOP,
  /** Stop taking new work (readiness down) until {@link #RESUME}: the {@code suspend} step. */
  DRAIN,
  /** Take work again after {@link #DRAIN}. */
  RESUME,
  /** Re-read the configuration and hand it to every participant (the {@code reload} step). */
  RELOAD,
  /**
   * Start a successor process (a new version) that binds the same ports; once it is ready, stop with
   * trigger {@code upgrade}; if it is not, end it and keep serving (see {@link Upgrader}). Refused (409)
   * during a stop, a reload, another upgrade, or where ports cannot be shared.
   */
  UPGRADE,
  /** Answer the current status; changes nothing. */
  STATUS;

  /**
   * Whether the command changes the state.
   *
   * @return true for every command but {@link #STATUS}
   */
  public boolean changesState() {
    return this != STATUS;
  }

  /**
   * The commands that change the state: those a signal or the management API can trigger.
   *
   * @return every command but {@link #STATUS}, in declaration order
   */
  public static List<LifecycleCommand> stateChanging() {
    return Arrays.stream(values()).filter(LifecycleCommand::changesState).toList();
  }

  /**

   * The command of a wire name ({@code "stop"}), if there is one; never throws.

   *

   * @param name a wire name, or null

   * @return the command, or empty when none has that wire name

   */
  public static Optional<LifecycleCommand> fromWire(String name) {
    return WireNamed.fromWire(LifecycleCommand.class, name);
  }

  /**

   * The wire names of every command, for messages that say what to write instead.

   *

   * @return the names, in declaration order

   */
  public static List<String> wireNames() {
    return WireNamed.wireNames(LifecycleCommand.class);
  }
}
