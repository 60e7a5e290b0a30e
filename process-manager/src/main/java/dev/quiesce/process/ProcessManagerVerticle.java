package dev.quiesce.process;

import dev.quiesce.config.ConfigException;
import dev.quiesce.lifecycle.EventBusContract;
import dev.quiesce.lifecycle.Participant;
import dev.quiesce.lifecycle.PhaseContext;
import dev.quiesce.process.impl.ProcessService;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import java.util.Set;

/**
 * The process manager: supervises the child process groups of the {@code processes} section of
 * its {@code config()} (the whole configuration) and takes part in the lifecycle.
 *
 * <p>Deploy one instance. At start it sweeps the leftovers of a crashed earlier run (pid and start
 * time must both match), registers with the lifecycle coordinator (unless
 * {@link ProcessManagerOptions#setLifecycleParticipant(boolean) told not to}), and spawns every
 * instance of every group (a group with {@code dependsOn} later, once the groups it depends on are
 * ready: it does not hold up the deployment); the deployment completes once each is spawned or has failed to start
 * (a child that cannot start is an event and a log line, not a failed deployment). An invalid
 * configuration fails the deployment with a {@link ConfigException}.
 *
 * <p>As a {@link Participant}: in the terminate phase every group stops along its ladder, within
 * the phase's deadline, groups with {@link ProcessGroupConfig#dependsOn()} before the groups they
 * depend on and the others in parallel; the acknowledgement's detail lists every child's exit
 * ({@code children}), how many processes were killed ({@code killed}) and, when any was,
 * {@code "forced": true} with a {@code forcedReason}. A forced stop (second trigger) sends KILL at
 * once; a third trigger halts the JVM after a halt hook has sent SIGKILL to every child group. A
 * reload applies the new configuration (see {@link ProcessGroupConfig#reload()}).
 *
 * <p>Event bus: commands on {@link EventBusContract#PROCESS_COMMANDS}, events on
 * {@link EventBusContract#PROCESS_EVENTS}; OS signals from {@link EventBusContract#SIGNALS} are passed on to
 * the groups that {@code propagate} them. Undeploying stops every child along its ladder.
 */
public class ProcessManagerVerticle extends VerticleBase implements Participant {

  private final ProcessManagerOptions options;
  private volatile ProcessService service;

  /** A manager with the default {@link ProcessManagerOptions}. */
  public ProcessManagerVerticle() {
    this(new ProcessManagerOptions());
  }

  /**
   * A manager with these options.
   *
   * @param options how the manager runs
   */
  public ProcessManagerVerticle(ProcessManagerOptions options) {
    this.options = options;
  }

  @Override
  public Future<?> start() {
    ProcessesConfig config;
    try {
      config = ProcessesConfig.from(config());
    } catch (ConfigException e) {
      return Future.failedFuture(e);
    }
    service = new ProcessService(vertx, context, options, config(), config);
    return service.start(this);
  }

  @Override
  public Future<?> stop() {
    ProcessService s = service;
    return s == null ? Future.succeededFuture() : s.stop();
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
    return service.terminate(phase);
  }

  /**
   * Applies the new configuration carried by the reload step; a step without one reloads the
   * groups as they are (signal or rolling restart). Fails, naming the group and instance, when a
   * rolling restart stops because a new instance did not become ready.
   */
  @Override
  public Future<JsonObject> onReload(PhaseContext reload) {
    return service.reload(reload);
  }

  /**
   * The pid of the guardian process (for tests and diagnostics).
   *
   * @return the pid, or -1 without a guardian or before the verticle started
   */
  public long guardianPid() {
    ProcessService s = service;
    return s == null ? -1 : s.guardianPid();
  }
}
