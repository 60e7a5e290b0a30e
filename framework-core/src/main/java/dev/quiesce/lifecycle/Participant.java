package dev.quiesce.lifecycle;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.Set;

/**
 * A component that takes part in the lifecycle: it is told about each stop phase it registered
 * for, and about every {@code suspend}, {@code resume} and {@code reload} step, and answers
 * each with a {@link Future}.
 *
 * <p>Register it with {@link Participants#register(io.vertx.core.Vertx, Participant)}, usually
 * from a verticle's {@code start}: the phase messages, acknowledgements and registration on
 * the event bus are handled for it, on the registering verticle's context.
 *
 * <p>Outcomes: a future that succeeds is {@code done} with its JSON as the detail shown in the
 * stop report (e.g. {@code {"completed":3,"aborted":0}}); a future that fails, or a method that
 * throws, is {@code failed} with the exception's message; a future that has not completed by
 * the step's deadline is {@code timed-out} and the stop goes on without it.
 */
public interface Participant {

  /**
   * A name unique in the application, shown in the stop report, e.g. {@code "http"}.
   *
   * @return the name
   */
  String name();

  /**
   * The stop phases this participant takes part in, e.g. {@code Set.of("announce", "drain")}.
   *
   * @return the phases' names
   */
  Set<String> phases();

  /**
   * The participants this one is after: in every stop phase both take part in, it gets the phase
   * only once each of them has answered (done or failed), left, or missed its deadline, e.g.
   * {@code Set.of("http")} for a database pool that must close after the HTTP server drained.
   * Without it (the default), participants of a phase run side by side. Names nobody registered and
   * cycles are refused when the application has started, with the names. The steps
   * ({@code suspend}, {@code resume}, {@code reload}) reach every participant at once.
   *
   * @return the names of the participants this one answers after; empty by default
   */
  default Set<String> after() {
    return Set.of();
  }

  /**
   * True to keep the registering verticle's deployment out of the {@code close} phase's undeploy,
   * so it lives until the process exits (the management listener, which must deliver the final
   * report). Default: false.
   *
   * @return whether the deployment is kept until the process exits
   */
  default boolean retainUntilExit() {
    return false;
  }

  /**
   * Runs one stop phase. Should finish before {@link PhaseContext#deadline()}, and at once
   * when {@link PhaseContext#forced()}.
   *
   * @param phase the phase: its name, deadline and whether it is forced
   * @return the detail for the report
   */
  Future<JsonObject> onPhase(PhaseContext phase);

  /**
   * Applies a new, already validated configuration ({@link PhaseContext#config()}). Default: nothing to do.
   *
   * @param reload the {@code reload} step, carrying the whole new configuration
   * @return the detail of the answer; the default answers an empty object
   */
  default Future<JsonObject> onReload(PhaseContext reload) {
    return Future.succeededFuture(new JsonObject());
  }

  /**
   * Command {@code drain}: stop taking new work, reversibly. Default: nothing to do.
   *
   * @param suspend the {@code suspend} step
   * @return the detail of the answer; the default answers an empty object
   */
  default Future<JsonObject> onSuspend(PhaseContext suspend) {
    return Future.succeededFuture(new JsonObject());
  }

  /**
   * Command {@code resume}: take work again. Default: nothing to do.
   *
   * @param resume the {@code resume} step
   * @return the detail of the answer; the default answers an empty object
   */
  default Future<JsonObject> onResume(PhaseContext resume) {
    return Future.succeededFuture(new JsonObject());
  }
}
