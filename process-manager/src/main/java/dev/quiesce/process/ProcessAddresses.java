package dev.quiesce.process;

import dev.quiesce.lifecycle.EventBusContract;

/**
 * The process manager's event-bus addresses, kept for code written against them.
 *
 * @deprecated use {@link EventBusContract#PROCESS_COMMANDS} and {@link EventBusContract#PROCESS_EVENTS}
 *     (event types: {@link EventBusContract.ProcessEvent}); docs/PROCESSES.md lists every field.
 *     This class will be removed
 */
@Deprecated(since = "issue 11", forRemoval = true)
public final class ProcessAddresses {

  /** @see EventBusContract#PROCESS_COMMANDS */
  public static final String COMMANDS = EventBusContract.PROCESS_COMMANDS;

  /** @see EventBusContract#PROCESS_EVENTS */
  public static final String EVENTS = EventBusContract.PROCESS_EVENTS;

  private ProcessAddresses() {
  }
}
