package dev.quiesce.lifecycle;

import dev.quiesce.lifecycle.impl.BlockingWorkParticipant;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * Blocking work that a stop waits for: tasks submitted through it run on a Vert.x worker pool
 * exactly as with {@link Vertx#executeBlocking(Callable, boolean)}, and are counted from their
 * submission until they end. Register it like any participant:
 *
 * <pre>{@code
 * BlockingWork work = BlockingWork.create(vertx, "imports");
 * Participants.register(vertx, work);
 * work.executeBlocking("import-42", () -> importFile(path));
 * }</pre>
 *
 * <p>In its phase ({@code drain} unless another is named) it waits until every task submitted
 * through it has ended, queued ones included, and answers {@code done} with
 * {@code {"inProgressAtStart":N,"submittedDuring":N,"completed":N,"failed":N,"stillRunning":N}},
 * where {@code inProgressAtStart + submittedDuring == completed + failed + stillRunning}
 * ({@code failed} counts tasks that threw: their failure is the submitter's business, not the stop's).
 * Tasks submitted during the phase are still accepted and waited for: a request being drained may
 * need them. A submission the pool refuses at once (a closed {@link WorkerExecutor} throws
 * {@code RejectedExecutionException}) throws to the caller as Vert.x does and counts as failed.
 *
 * <p>It answers shortly before the phase's deadline (a margin of a tenth of the budget, at most
 * 250 ms, so the answer arrives in time) or at once when the stop is {@linkplain PhaseContext#forced()
 * forced}. Tasks still running then are not interrupted (a worker thread cannot be stopped
 * safely); they are listed in {@code "running"} by their label, and the detail carries
 * {@code "forced":true} with a {@code "forcedReason"}, which makes the stop report name them as a
 * problem (exit code 3).
 */
public interface BlockingWork extends Participant {

  /**
   * Blocking work waited for in the {@code drain} phase, reported as {@code name}.
   *
   * @param vertx the Vert.x instance whose worker pool runs the tasks
   * @param name the participant's name in the stop report
   * @return the helper, not yet registered
   */
  static BlockingWork create(Vertx vertx, String name) {
    return create(vertx, name, Steps.DRAIN);
  }

  /**
   * Blocking work waited for in {@code phase}, reported as {@code name}.
   *
   * @param vertx the Vert.x instance whose worker pool runs the tasks
   * @param name the participant's name in the stop report
   * @param phase the stop phase that waits for the tasks
   * @return the helper, not yet registered
   */
  static BlockingWork create(Vertx vertx, String name, String phase) {
    return create(vertx, name, phase, Set.of());
  }

  /**
   * Blocking work waited for in {@code phase} once the participants named in {@code after} have
   * answered it ({@link Participant#after()}), e.g. {@code Set.of("http")} for work that requests
   * being drained still submit.
   *
   * @param vertx the Vert.x instance whose worker pool runs the tasks
   * @param name the participant's name in the stop report
   * @param phase the stop phase that waits for the tasks
   * @param after the names of the participants it answers after
   * @return the helper, not yet registered
   * @throws NullPointerException if {@code vertx} is null
   */
  static BlockingWork create(Vertx vertx, String name, String phase, Set<String> after) {
    return new BlockingWorkParticipant(vertx, name, phase, after);
  }

  /**
   * Runs {@code task} on the Vert.x worker pool, ordered as Vert.x orders it by default (tasks
   * from one context run one after another), and tracks it until it ends.
   *
   * @param <T> the type of the task's result
   * @param label how the task is named in the report while it is still running; when null,
   *     {@code task-N} with N the submission number
   * @param task the blocking code
   * @return the task's result, or its failure, on the caller's context
   */
  default <T> Future<T> executeBlocking(String label, Callable<T> task) {
    return executeBlocking(label, task, true);
  }

  /**
   * Runs {@code task} on the Vert.x worker pool and tracks it until it ends; as
   * {@link Vertx#executeBlocking(Callable, boolean)}.
   *
   * @param <T> the type of the task's result
   * @param label how the task is named in the report while it is still running; when null,
   *     {@code task-N} with N the submission number
   * @param task the blocking code
   * @param ordered true to run after the tasks the same context submitted before, false to run in parallel
   * @return the task's result, or its failure, on the caller's context
   * @throws NullPointerException if {@code task} is null
   */
  <T> Future<T> executeBlocking(String label, Callable<T> task, boolean ordered);

  /**
   * Runs {@code task} on a named worker pool of the application's and tracks it until it ends;
   * as {@link WorkerExecutor#executeBlocking(Callable, boolean)}.
   *
   * @param <T> the type of the task's result
   * @param pool the application's worker pool
   * @param label how the task is named in the report while it is still running; when null,
   *     {@code task-N} with N the submission number
   * @param task the blocking code
   * @param ordered true to run after the tasks the same context submitted before, false to run in parallel
   * @return the task's result, or its failure, on the caller's context
   */
  <T> Future<T> executeBlocking(WorkerExecutor pool, String label, Callable<T> task, boolean ordered);

  /**
   * How many tasks submitted through this helper have not ended (queued or running).
   *
   * @return the count
   */
  int running();
}
