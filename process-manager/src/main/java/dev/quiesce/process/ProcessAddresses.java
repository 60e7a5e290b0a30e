package dev.quiesce.process;

/**
 * The event-bus addresses of the process manager. Messages are {@link io.vertx.core.json.JsonObject}s;
 * docs/PROCESSES.md lists every field.
 */
public final class ProcessAddresses {

  /**
   * Request/reply: {@code {"command":"list"|"status"|"start"|"stop"|"restart"|"signal",
   * "group":"workers","instance":0,"signal":"HUP"}}. A malformed request is answered with a
   * {@link io.vertx.core.eventbus.ReplyException} of failure code 400 and changes nothing; an
   * unknown group or instance gets 404; a command not possible now (the manager is stopping) 409.
   */
  public static final String COMMANDS = "quiesce.process";

  /**
   * Publish: {@code {"type":"started"|"ready"|"exited"|"restarting"|"crash-loop"|"start-failed"|
   * "ready-timeout"|"signalled"|"stragglers-killed"|"swept"|"output", "group":…, "instance":…, "at":…}}.
   */
  public static final String EVENTS = "quiesce.process.events";

  private ProcessAddresses() {
  }
}
