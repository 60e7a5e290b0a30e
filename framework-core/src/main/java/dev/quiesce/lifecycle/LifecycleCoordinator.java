package dev.quiesce.lifecycle;

import dev.quiesce.lifecycle.impl.Coordinator;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import java.util.function.BiConsumer;
import java.util.function.LongConsumer;

/**
 * The lifecycle verticle: owns the {@link LifecycleState states}, runs the stop phases in
 * order under one overall deadline, and answers the commands of {@link EventBusContract#COMMANDS}.
 *
 * <p>Deploy one per Vert.x instance, before any participant. The launcher does this for you,
 * on a worker thread so that a blocked event loop cannot delay the stop's timers.
 *
 * <p>Guarantees: a phase never gets more than what is left of {@code shutdownTimeout}; a
 * participant that does not answer in time is recorded as {@code timed-out} and the stop goes
 * on; the {@code close} phase (or, without one, the end of the stop) undeploys every other
 * deployment with a bound and abandons those that do not finish. A second stop trigger
 * forces (remaining phases are announced with no budget, nothing is waited for); a third
 * runs {@link #onHalt(Runnable) the halt action} at once, on the thread that triggered it.
 */
public final class LifecycleCoordinator extends VerticleBase {

  private final Coordinator coordinator;

  /**
   * A coordinator running the stop, drain and reload steps of {@code config}.
   *
   * @param config the validated {@code lifecycle} section
   */
  public LifecycleCoordinator(LifecycleConfig config) {
    this.coordinator = new Coordinator(config);
  }

  /**
   * How {@code reload} re-reads the configuration. Default: it answers that reload is not configured.
   *
   * @param reloader re-reads and validates the configuration
   * @return this coordinator
   */
  public LifecycleCoordinator reloadWith(ConfigReloader reloader) {
    coordinator.reloader(reloader);
    return this;
  }

  /**
   * What a third stop trigger does. The launcher runs {@link HaltHooks} and halts the JVM;
   * the default only logs, which suits tests.
   *
   * @param halt run on the thread of the third trigger
   * @return this coordinator
   */
  public LifecycleCoordinator onHalt(Runnable halt) {
    coordinator.haltAction(halt);
    return this;
  }

  /**
   * Called on the coordinator's thread when a reload has applied a new, valid configuration, with
   * the new {@code lifecycle} section and the whole configuration, before the participants get
   * the {@code reload} step. The launcher re-maps the signal bridge here ({@code lifecycle.signals},
   * {@code signalDebounce}). A listener that throws is logged; the reload goes on.
   *
   * @param listener gets the new {@code lifecycle} section and the whole configuration
   * @return this coordinator
   */
  public LifecycleCoordinator onReload(BiConsumer<LifecycleConfig, JsonObject> listener) {
    coordinator.reloadListener(listener);
    return this;
  }

  /**
   * How {@code upgrade} starts a successor. Default: none, and every {@code upgrade} is refused (409)
   * saying so. The launcher sets one that starts the same command line (or {@code upgrade.command}).
   *
   * @param upgrader starts and ends the successor
   * @return this coordinator
   */
  public LifecycleCoordinator upgradeWith(Upgrader upgrader) {
    coordinator.upgrader(upgrader);
    return this;
  }

  /**
   * Sets what is called once, on the coordinator's thread, when a stop begins, with its deadline in epoch ms.
   *
   * @param deadlineListener gets the stop's deadline
   * @return this coordinator
   */
  public LifecycleCoordinator onStopStarted(LongConsumer deadlineListener) {
    coordinator.stopListener(deadlineListener);
    return this;
  }

  /**
   * Completes with the stop report when the stop has finished, after it was published and written
   * to {@code lifecycle.reportFile}; never fails (a stop that failed in the coordinator itself
   * completes with a {@link StopOutcome#FORCED} report that says so).
   *
   * @return the stop report, once the stop has finished
   */
  public Future<StopReport> stopped() {
    return coordinator.stopped();
  }

  /**
   * The current state; safe to call from any thread.
   *
   * @return the state
   */
  public LifecycleState state() {
    return coordinator.state();
  }

  /**
   * The launcher marks the application started: {@code STARTING → RUNNING} (unless a stop already
   * began). The order the participants registered so far ask for ({@link Participant#after()}) is
   * checked here; from then on each registration is checked as it comes.
   *
   * @return completes when the state changed; fails, naming each participant that is after a name
   *     nobody registered and the participants of a cycle, when that order is invalid (the state then
   *     stays {@code STARTING}; the launcher stops the application and exits with 1)
   */
  public Future<Void> markRunning() {
    return coordinator.markRunning();
  }

  /**
   * Asks for a command from outside the event bus (the signal bridge, the shutdown hook). Safe
   * to call from any thread. A third {@code stop} halts on the calling thread.
   *
   * <p>A command not possible in the current state ({@code resume} while running, {@code reload}
   * while stopping) is refused with a warning in the log and changes nothing.
   *
   * @param command {@code stop}, {@code drain}, {@code resume} or {@code reload}; {@code status}
   *     changes nothing and is refused
   * @param trigger who asked: the stop report's {@code trigger}
   * @param reason shown in events and in the stop report, e.g. {@code SIGTERM}; null gives the trigger's name
   */
  public void trigger(LifecycleCommand command, Trigger trigger, String reason) {
    coordinator.trigger(command, trigger, reason);
  }

  /**
   * Gives a deployment a name for the stop report (the launcher names the application's verticles).
   *
   * @param deploymentId the Vert.x deployment id
   * @param name the name the report shows
   */
  public void nameDeployment(String deploymentId, String name) {
    coordinator.nameDeployment(deploymentId, name);
  }

  /**
   * Keeps a deployment out of the {@code close} phase's undeploy, so it lives until the
   * process exits (the management listener, which must deliver the final report).
   *
   * @param deploymentId the Vert.x deployment id
   */
  public void retainUntilExit(String deploymentId) {
    coordinator.retainUntilExit(deploymentId);
  }

  /**
   * A snapshot of the status, as the {@code status} command answers it.
   *
   * @return a new object
   */
  public JsonObject status() {
    return coordinator.status();
  }

  @Override
  public Future<?> start() {
    return coordinator.start(vertx, context);
  }

  @Override
  public Future<?> stop() {
    return coordinator.shutdown();
  }
}
