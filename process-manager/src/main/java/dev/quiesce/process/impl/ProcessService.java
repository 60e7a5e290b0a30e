package dev.quiesce.process.impl;

import dev.quiesce.config.ConfigException;
import dev.quiesce.lifecycle.EventBusContract.LifecycleEvent;
import dev.quiesce.lifecycle.EventBusContract.SignalAction;
import dev.quiesce.lifecycle.EventBusContract;
import dev.quiesce.lifecycle.HaltHooks;
import dev.quiesce.lifecycle.LifecycleConfig;
import dev.quiesce.lifecycle.Participant;
import dev.quiesce.lifecycle.Participants;
import dev.quiesce.lifecycle.PhaseContext;
import dev.quiesce.lifecycle.PhaseSpec;
import dev.quiesce.lifecycle.UpgradeHandover;
import dev.quiesce.process.ProcessGroupConfig;
import dev.quiesce.process.ProcessManagerOptions;
import dev.quiesce.process.ProcessManagerVerticle;
import dev.quiesce.process.ProcessesConfig;
import dev.quiesce.process.impl.ChildLauncher.Tools;
import dev.quiesce.process.impl.ChildRecords.Swept;
import dev.quiesce.signal.PosixSignal;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The process manager verticle's logic: sweeps an earlier run's leftovers, starts the guardian,
 * listens to the commands, the application's signals and forced phases, does the participant's
 * work (the terminate phase and the reload step) and releases everything at the end. The verticle
 * is the {@link Participant} and passes its phases here. Runs on the verticle's context.
 */
public final class ProcessService {

  private static final Logger LOG = LoggerFactory.getLogger(ProcessManagerVerticle.class);

  private final Vertx vertx;
  private final Context context;
  private final ProcessManagerOptions options;
  /** The whole configuration the verticle was deployed with: a reload step without one reloads it again. */
  private final JsonObject fullConfig;
  private final ProcessesConfig config;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private Supervisor supervisor;
  private ChildRecords records;
  private Guardian guardian;
  private NotifySocket notifySocket;
  private final Notifications notifications;
  private Runnable haltHook;
  private Participants.Registration registration;

  /**
   * @param fullConfig the verticle's {@code config()}: the whole configuration
   * @param config its {@code processes} section, already validated
   */
  public ProcessService(Vertx vertx, Context context, ProcessManagerOptions options, JsonObject fullConfig,
      ProcessesConfig config) {
    this.vertx = vertx;
    this.context = context;
    this.options = options;
    this.fullConfig = fullConfig;
    this.config = config;
    this.notifications = new Notifications(context, LOG);
  }

  private record Init(List<Swept> swept, ChildRecords records, Guardian guardian, NotifySocket notifySocket) {
  }

  /**
   * Sweeps, starts the guardian, listens, registers {@code participant} with the coordinator (when
   * the options say so) and spawns every instance. Fails when setsid is missing or the registration
   * fails; whatever was set up is released first.
   */
  public Future<Void> start(Participant participant) {
    Tools tools;
    try {
      tools = Tools.find();
    } catch (IllegalStateException e) {
      return Future.failedFuture(e);
    }
    warnAboutEnvironment(tools);
    // loading libc through JNA takes 40-65 ms: done beside the start, not in its way; a signal
    // sent before it is done waits for it (class initialisation), as it would have anyway
    vertx.executeBlocking(() -> {
      Posix.preload();
      return null;
    }, false).onFailure(e -> LOG.warn("could not load libc through JNA: {}", e.toString()));
    Future<Init> init = Future.fromCompletionStage(Spawner.get().submit(() -> {
      List<Swept> swept = ChildRecords.sweep(options.getStateDir());
      ChildRecords rec = ChildRecords.open(options.getStateDir());
      Guardian g = null;
      if (options.isGuardian()) {
        try {
          g = Guardian.start(tools.setsid(), Long.toString(ProcessHandle.current().pid()));
        } catch (IOException e) {
          LOG.error("could not start the guardian process; grandchildren may outlive a JVM that dies", e);
        }
      }
      return new Init(swept, rec, g, openNotifySocket());
    }), context);
    return init.compose(i -> {
      records = i.records();
      guardian = i.guardian();
      notifySocket = i.notifySocket();
      ChildLauncher launcher = new ChildLauncher(tools, options.getParentDeathSignal(), records, guardian);
      supervisor = new Supervisor(vertx, context, launcher, config, i.swept(),
          options.getDescendantScanInterval().toMillis(), notifications, predecessorSwept());
      Supervisor sup = supervisor;
      haltHook = HaltHooks.of(vertx).add(sup::killAllNow);
      listen(sup);
      List<Future<Void>> ready = new ArrayList<>();
      consumers.forEach(c -> ready.add(c.completion()));
      Future<?> registered = Future.join(ready);
      if (options.isLifecycleParticipant()) {
        registered = registered.compose(v -> Participants.register(vertx, participant))
            .onSuccess(r -> registration = r);
      }
      // an upgrade's successor says it is ready only once its children are (the start waits for their spawn only)
      UpgradeHandover.of(vertx).holdHandoverUntil("the child processes' readiness", sup.readyButForThePredecessor());
      return registered.compose(v -> sup.startAll());
    }).recover(err -> release().transform(v -> Future.failedFuture(err)));
  }

  /**
   * In an upgrade's successor: completes once the predecessor has exited and the leftovers it recorded
   * in the state directory are swept (a predecessor killed during the handover leaves its children to
   * its guardian and parent-death signal; what they missed is killed here, by pid and start time, as at
   * any start). Never fails; never completes in a process that is not a successor.
   */
  private Future<Void> predecessorSwept() {
    UpgradeHandover handover = UpgradeHandover.of(vertx);
    if (handover.predecessorPid().isEmpty()) {
      return Promise.<Void>promise().future();
    }
    return handover.whenPredecessorExited().compose(pid -> Future.fromCompletionStage(Spawner.get().submit(() -> {
      List<Swept> swept = ChildRecords.sweepAfterExit(options.getStateDir(), pid);
      LOG.info("upgrade: the predecessor (pid {}) has exited; {} of the children it recorded were still running and"
          + " are killed", pid, swept.stream().filter(s -> s.outcome().equals("killed")).count());
      return swept;
    }), context)).map(swept -> {
      if (supervisor != null) {
        supervisor.published(swept);
      }
      return (Void) null;
    }).otherwise(e -> {
      LOG.warn("upgrade: could not sweep what the predecessor left: {}", e.toString());
      return null;
    });
  }

  /**
   * The sd_notify socket of the children ({@code NOTIFY_SOCKET}), in a new directory under
   * {@code java.io.tmpdir}, else {@code /tmp} (a socket path has at most 107 bytes); null, with a
   * warning, when it cannot be made: children then get no {@code NOTIFY_SOCKET}.
   */
  private NotifySocket openNotifySocket() {
    try {
      NotifySocket socket = NotifySocket.open(List.of(Path.of(System.getProperty("java.io.tmpdir")), Path.of("/tmp")),
          notifications);
      notifications.opened(socket.path());
      return socket;
    } catch (IOException | RuntimeException | LinkageError e) {
      LOG.warn("children get no NOTIFY_SOCKET (their sd_notify messages cannot be received): {}", e.toString());
      notifications.unavailable(e.toString());
      return null;
    }
  }

  /** Commands; the application's signals, passed on; a forced phase-start, which escalates every ladder. */
  private void listen(Supervisor sup) {
    Commands commands = new Commands(sup);
    consumers.add(vertx.eventBus().<Object>localConsumer(EventBusContract.PROCESS_COMMANDS, commands::handle));
    consumers.add(vertx.eventBus().<Object>localConsumer(EventBusContract.SIGNALS, m -> {
      // a "duplicate" is the same signal again within the signal bridge's debounce period: the
      // application treats a burst as one signal, and so do the children
      if (m.body() instanceof JsonObject body && body.getValue("signal") instanceof String name
          && !SignalAction.DUPLICATE.wireName().equals(body.getValue("action"))) {
        PosixSignal.byName(name).ifPresent(sup::propagate);
      }
    }));
    consumers.add(vertx.eventBus().<Object>localConsumer(EventBusContract.EVENTS, m -> {
      if (m.body() instanceof JsonObject e && LifecycleEvent.PHASE_START.wireName().equals(e.getValue("type"))
          && Boolean.TRUE.equals(e.getValue("forced"))) {
        sup.escalate();
      }
    }));
  }

  /** Stops every child along its ladder (no deadline), unregisters and releases; never fails. */
  public Future<Void> stop() {
    if (supervisor == null) {
      return Future.succeededFuture();
    }
    return supervisor.shutdown()
        .eventually(() -> registration != null ? registration.unregister() : Future.succeededFuture())
        .eventually(this::release).mapEmpty();
  }

  /** Stops listening, ends the guardian, closes the notify socket and deletes the record file; completes when done. */
  private Future<Void> release() {
    if (haltHook != null) {
      HaltHooks.of(vertx).remove(haltHook);
    }
    consumers.forEach(MessageConsumer::unregister);
    if (supervisor != null) {
      supervisor.close();
    }
    ChildRecords rec = records;
    Guardian g = guardian;
    NotifySocket socket = notifySocket;
    boolean nothingLeft = supervisor == null || !supervisor.hasLiveGroups();
    return Future.fromCompletionStage(Spawner.get().submit(() -> {
      if (g != null) {
        g.close();
      }
      if (socket != null) {
        socket.close();
      }
      if (rec != null) {
        rec.close(nothingLeft); // a child that could not be killed stays recorded for the next sweep
      }
      return null;
    }), context).mapEmpty();
  }

  /** The terminate phase: every group stops along its ladder within the deadline. Never fails. */
  public Future<JsonObject> terminate(PhaseContext phase) {
    return supervisor.terminate(phase.deadline(), phase.forced());
  }

  /**
   * Applies the reload step's configuration, or the deployed one again when the step carries none.
   * Fails on an invalid configuration, or naming the group and instance when a rolling restart stops.
   */
  public Future<JsonObject> reload(PhaseContext reload) {
    ProcessesConfig next;
    try {
      next = ProcessesConfig.from(reload.config().isEmpty() ? fullConfig : reload.config());
    } catch (ConfigException e) {
      return Future.failedFuture(e);
    }
    return supervisor.reload(next);
  }

  /** The pid of the guardian process, or -1 without one. */
  public long guardianPid() {
    return guardian == null ? -1 : guardian.pid();
  }

  private void warnAboutEnvironment(Tools tools) {
    if (tools.setpriv().isEmpty()) {
      LOG.warn("util-linux's setpriv was not found: children get no parent-death signal and rely on the guardian"
          + " process alone if the JVM dies");
    }
    if (ProcessHandle.current().pid() == 1) {
      LOG.warn("the JVM runs as PID 1 and does not reap orphaned grandchildren: run it under an init such as tini"
          + " (docker run --init)");
    }
    try {
      LifecycleConfig lifecycle = LifecycleConfig.from(fullConfig);
      for (PhaseSpec phase : lifecycle.phases()) {
        if (phase.name().equals(options.getPhase())) {
          warnAboutLaddersLongerThan(phase);
        }
      }
    } catch (RuntimeException e) {
      // no lifecycle section to compare with: nothing to warn about
    }
  }

  private void warnAboutLaddersLongerThan(PhaseSpec phase) {
    for (ProcessGroupConfig g : config.groups()) {
      Duration beforeKill = g.worstCaseStop().minus(g.stopLadder().get(g.stopLadder().size() - 1).timeout());
      if (beforeKill.toMillis() > phase.timeout().toMillis() - LadderRun.MARGIN_MS) {
        LOG.info("group {}: its stop ladder waits {} ms before KILL, but the {} phase has {} ms: the ladder will be"
            + " cut to send KILL {} ms before the phase ends", g.name(), beforeKill.toMillis(), phase.name(),
            phase.timeout().toMillis(), LadderRun.MARGIN_MS);
      }
    }
  }
}
