package dev.quiesce.lifecycle.impl;

import dev.quiesce.lifecycle.AckMargin;
import dev.quiesce.lifecycle.BlockingWork;
import dev.quiesce.lifecycle.PhaseContext;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link BlockingWork}: every task from its submission to its end, by submission number and
 * label, with counters that a phase snapshots at its start. Thread-safe: tasks are submitted from
 * any context and end on their submitter's context; the bookkeeping is guarded by this object.
 */
public final class BlockingWorkParticipant extends SinglePhaseParticipant implements BlockingWork {

  private static final Logger LOG = LoggerFactory.getLogger(BlockingWorkParticipant.class);

  /** The most the answer is sent before the phase's deadline, so that it arrives in time. */

  private final Vertx vertx;
  private final Map<Long, String> running = new LinkedHashMap<>();
  private long submitted;
  private long completed;
  private long failed;
  private Promise<Void> idle;

  public BlockingWorkParticipant(Vertx vertx, String name, String phase, Set<String> after) {
    super(name, phase, after);
    this.vertx = Objects.requireNonNull(vertx, "vertx");
  }

  @Override
  public <T> Future<T> executeBlocking(String label, Callable<T> task, boolean ordered) {
    Objects.requireNonNull(task, "task");
    return tracked(label, () -> vertx.executeBlocking(task, ordered));
  }

  @Override
  public <T> Future<T> executeBlocking(WorkerExecutor pool, String label, Callable<T> task, boolean ordered) {
    Objects.requireNonNull(pool, "pool");
    Objects.requireNonNull(task, "task");
    return tracked(label, () -> pool.executeBlocking(task, ordered));
  }

  /**
   * Counts the task from its submission until it ends. A submission that throws at once (e.g. a
   * closed {@link WorkerExecutor} rejects it) throws to the caller as Vert.x does and is counted
   * failed, not left running.
   */
  private <T> Future<T> tracked(String label, Supplier<Future<T>> submit) {
    long id = started(label);
    Future<T> task;
    try {
      task = submit.get();
    } catch (RuntimeException | Error e) {
      ended(id, false);
      throw e;
    }
    return task.andThen(ar -> ended(id, ar.succeeded()));
  }

  @Override
  public synchronized int running() {
    return running.size();
  }

  private synchronized long started(String label) {
    long id = ++submitted;
    running.put(id, label == null ? "task-" + id : label);
    return id;
  }

  private void ended(long id, boolean succeeded) {
    Promise<Void> wake = null;
    synchronized (this) {
      running.remove(id);
      if (succeeded) {
        completed++;
      } else {
        failed++;
      }
      if (running.isEmpty() && idle != null) {
        wake = idle;
        idle = null;
      }
    }
    if (wake != null) {
      wake.tryComplete();
    }
  }

  @Override
  public Future<JsonObject> onPhase(PhaseContext context) {
    Snapshot start;
    Promise<Void> wait = Promise.promise();
    synchronized (this) {
      start = new Snapshot(submitted, completed, failed, running.size());
      if (running.isEmpty()) {
        wait.complete();
      } else {
        idle = wait;
      }
    }
    long remaining = context.forced() ? 0 : context.remaining().toMillis();
    long waitMs = AckMargin.usable(remaining);
    if (waitMs <= 0) {
      wait.tryComplete();
    } else if (!wait.future().isComplete()) {
      long timer = vertx.setTimer(waitMs, t -> wait.tryComplete());
      wait.future().onComplete(v -> vertx.cancelTimer(timer));
    }
    return wait.future().map(v -> report(start));
  }

  private synchronized JsonObject report(Snapshot start) {
    idle = null;
    JsonObject detail = new JsonObject().put("inProgressAtStart", start.running)
        .put("submittedDuring", submitted - start.submitted).put("completed", completed - start.completed)
        .put("failed", failed - start.failed).put("stillRunning", running.size());
    if (!running.isEmpty()) {
      List<String> labels = new ArrayList<>(running.values());
      String reason = running.size() + " blocking task(s) still running at the end of phase " + phase() + ": "
          + String.join(", ", labels);
      detail.put("running", new JsonArray(labels)).put("forced", true).put("forcedReason", reason);
      LOG.warn("blocking work {}: {}", name(), reason);
    }
    return detail;
  }

  /** The counters when a phase began. */
  private record Snapshot(long submitted, long completed, long failed, long running) {
  }
}
