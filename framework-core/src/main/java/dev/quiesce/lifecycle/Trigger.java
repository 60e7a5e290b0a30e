package dev.quiesce.lifecycle;

import java.util.Optional;

/** Who asked for a command: the {@code "trigger"} of the stop report and of {@code forcedBy}. */
public enum Trigger implements WireNamed {
  /** An OS signal caught by the signal bridge (the reason names it: {@code SIGTERM}). */
  SIGNAL,
  /** The JVM is shutting down (System.exit elsewhere, or a signal the JVM handled itself). */
  SHUTDOWN_HOOK,
  /** A command on {@link EventBusContract#COMMANDS}, which is also how the management API sends one. */
  EVENT_BUS,
  /** The application failed to start: the launcher stops what did start. */
  STARTUP_FAILURE,
  /** The lifecycle verticle itself was undeployed during a stop: the stop is forced. */
  COORDINATOR_UNDEPLOYED,
  /** The successor of an {@code upgrade} is ready: this process stops (the reason names the successor's pid). */
  UPGRADE,
  /**
   * The configuration file changed and {@code lifecycle.watchConfig} is on: only ever a reload (the reason
   * names the file), never a stop.
   */
  CONFIG_FILE,
  /** Application code that calls {@link LifecycleCoordinator#trigger} itself. */
  APPLICATION;

  /**

   * The trigger of a wire name, if there is one.

   *

   * @param name a wire name, or null

   * @return the trigger, or empty when none has that wire name

   */
  public static Optional<Trigger> fromWire(String name) {
    return WireNamed.fromWire(Trigger.class, name);
  }
}
