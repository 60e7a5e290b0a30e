package dev.quiesce.process.impl;

import dev.quiesce.lifecycle.EventBusContract.ProcessEvent;
import dev.quiesce.process.ProcessGroupConfig.StopStep;
import dev.quiesce.signal.PosixSignal;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * Stops one child along its ladder: each step sends its signal to the child's whole process group
 * and waits up to the step's {@code wait} for the leader to exit; the last step is always KILL.
 *
 * <p>Bounded: with a deadline (the terminate phase's), every step before KILL is cut so that KILL is
 * sent at the latest {@link #MARGIN_MS} before it; after KILL the run waits at most KILL's wait, then
 * reports the child as {@code lost}. It never fails. Runs on the supervisor's context.
 */
final class LadderRun {

  /** KILL is sent at the latest this long before the deadline, so that the answer is in time. */
  static final long MARGIN_MS = 300;
  static final long NO_DEADLINE = Long.MAX_VALUE;

  private final GroupContext ctx;
  private final Instance instance;
  private final Child child;
  private final List<StopStep> steps;
  private long deadline;
  private long stepEndsAt;
  private final long begun = System.nanoTime();
  private final long begunAt = System.currentTimeMillis();
  private final Promise<JsonObject> result = Promise.promise();
  private int step = -1;
  private long timer = -1;
  private boolean exited;

  LadderRun(GroupContext ctx, Instance instance, Child child, List<StopStep> steps, long deadline) {
    this.ctx = ctx;
    this.instance = instance;
    this.child = child;
    this.steps = steps;
    this.deadline = deadline;
  }

  /**
   * Starts at the first step, or at KILL when {@code forced}. Before the first signal the child's
   * descendants must be known from a recent scan, so that one that left its group and whose parent
   * exits on the signal can still be traced ({@link ChildProcesses#descendantsKnownBeforeSignal}:
   * the periodic scan's if it covered this child, else one more, waited for 250 ms at most). Publishes {@code stopping} now and
   * {@code exited} at the end.
   *
   * @return the child's stop result: its exit, the step that ended it, how long it took, whether it was forced
   */
  Future<JsonObject> start(boolean forced) {
    ctx.events().publish(ProcessEvent.STOPPING, Events.of(instance).put("pid", child.pid));
    result.future().onSuccess(r -> {
      ctx.events().publish(ProcessEvent.EXITED, Events.of(instance).mergeIn(r).put("expected", true));
      ctx.log().info("group {} instance {} (pid {}) stopped: {} after {} ms (step {})", instance.groupName(),
          instance.index(), r.getInteger("pid"), r.getValue("exit"), r.getLong("durationMs"), r.getString("step"));
    });
    if (forced) {
      go(last());
    } else {
      ctx.children().descendantsKnownBeforeSignal(child).onComplete(v -> {
        if (step < 0 && !exited) {
          go(0);
        }
      });
    }
    return result.future();
  }

  Future<JsonObject> future() {
    return result.future();
  }

  /**
   * A stop with an earlier deadline joined this one (the terminate phase began while a stop
   * command ran): the current and following steps are cut to fit it.
   */
  void tighten(long newDeadline) {
    if (exited || newDeadline >= deadline) {
      return;
    }
    deadline = newDeadline;
    if (step < last()) {
      long now = System.currentTimeMillis();
      long end = Math.min(stepEndsAt, deadline - MARGIN_MS);
      int next = step + 1;
      cancelTimer();
      timer = ctx.vertx().setTimer(Math.max(1, end - now), id -> {
        timer = -1;
        go(next);
      });
    }
  }

  /** Skips the remaining waits: KILL now. */
  void escalate() {
    if (!exited && step < last()) {
      go(last());
    }
  }

  /** The leader exited; {@code stragglers} completes with the members of its group killed after it. */
  void exited(JsonObject exit, Future<Reaped> reaped) {
    if (exited) {
      return;
    }
    exited = true;
    cancelTimer();
    long durationMs = (System.nanoTime() - begun) / 1_000_000;
    StopStep s = steps.get(Math.max(0, step));
    reaped.onComplete(n -> {
      result.tryComplete(Reaped.putInto(
          json(exit, s.signal().name(), durationMs, s.signal() == PosixSignal.KILL, 0), n));
    });
  }

  private int last() {
    return steps.size() - 1;
  }

  private void go(int i) {
    cancelTimer();
    step = i;
    StopStep s = steps.get(i);
    ctx.children().signalGroup(child.pid, s.signal());
    long wait = s.timeout().toMillis();
    if (i < last()) {
      if (deadline != NO_DEADLINE) {
        wait = Math.min(wait, Math.max(0, deadline - System.currentTimeMillis() - MARGIN_MS));
      }
      stepEndsAt = System.currentTimeMillis() + wait;
      timer = ctx.vertx().setTimer(Math.max(1, wait), id -> {
        timer = -1;
        go(i + 1);
      });
    } else {
      timer = ctx.vertx().setTimer(Math.max(1, wait), id -> {
        timer = -1;
        lost();
      });
    }
  }

  private void lost() {
    if (exited) {
      return;
    }
    exited = true;
    long durationMs = (System.nanoTime() - begun) / 1_000_000;
    ctx.log().error("group {} instance {} (pid {}) is still there {} ms after SIGKILL; giving up on it",
        instance.groupName(), instance.index(), child.pid, durationMs);
    result.tryComplete(json(null, PosixSignal.KILL.name(), durationMs, true, 0).put("lost", true));
  }

  private JsonObject json(JsonObject exit, String stepName, long durationMs, boolean forced, int stragglers) {
    return Events.of(instance).put("pid", child.pid).put("exit", exit).put("step", stepName)
        .put("stopStartedAt", begunAt).put("durationMs", durationMs).put("forced", forced)
        .put("stragglersKilled", stragglers);
  }

  private void cancelTimer() {
    if (timer >= 0) {
      ctx.vertx().cancelTimer(timer);
      timer = -1;
    }
  }
}
