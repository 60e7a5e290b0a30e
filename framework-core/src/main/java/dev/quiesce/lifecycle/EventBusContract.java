package dev.quiesce.lifecycle;

import io.vertx.core.eventbus.DeliveryOptions;
import java.util.List;
import java.util.Optional;

/**
 * The vocabulary of the event-bus contract, in one place: every address, event type, signal
 * action and reload outcome that the framework's modules send or answer, and the one limit on a
 * command's {@code reason}. docs/EVENT-BUS.md describes each message field by field (and
 * docs/PROCESSES.md those of the process manager); a test fails when the documents and these types
 * disagree. Messages are {@link io.vertx.core.json.JsonObject}s.
 *
 * <p>The lifecycle's command names are {@link LifecycleCommand}, the process manager's
 * {@link ProcessCommand}; participant and undeploy outcomes are
 * {@link Outcome}; the stop report is {@link StopReport} with its {@link StopOutcome}.
 */
public final class EventBusContract {

  /**
   * Request/reply, to the coordinator: {@code {"command": <LifecycleCommand>, "reason": "…"}}.
   * A malformed command gets a {@link io.vertx.core.eventbus.ReplyException} with code 400, one not
   * possible in the current state 409; nothing changes then.
   */
  public static final String COMMANDS = "quiesce.lifecycle";

  /**
   * Publish, from the coordinator: {@link PhaseContext#toJson()}, for every stop phase and for
   * the steps {@code suspend} (command drain), {@code resume} and {@code reload} (with {@code "config"}).
   */
  public static final String PHASE = "quiesce.lifecycle.phase";

  /**
   * Send, to the coordinator: {@code {"participant":"http","phase":"drain","seq":N,
   * "outcome":"done"|"failed","reason":"…","detail":{…}}}.
   */
  public static final String ACK = "quiesce.lifecycle.ack";

  /** Publish, from the coordinator: a {@code "type"} of {@link LifecycleEvent} and its fields. */
  public static final String EVENTS = "quiesce.lifecycle.events";

  /**
   * Request/reply, to the coordinator: {@code {"participant":"http","phases":["announce","drain"]}}
   * registers a participant; {@code {"participant":"http","unregister":true}} removes it.
   */
  public static final String REGISTER = "quiesce.lifecycle.register";

  /**
   * Publish, from the signal bridge: {@code {"signal":"HUP","action":<SignalAction>,"count":N}} for
   * every OS signal caught.
   */
  public static final String SIGNALS = "quiesce.signal";

  /**
   * Request/reply, to the process manager (module {@code process-manager}):
   * {@code {"command":<ProcessCommand>,"group":…,"instance":…,"signal":…}}. 400 for a malformed
   * request, 404 for an unknown group or instance, 409 for a command not possible now (the manager
   * is stopping).
   */
  public static final String PROCESS_COMMANDS = "quiesce.process";

  /** Publish, from the process manager: a {@code "type"} of {@link ProcessEvent}, {@code "at"} and its fields. */
  public static final String PROCESS_EVENTS = "quiesce.process.events";

  /** Every address above. */
  public static final List<String> ADDRESSES =
      List.of(COMMANDS, PHASE, ACK, EVENTS, REGISTER, SIGNALS, PROCESS_COMMANDS, PROCESS_EVENTS);

  /**
   * Request/reply, cluster-wide: a clustered node's fleet service (module framework-cluster, whose
   * {@code FleetAddresses.FLEET} is this address and describes its messages); framework-web's
   * {@code /fleet/*} routes ask the local one. Declared here, where both modules see it. Not in
   * {@link #ADDRESSES}, which are node-local: this one spans the cluster.
   */
  public static final String FLEET = "quiesce.fleet";

  /**
   * Node-local, request/reply, answered by the management listener (framework-web) when there is one:
   * {@code {}} gets the same body as {@code GET /lifecycle/status}; a clustered node's fleet service
   * (framework-cluster) asks it for this node's part of the fleet status. Not in {@link #ADDRESSES}
   * (the lifecycle's own): it belongs to the fleet, though like them it never leaves the node.
   */
  public static final String FLEET_LOCAL_STATUS = "quiesce.fleet.local.status";

  /**
   * The longest {@code reason} a command may carry, in characters. The coordinator refuses a
   * longer one (400); the management API cuts a longer one to this length before it sends it.
   */
  public static final int MAX_REASON_LENGTH = 500;

  private EventBusContract() {
  }

  /**
   * Delivery options that keep a message on this node ({@code localOnly}). Quiesce sends and
   * publishes every message on the addresses above with them, and consumes them with local consumers
   * only, so in a clustered Vert.x one node's phases, acks, registrations, commands and events never
   * reach another node, whatever consumer another node registers, and no send waits for the cluster
   * manager. Send your own commands to {@link #COMMANDS} or {@link #PROCESS_COMMANDS} with them too: a
   * cluster-wide send finds no Quiesce consumer on another node (by design), only this node's.
   *
   * @return new options with {@code localOnly} set, to be changed further (a send timeout, say)
   */
  public static DeliveryOptions nodeLocal() {
    return new DeliveryOptions().setLocalOnly(true);
  }

  /** The {@code "type"} of the events on {@link #EVENTS}. */
  public enum LifecycleEvent implements WireNamed {
    /** {@code from}, {@code to}, {@code reason}, {@code at}: the state changed. */
    STATE,
    /** {@code phase}, {@code seq}, {@code budgetMs}, {@code deadline}, {@code forced}: a stop phase began. */
    PHASE_START,
    /** {@code phase}, {@code seq}, {@code budgetMs}, {@code durationMs}, {@code forced}, {@code participants}. */
    PHASE_END,
    /** {@code step} ({@code suspend} or {@code resume}), {@code seq}, {@code durationMs}, {@code participants}. */
    STEP,
    /**
     * {@code outcome} ({@link ReloadOutcome}), {@code reason}, {@code error}, {@code problems},
     * {@code durationMs}, {@code participants}.
     */
    RELOAD,
    /**
     * {@code outcome} ({@link UpgradeOutcome}), {@code reason}, {@code successorGroup},
     * {@code successorPid} (once ready), {@code durationMs}, and for
     * {@code failed} the {@code error} and the successor's last {@code output} lines.
     */
    UPGRADE,
    /**
     * {@code report}: the {@link StopReport}; {@code reportFile}: where it is written
     * ({@code lifecycle.reportFile} as the stop found it), absent when not set. Always the last event.
     */
    REPORT;

    /**
     * The event type of a wire name, if there is one.
     *
     * @param name a wire name, or null
     * @return the event type, or empty when none has that wire name
     */
    public static Optional<LifecycleEvent> fromWire(String name) {
      return WireNamed.fromWire(LifecycleEvent.class, name);
    }
  }

  /** The {@code "type"} of the events on {@link #PROCESS_EVENTS}; docs/PROCESSES.md lists their fields. */
  public enum ProcessEvent implements WireNamed {
    /** An instance's child process started. */
    STARTED,
    /** An instance became ready. */
    READY,
    /** An instance's child could not be started. */
    START_FAILED,
    /** An instance did not become ready within its {@code ready.timeout}. */
    READY_TIMEOUT,
    /** An instance's stop ladder begins; it is no longer ready. */
    STOPPING,
    /** An instance's child exited, stopped by the manager or on its own. */
    EXITED,
    /** An instance that exited on its own will be started again after a delay. */
    RESTARTING,
    /** A group restarted too often within its window: no more restarts until a reload or a {@code start}. */
    CRASH_LOOP,
    /** Processes left in the process group of an exited child were killed. */
    STRAGGLERS_KILLED,
    /** A descendant of a child was seen outside the child's process group. */
    ESCAPED,
    /** Descendants outside the group still running when the child exited were killed. */
    ESCAPEES_KILLED,
    /** A signal was sent to instances (passed on, or by a {@code signal} command). */
    SIGNALLED,
    /** A child left behind by an earlier run was found through the state directory and dealt with. */
    SWEPT,
    /** A line of a child's output. */
    OUTPUT,
    /** An instance failed its health check and is stopped along its ladder. */
    UNHEALTHY;

    /**
     * The event type of a wire name, if there is one.
     *
     * @param name a wire name, or null
     * @return the event type, or empty when none has that wire name
     */
    public static Optional<ProcessEvent> fromWire(String name) {
      return WireNamed.fromWire(ProcessEvent.class, name);
    }
  }

  /**
   * The {@code "command"} of a request on {@link #PROCESS_COMMANDS}; docs/PROCESSES.md lists what
   * each needs, does and answers.
   */
  public enum ProcessCommand implements WireNamed {
    /** The manager's state and every group's status. */
    LIST,
    /** One instance's status, one group's, or (without a {@code group}) the same as {@link #LIST}. */
    STATUS,
    /** Start the instances of a group (or one) that are not running; ends a crash loop. */
    START,
    /** Stop the instances of a group (or one) along the stop ladder; they stay stopped. */
    STOP,
    /** Stop and start the instances of a group (or one), one at a time, each once the new one is ready. */
    RESTART,
    /** Send the request's {@code "signal"} to the process group of each running instance of a group (or one). */
    SIGNAL;

    /**
     * Whether the command needs a {@code "group"}.
     *
     * @return true for all but {@link #LIST} and {@link #STATUS}
     */
    public boolean needsGroup() {
      return this != LIST && this != STATUS;
    }

    /**
     * The command of a wire name ({@code "restart"}), if there is one; never throws.
     *
     * @param name a wire name, or null
     * @return the command, or empty when none has that wire name
     */
    public static Optional<ProcessCommand> fromWire(String name) {
      return WireNamed.fromWire(ProcessCommand.class, name);
    }

    /**
     * The wire names of every command, for messages that say what to write instead.
     *
     * @return the names, in declaration order
     */
    public static List<String> wireNames() {
      return WireNamed.wireNames(ProcessCommand.class);
    }
  }

  /** The {@code "action"} of a message on {@link #SIGNALS}: what the caught signal did. */
  public enum SignalAction implements WireNamed {
    /** Triggered the command {@code stop}. */
    STOP,
    /** Triggered the command {@code drain}. */
    DRAIN,
    /** Triggered the command {@code resume}. */
    RESUME,
    /** Triggered the command {@code reload}. */
    RELOAD,
    /** Triggered the command {@code upgrade}. */
    UPGRADE,
    /** Nothing: the signal is mapped to {@code ignore}, or caught only to be passed on to child processes. */
    NONE,
    /**
     * Nothing: the same signal came again within {@code lifecycle.signalDebounce}; listeners that
     * pass signals on (the process manager) skip it too.
     */
    DUPLICATE;

    /**
     * The command this action triggers, if it triggers one.
     *
     * @return the lifecycle command, or empty for {@link #NONE} and {@link #DUPLICATE}
     */
    public Optional<LifecycleCommand> command() {
      return LifecycleCommand.fromWire(wireName()).filter(LifecycleCommand::changesState);
    }

    /**
     * The action of a wire name, if there is one.
     *
     * @param name a wire name, or null
     * @return the action, or empty when none has that wire name
     */
    public static Optional<SignalAction> fromWire(String name) {
      return WireNamed.fromWire(SignalAction.class, name);
    }
  }

  /** The {@code "outcome"} of a {@link LifecycleEvent#RELOAD} event. */
  public enum ReloadOutcome implements WireNamed {
    /** Every participant applied the new configuration (or left). */
    DONE,
    /** Some participant failed or did not answer; the others applied it. */
    PARTIAL,
    /** The new configuration could not be read or is invalid: nothing changed. */
    FAILED
  }

  /** The {@code "outcome"} of a {@link LifecycleEvent#UPGRADE} event. */
  public enum UpgradeOutcome implements WireNamed {
    /** The successor process was started ({@code successorGroup}); this process still serves. */
    STARTED,
    /** The successor said it is ready: this process now stops with trigger {@code upgrade}. */
    DONE,
    /** The successor could not start, exited or was not ready in time: it was ended; this process serves on. */
    FAILED
  }
}
