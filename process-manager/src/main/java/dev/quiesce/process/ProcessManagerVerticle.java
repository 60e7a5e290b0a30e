package dev.quiesce.process;

import dev.quiesce.config.ConfigException;
import dev.quiesce.lifecycle.HaltHooks;
import dev.quiesce.lifecycle.LifecycleAddresses;
import dev.quiesce.lifecycle.LifecycleConfig;
import dev.quiesce.lifecycle.Participant;
import dev.quiesce.lifecycle.Participants;
import dev.quiesce.lifecycle.PhaseContext;
import dev.quiesce.lifecycle.PhaseSpec;
import dev.quiesce.process.impl.ChildLauncher;
import dev.quiesce.process.impl.ChildLauncher.Tools;
import dev.quiesce.process.impl.ChildRecords;
import dev.quiesce.process.impl.ChildRecords.Swept;
import dev.quiesce.process.impl.Commands;
import dev.quiesce.process.impl.Guardian;
import dev.quiesce.process.impl.Posix;
import dev.quiesce.process.impl.Spawner;
import dev.quiesce.process.impl.Supervisor;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The process manager: supervises the child process groups of the {@code processes} section of
 * its {@code config()} (the whole configuration) and takes part in the lifecycle.
 *
 * <p>Deploy one instance. At start it sweeps the leftovers of a crashed earlier run (pid and start
 * time must both match), registers with the lifecycle coordinator (unless
 * {@link ProcessManagerOptions#setLifecycleParticipant(boolean) told not to}), and spawns every
 * instance of every group; the deployment completes once each is spawned or has failed to start
 * (a child that cannot start is an event and a log line, not a failed deployment). An invalid
 * configuration fails the deployment with a {@link ConfigException}.
 *
 * <p>As a {@link Participant}: in the terminate phase every group stops in parallel along its
 * ladder, within the phase's deadline; the acknowledgement's detail lists every child's exit
 * ({@code children}), how many processes were killed ({@code killed}) and, when any was,
 * {@code "forced": true} with a {@code forcedReason}. A forced stop (second trigger) sends KILL at
 * once; a third trigger halts the JVM after a halt hook has sent SIGKILL to every child group. A
 * reload applies the new configuration (see {@link ProcessGroupConfig#reload()}).
 *
 * <p>Event bus: commands on {@link ProcessAddresses#COMMANDS}, events on
 * {@link ProcessAddresses#EVENTS}; OS signals from {@link LifecycleAddresses#SIGNALS} are passed on to
 * the groups that {@code propagate} them. Undeploying stops every child along its ladder.
 */
public class ProcessManagerVerticle extends VerticleBase implements Participant {

  private static final Logger LOG = LoggerFactory.getLogger(ProcessManagerVerticle.class);

  private final ProcessManagerOptions options;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private Supervisor supervisor;
  private ChildRecords records;
  private Guardian guardian;
  private Runnable haltHook;
  private Participants.Registration registration;

  public ProcessManagerVerticle() {
    this(new ProcessManagerOptions());
  }

  public ProcessManagerVerticle(ProcessManagerOptions options) {
    this.options = options;
  }

  private record Init(List<Swept> swept, ChildRecords records, Guardian guardian) {
  }

  @Override
  public Future<?> start() {
    ProcessesConfig config;
    Tools tools;
    try {
      config = ProcessesConfig.from(config());
      tools = Tools.find();
    } catch (ConfigException | IllegalStateException e) {
      return Future.failedFuture(e);
    }
    warnAboutEnvironment(tools, config);
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
        } catch (java.io.IOException e) {
          LOG.error("could not start the guardian process; grandchildren may outlive a JVM that dies", e);
        }
      }
      return new Init(swept, rec, g);
    }), context);
    return init.compose(i -> {
      records = i.records();
      guardian = i.guardian();
      ChildLauncher launcher = new ChildLauncher(tools, options.getParentDeathSignal(), records, guardian);
      supervisor = new Supervisor(vertx, context, launcher, config, i.swept(),
          options.getDescendantScanInterval().toMillis());
      Supervisor sup = supervisor;
      haltHook = HaltHooks.of(vertx).add(sup::killAllNow);
      Commands commands = new Commands(sup);
      consumers.add(vertx.eventBus().<Object>consumer(ProcessAddresses.COMMANDS, commands::handle));
      consumers.add(vertx.eventBus().<Object>consumer(LifecycleAddresses.SIGNALS, m -> {
        // a "duplicate" is the same signal again within the signal bridge's debounce period: the
        // application treats a burst as one signal, and so do the children
        if (m.body() instanceof JsonObject body && body.getValue("signal") instanceof String name
            && !"duplicate".equals(body.getValue("action"))) {
          PosixSignal.byName(name.startsWith("SIG") ? name.substring(3) : name).ifPresent(sup::propagate);
        }
      }));
      consumers.add(vertx.eventBus().<Object>consumer(LifecycleAddresses.EVENTS, m -> {
        if (m.body() instanceof JsonObject e && "phase-start".equals(e.getValue("type"))
            && Boolean.TRUE.equals(e.getValue("forced"))) {
          sup.escalate();
        }
      }));
      List<Future<Void>> ready = new ArrayList<>();
      consumers.forEach(c -> ready.add(c.completion()));
      Future<?> registered = Future.join(ready);
      if (options.isLifecycleParticipant()) {
        registered = registered.compose(v -> Participants.register(vertx, this)).onSuccess(r -> registration = r);
      }
      return registered.compose(v -> sup.startAll());
    }).recover(err -> release().transform(v -> Future.failedFuture(err)));
  }

  @Override
  public Future<?> stop() {
    if (supervisor == null) {
      return Future.succeededFuture();
    }
    return supervisor.shutdown()
        .eventually(() -> registration != null ? registration.unregister() : Future.succeededFuture())
        .eventually(this::release);
  }

  /** Stops listening, ends the guardian and deletes the record file; completes when done. */
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
    boolean nothingLeft = supervisor == null || !supervisor.hasLiveGroups();
    return Future.fromCompletionStage(Spawner.get().submit(() -> {
      if (g != null) {
        g.close();
      }
      if (rec != null) {
        rec.close(nothingLeft); // a child that could not be killed stays recorded for the next sweep
      }
      return null;
    }), context).mapEmpty();
  }

  /** The participant's name ({@link ProcessManagerOptions#getParticipantName()}, "processes"). */
  @Override
  public String name() {
    return options.getParticipantName();
  }

  @Override
  public Set<String> phases() {
    return Set.of(options.getPhase());
  }

  /** The terminate phase: see the class comment. Never fails; a forced phase kills at once. */
  @Override
  public Future<JsonObject> onPhase(PhaseContext phase) {
    return supervisor.terminate(phase.deadline(), phase.forced());
  }

  /**
   * Applies the new configuration carried by the reload step; a step without one reloads the
   * groups as they are (signal or rolling restart). Fails, naming the group and instance, when a
   * rolling restart stops because a new instance did not become ready.
   */
  @Override
  public Future<JsonObject> onReload(PhaseContext reload) {
    ProcessesConfig next;
    try {
      next = reload.config().isEmpty() ? ProcessesConfig.from(config()) : ProcessesConfig.from(reload.config());
    } catch (ConfigException e) {
      return Future.failedFuture(e);
    }
    return supervisor.reload(next);
  }

  /** The pid of the guardian process, or -1 without one (for tests and diagnostics). */
  public long guardianPid() {
    return guardian == null ? -1 : guardian.pid();
  }

  private void warnAboutEnvironment(Tools tools, ProcessesConfig config) {
    if (tools.setpriv().isEmpty()) {
      LOG.warn("util-linux's setpriv was not found: children get no parent-death signal and rely on the guardian"
          + " process alone if the JVM dies");
    }
    if (ProcessHandle.current().pid() == 1) {
      LOG.warn("the JVM runs as PID 1 and does not reap orphaned grandchildren: run it under an init such as tini"
          + " (docker run --init)");
    }
    try {
      LifecycleConfig lifecycle = LifecycleConfig.from(config());
      for (PhaseSpec phase : lifecycle.phases()) {
        if (!phase.name().equals(options.getPhase())) {
          continue;
        }
        for (ProcessGroupConfig g : config.groups()) {
          Duration beforeKill = g.worstCaseStop().minus(g.stopLadder().get(g.stopLadder().size() - 1).timeout());
          if (beforeKill.toMillis() > phase.timeout().toMillis() - 300) {
            LOG.info("group {}: its stop ladder waits {} ms before KILL, but the {} phase has {} ms: the ladder will be"
                + " cut to send KILL 300 ms before the phase ends", g.name(), beforeKill.toMillis(), phase.name(),
                phase.timeout().toMillis());
          }
        }
      }
    } catch (RuntimeException e) {
      // no lifecycle section to compare with: nothing to warn about
    }
  }
}
