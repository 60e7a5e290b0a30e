package dev.quiesce.lifecycle.impl;

import dev.quiesce.lifecycle.ConfigReloader;
import dev.quiesce.lifecycle.EventBusContract;
import dev.quiesce.lifecycle.EventBusContract.LifecycleEvent;
import dev.quiesce.lifecycle.LifecycleCommand;
import dev.quiesce.lifecycle.LifecycleConfig;
import dev.quiesce.lifecycle.LifecycleState;
import dev.quiesce.lifecycle.Outcome;
import dev.quiesce.lifecycle.PhaseSpec;
import dev.quiesce.lifecycle.Steps;
import dev.quiesce.lifecycle.StopReport;
import dev.quiesce.lifecycle.Trigger;
import dev.quiesce.lifecycle.Upgrader;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state machine behind {@link dev.quiesce.lifecycle.LifecycleCoordinator}: it takes the
 * commands, moves the state and publishes the events, and answers the status. A stop runs as a
 * {@link StopRun}, a reload as a {@link ReloadRun} (a reload asked for while one runs is queued
 * here, and runs once after it); the participants and their acknowledgements are kept by the
 * {@link ParticipantRegistry}. Everything but {@link #trigger}, {@link #state()} and
 * {@link #status()} runs on the coordinator's context.
 */
public final class Coordinator {

  static final Logger LOG = LoggerFactory.getLogger("quiesce.lifecycle");

  private volatile LifecycleConfig config;
  private volatile LifecycleState state = LifecycleState.STARTING;
  private final Map<String, String> deploymentNames = new ConcurrentHashMap<>();
  private final Set<String> retained = ConcurrentHashMap.newKeySet();
  private final AtomicInteger stopTriggers = new AtomicInteger();
  private final Promise<StopReport> stopped = Promise.promise();
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();

  private ConfigReloader reloader = () -> Future.failedFuture(
      new IllegalStateException("reload is not configured for this coordinator"));
  private Runnable haltAction = () -> LOG.error("third stop trigger: halting (no halt action configured)");
  private LongConsumer stopListener = deadline -> { };
  private volatile BiConsumer<LifecycleConfig, JsonObject> reloadListener = (applied, whole) -> { };

  private Vertx vertx;
  private Context context;
  private CoordinatorTimers timers;
  /** Null until {@link #start}: registrations arrive once the coordinator listens. */
  private volatile ParticipantRegistry participants;

  private volatile StopRun stop;
  /** The reload running, or null; {@link #status()} reads it from any thread. */
  private volatile ReloadRun reload;
  /** A reload was asked for while one ran: it runs once that one ends (several asks, one run). */
  private boolean reloadPending;
  /** How {@code upgrade} starts a successor; set by the launcher, else every upgrade is refused. */
  private Upgrader upgrader = UpgradeRun.NOT_CONFIGURED;
  /** The upgrade running, or null: one at a time. */
  private UpgradeRun upgrade;

  public Coordinator(LifecycleConfig config) {
    this.config = config;
  }

  public void reloader(ConfigReloader reloader) {
    this.reloader = reloader;
  }

  public void haltAction(Runnable haltAction) {
    this.haltAction = haltAction;
  }

  public void upgrader(Upgrader upgrader) {
    this.upgrader = upgrader;
  }

  public void stopListener(LongConsumer stopListener) {
    this.stopListener = stopListener;
  }

  public void reloadListener(BiConsumer<LifecycleConfig, JsonObject> reloadListener) {
    this.reloadListener = reloadListener;
  }

  public Future<StopReport> stopped() {
    return stopped.future();
  }

  public LifecycleState state() {
    return state;
  }

  LifecycleConfig config() {
    return config;
  }

  Vertx vertx() {
    return vertx;
  }

  CoordinatorTimers timers() {
    return timers;
  }

  ParticipantRegistry participants() {
    return participants;
  }

  public void nameDeployment(String id, String name) {
    deploymentNames.put(id, name);
  }

  public void retainUntilExit(String id) {
    retained.add(id);
  }

  String deploymentName(String id) {
    return deploymentNames.getOrDefault(id, "deployment " + id);
  }

  Set<String> retained() {
    return retained;
  }

  public Future<?> start(Vertx vertx, Context context) {
    this.vertx = vertx;
    this.context = context;
    this.timers = new CoordinatorTimers(context);
    this.participants = new ParticipantRegistry(vertx.eventBus(), timers, retained::add);
    retained.add(context.deploymentID());
    consumers.add(vertx.eventBus().localConsumer(EventBusContract.COMMANDS, this::onCommand));
    consumers.add(vertx.eventBus().localConsumer(EventBusContract.REGISTER, participants::onRegister));
    consumers.add(vertx.eventBus().<Object>localConsumer(EventBusContract.ACK, participants::onAck));
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList());
  }

  /** Undeploying the coordinator itself: unregister; a stop in progress ends as it is. */
  public Future<?> shutdown() {
    if (stop != null && !stop.isFinished()) {
      stop.force(Trigger.COORDINATOR_UNDEPLOYED, "the lifecycle verticle was undeployed");
    }
    return Future.all(consumers.stream().map(c -> c.unregister().otherwiseEmpty()).toList())
        .onComplete(v -> timers.close());
  }

  /**
   * {@code STARTING → RUNNING}, once the participants' order is valid; fails with every problem of
   * that order (names nobody registered, a cycle) and stays {@code STARTING}. Does nothing once a
   * stop has begun.
   */
  public Future<Void> markRunning() {
    Promise<Void> marked = Promise.promise();
    runOnContext(() -> {
      if (state != LifecycleState.STARTING) {
        marked.complete();
        return;
      }
      List<String> problems = participants.checkOrder();
      if (!problems.isEmpty()) {
        LOG.error("the participants' order is refused: {}", String.join("; ", problems));
        marked.fail(new IllegalStateException("the participants' order is refused: " + String.join("; ", problems)));
        return;
      }
      changeState(LifecycleState.RUNNING, "started");
      StopRehearsal.startOnce(() -> state == LifecycleState.RUNNING);
      marked.complete();
    });
    return marked.future();
  }

  private void runOnContext(Runnable action) {
    if (context == null) {
      throw new IllegalStateException("the lifecycle coordinator is not deployed");
    }
    context.runOnContext(v -> action.run());
  }

  // ---------------------------------------------------------------- commands

  public void trigger(LifecycleCommand command, Trigger trigger, String reason) {
    if (command == LifecycleCommand.STOP) {
      int n = stopTriggers.incrementAndGet();
      if (n >= 3) {
        halt(trigger, reason);
        return;
      }
    }
    runOnContext(() -> {
      try {
        execute(command, trigger, reason, stopTriggers.get());
      } catch (CommandRefused e) {
        LOG.warn("{} ({} {}) refused: {}", command.wireName(), trigger.wireName(), reason, e.getMessage());
      }
    });
  }

  private void onCommand(Message<Object> message) {
    Commands.Command command;
    try {
      command = Commands.parse(message.body());
    } catch (CommandRefused e) {
      message.fail(e.code, e.getMessage());
      return;
    }
    if (command.command() == LifecycleCommand.STATUS) {
      message.reply(status());
      return;
    }
    boolean stopCommand = command.command() == LifecycleCommand.STOP;
    int n = stopCommand ? stopTriggers.incrementAndGet() : stopTriggers.get();
    if (n >= 3 && stopCommand) {
      message.reply(status().put("accepted", true).put("escalation", "halt"));
      halt(Trigger.EVENT_BUS, command.reason());
      return;
    }
    try {
      JsonObject extra = execute(command.command(), Trigger.EVENT_BUS, command.reason(), n);
      message.reply(status().put("accepted", true).mergeIn(extra));
    } catch (CommandRefused e) {
      message.fail(e.code, e.getMessage());
    }
  }

  /** Runs a command on the coordinator's context; returns fields to add to the reply. */
  private JsonObject execute(LifecycleCommand command, Trigger trigger, String reason, int stopTriggerCount) {
    String why = reason == null ? trigger.wireName() : reason;
    switch (command) {
      case STOP -> {
        if (stop == null) {
          if (upgrade != null) {
            // a stop during an upgrade ends the successor, in parallel with this process's own stop
            upgrade.abort(why);
            upgrade = null;
          }
          beginStop(trigger, why);
          return new JsonObject();
        }
        if (stopTriggerCount == 2 && !stop.isFinished()) {
          stop.force(trigger, why);
        }
        return new JsonObject().put("escalation", "force");
      }
      case DRAIN -> {
        requireState(command, LifecycleState.RUNNING);
        changeState(LifecycleState.DRAINING, why);
        runStep(Steps.SUSPEND, why);
        return new JsonObject();
      }
      case RESUME -> {
        requireState(command, LifecycleState.DRAINING);
        changeState(LifecycleState.RUNNING, why);
        runStep(Steps.RESUME, why);
        return new JsonObject();
      }
      case RELOAD -> {
        refuseWhileStartingOrStopping(command);
        if (reload != null) {
          reloadPending = true;
          return new JsonObject().put("queued", true);
        }
        beginReload(why);
        return new JsonObject();
      }
      case UPGRADE -> {
        refuseWhileStartingOrStopping(command);
        if (reload != null) {
          throw new CommandRefused(409, "upgrade refused: a reload is running");
        }
        if (upgrade != null) {
          throw new CommandRefused(409, "upgrade refused: an upgrade is already running" + upgrade.successor());
        }
        upgrader.unavailable().ifPresent(why2 -> {
          throw new CommandRefused(409, "upgrade refused: " + why2);
        });
        beginUpgrade(why);
        return new JsonObject();
      }
      default -> throw new CommandRefused(400, "\"" + command.wireName() + "\" changes nothing to run");
    }
  }

  private void refuseWhileStartingOrStopping(LifecycleCommand command) {
    if (stop != null) {
      throw new CommandRefused(409, command.wireName() + " refused: the application is stopping");
    }
    if (state == LifecycleState.STARTING) {
      throw new CommandRefused(409, command.wireName() + " refused: the application is still starting");
    }
  }

  private void requireState(LifecycleCommand command, LifecycleState required) {
    if (state != required) {
      throw new CommandRefused(409, command.wireName() + " refused: the application is " + state.name().toLowerCase()
          + (required == LifecycleState.DRAINING ? ", not draining" : ""));
    }
  }

  private void halt(Trigger trigger, String reason) {
    LOG.error("third stop trigger ({} {}): halting now", trigger.wireName(), reason);
    haltAction.run();
  }

  // ---------------------------------------------------------------- stop

  private void beginStop(Trigger trigger, String reason) {
    changeState(LifecycleState.STOPPING, reason);
    StopRun run = new StopRun(this, trigger, reason);
    stop = run;
    stopListener.accept(run.deadline());
    run.run().onComplete(ar -> {
      StopReport report = ar.succeeded() ? ar.result() : run.failedReport(ar.cause());
      JsonObject json = report.toJson();
      // encoded once, for the file and the log; the file is written on a worker meanwhile
      String encoded = json.encode();
      Future<Void> written = ReportFile.write(vertx, timers, config.reportFile(), encoded);
      changeState(LifecycleState.STOPPED, report.outcome().wireName());
      JsonObject reportEvent = new JsonObject().put("report", json);
      config.reportFile().ifPresent(file -> reportEvent.put("reportFile", file));
      event(LifecycleEvent.REPORT, reportEvent);
      LOG.info("stop report {}", encoded);
      written.onComplete(w -> stopped.tryComplete(report));
    });
  }

  // ---------------------------------------------------------------- steps: suspend, resume

  private void runStep(String name, String reason) {
    long now = System.currentTimeMillis();
    Round round = participants.publish(name, now, now + config.stepTimeout().toMillis(), false, reason,
        new JsonObject());
    round.begin(Outcome.TIMED_OUT).onComplete(ar -> event(LifecycleEvent.STEP, new JsonObject().put("step", name)
        .put("seq", round.seq).put("durationMs", round.durationMs())
        .put("participants", round.participantsJson())));
  }

  // ---------------------------------------------------------------- reload

  private void beginReload(String reason) {
    LifecycleState before = state;
    ReloadRun run = new ReloadRun(reason, config.reloadTimeout(), reloader, participants, timers, this::event,
        applied -> config = applied, reloadListener);
    reload = run;
    changeState(LifecycleState.RELOADING, reason);
    run.run().onComplete(ar -> {
      reload = null;
      if (state == LifecycleState.RELOADING) {
        changeState(before, "reload finished");
      }
      if (reloadPending && stop == null) {
        reloadPending = false;
        beginReload("coalesced reload");
      }
    });
  }

  // ---------------------------------------------------------------- upgrade

  private void beginUpgrade(String reason) {
    UpgradeRun run = new UpgradeRun(upgrader, reason, this::event);
    upgrade = run;
    run.run().onComplete(ar -> runOnContext(() -> {
      if (upgrade != run) {
        return; // aborted by a stop, which runs already
      }
      upgrade = null;
      if (ar.succeeded()) {
        beginStop(Trigger.UPGRADE, "upgrade: successor pid " + ar.result() + " is ready");
      }
    }));
  }

  // ---------------------------------------------------------------- state and events

  void changeState(LifecycleState next, String reason) {
    LifecycleState previous = state;
    if (previous == next) {
      return;
    }
    state = next;
    LOG.info("state {} -> {} ({})", previous, next, reason);
    event(LifecycleEvent.STATE, new JsonObject().put("from", previous.name()).put("to", next.name())
        .put("reason", reason).put("at", System.currentTimeMillis()));
  }

  /** Publishes an event on {@link EventBusContract#EVENTS}: {@code "type"} first, then {@code fields}. */
  void event(LifecycleEvent type, JsonObject fields) {
    vertx.eventBus().publish(EventBusContract.EVENTS, new JsonObject().put("type", type.wireName()).mergeIn(fields),
        EventBusContract.nodeLocal());
  }

  public JsonObject status() {
    StopRun run = stop;
    JsonObject status = new JsonObject().put("state", state.name());
    if (run != null && !run.isFinished()) {
      long now = System.currentTimeMillis();
      status.put("phase", run.currentPhase()).put("phaseDeadline", run.currentPhaseDeadline())
          .put("stopDeadline", run.deadline()).put("timeLeftMs", StopRun.remainingMs(run.deadline(), now))
          .put("waitingFor", new JsonArray(run.currentlyWaitingFor()));
    } else {
      status.putNull("phase").putNull("phaseDeadline").putNull("stopDeadline").putNull("timeLeftMs")
          .putNull("waitingFor");
    }
    ParticipantRegistry registry = participants;
    status.put("participants", registry == null ? new JsonArray() : registry.names());
    status.put("reloading", reload != null);
    UpgradeRun up = upgrade;
    if (up != null) {
      status.put("upgrading", true);
    }
    status.put("phases", new JsonArray(config.phases().stream()
        .map(p -> new JsonObject().put("name", p.name()).put("budgetMs", p.timeout().toMillis())).toList()));
    status.put("shutdownTimeoutMs", config.shutdownTimeout().toMillis());
    return status;
  }

  List<PhaseSpec> phases() {
    return config.phases();
  }
}
