package dev.quiesce.lifecycle.impl;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The lifecycle coordinator's timers (phase budgets, the stop deadline, the bound of the close
 * phase's undeploy, the reload and report-file bounds), independent of any event loop.
 *
 * <p>Vert.x runs every timer on an event loop, a worker context's timers too: application code
 * that blocks the event loop the coordinator's worker context is tied to would keep every budget
 * and the deadline from firing, so the stop would hang until the launcher's watchdog halts the
 * process, with no report. These timers run on one daemon thread of the coordinator's own
 * ({@code quiesce-lifecycle-timer}) and hand their action to the coordinator's context, which runs
 * it on a worker thread (delivery to a worker context does not go through the event loop).
 * {@link #close()} ends the thread when the coordinator is undeployed.
 */
final class CoordinatorTimers {

  /** A timer that can be cancelled; cancelling one that fired already does nothing. */
  interface Timer {
    void cancel();
  }

  private final Context context;
  private final ScheduledThreadPoolExecutor scheduler;

  CoordinatorTimers(Context context) {
    this.context = context;
    this.scheduler = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "quiesce-lifecycle-timer");
      t.setDaemon(true);
      return t;
    });
    scheduler.setRemoveOnCancelPolicy(true);
  }

  /** Runs {@code action} on the coordinator's context after {@code delayMs} (at once when not positive). */
  Timer schedule(long delayMs, Runnable action) {
    if (scheduler.isShutdown()) {
      return () -> { };
    }
    ScheduledFuture<?> f = scheduler.schedule(() -> context.runOnContext(v -> action.run()), Math.max(0, delayMs),
        TimeUnit.MILLISECONDS);
    return () -> f.cancel(false);
  }

  /** {@code future}, failed with a {@link TimeoutException} when it has not completed within {@code timeoutMs}. */
  <T> Future<T> bound(Future<T> future, long timeoutMs) {
    Promise<T> bounded = Promise.promise();
    Timer timer = schedule(timeoutMs, () -> bounded.tryFail(new TimeoutException(
        "timed out after " + timeoutMs + " ms")));
    future.onComplete(ar -> {
      timer.cancel();
      if (ar.succeeded()) {
        bounded.tryComplete(ar.result());
      } else {
        bounded.tryFail(ar.cause());
      }
    });
    return bounded.future();
  }

  /** Ends the timer thread; timers not yet fired never fire. */
  void close() {
    scheduler.shutdownNow();
  }
}
