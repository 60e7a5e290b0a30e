package dev.quiesce.process.impl;

import dev.quiesce.process.ProcessGroupConfig;
import dev.quiesce.process.ProcessGroupConfig.Output;
import dev.quiesce.process.ProcessGroupConfig.ReadyKind;
import dev.quiesce.process.ProcessGroupConfig.Restart;
import dev.quiesce.process.ProcessGroupConfig.RestartPolicy;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * One instance slot of a group: at most one child at a time, its readiness, its stop and its
 * restarts. Runs on the supervisor's context only.
 */
final class Instance {

  enum State {
    STOPPED, STARTING, READY, STOPPING, BACKOFF, EXITED, FAILED;

    String json() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  final Supervisor sup;
  final Group group;
  final int index;
  State state = State.STOPPED;
  /** Whether the instance should be running (false after a stop command or during terminate). */
  boolean wanted;
  long readyTimer = -1;
  long readyTimeoutTimer = -1;
  private Child child;
  private Future<Void> spawning;
  private LadderRun ladder;
  private long backoffTimer = -1;
  private final Deque<Long> restarts = new ArrayDeque<>();
  private int restartCount;
  private JsonObject lastExit;
  private String lastError;
  private Promise<Void> readyWaiter;
  private long readyAt;

  Instance(Supervisor sup, Group group, int index) {
    this.sup = sup;
    this.group = group;
    this.index = index;
  }

  /** The pid of the running child, or 0. */
  int pid() {
    return child == null ? 0 : child.pid;
  }

  boolean isStarting(Child c) {
    return c == child && state == State.STARTING;
  }

  boolean isReady() {
    return state == State.READY;
  }

  /** Starts the instance unless it runs; completes once spawned, or once the spawn failed (never fails). */
  Future<Void> start() {
    wanted = true;
    if (spawning != null) {
      return spawning;
    }
    if (child != null) {
      return Future.succeededFuture();
    }
    cancelBackoff();
    return spawn();
  }

  /** Stops the instance along its ladder and keeps it stopped; completes with the child's stop result, or null. */
  Future<JsonObject> stop(long deadline, boolean forced) {
    wanted = false;
    cancelBackoff();
    if (child == null && spawning == null && ladder == null) {
      state = State.STOPPED;
    }
    return stopChild(deadline, forced);
  }

  /** Stops the running child (if any) and starts a new one; completes when the new one is ready. */
  Future<Void> restart() {
    wanted = true;
    cancelBackoff();
    Future<Void> spawned = spawning == null ? Future.succeededFuture() : spawning;
    return spawned.compose(v -> stopChild(LadderRun.NO_DEADLINE, false)).compose(r -> {
      if (!sup.isRunning()) {
        return Future.failedFuture("the process manager is stopping");
      }
      return child == null && spawning == null ? spawn() : Future.succeededFuture();
    }).compose(v -> awaitReady());
  }

  /** Completes when the current child is ready; fails when it exits, fails to start or times out first. */
  Future<Void> awaitReady() {
    if (state == State.READY) {
      return Future.succeededFuture();
    }
    if (readyWaiter == null || readyWaiter.future().isComplete() || state != State.STARTING) {
      return Future.failedFuture("group " + group.name() + " instance " + index + " is not starting (" + state.json()
          + (lastError != null ? ": " + lastError : "") + ")");
    }
    return readyWaiter.future();
  }

  /** Sends {@code signal} to the child's process group; false when no child runs. */
  boolean signal(dev.quiesce.signal.PosixSignal signal) {
    if (child == null) {
      return false;
    }
    sup.signalGroup(child.pid, signal);
    return true;
  }

  /** Skips the remaining waits of a stop in progress. */
  void escalate() {
    if (ladder != null) {
      ladder.escalate();
    }
  }

  private Future<JsonObject> stopChild(long deadline, boolean forced) {
    if (spawning != null) {
      return spawning.compose(v -> stopChild(deadline, forced));
    }
    if (ladder != null) {
      if (forced) {
        ladder.escalate();
      } else {
        ladder.tighten(deadline);
      }
      return ladder.future();
    }
    if (child == null) {
      return Future.succeededFuture();
    }
    cancelReadyTimers();
    state = State.STOPPING;
    failReadyWaiter("it is being stopped");
    sup.events.publish("stopping", Events.of(this).put("pid", child.pid));
    LadderRun run = new LadderRun(sup, this, child, group.config.stopLadder(), deadline);
    ladder = run;
    Future<JsonObject> result = run.start(forced);
    result.onComplete(ar -> {
      ladder = null;
      state = State.STOPPED;
      JsonObject r = ar.result();
      sup.events.publish("exited", Events.of(this).mergeIn(r).put("expected", true));
      sup.log.info("group {} instance {} (pid {}) stopped: {} after {} ms (step {})", group.name(), index,
          r.getInteger("pid"), r.getValue("exit"), r.getLong("durationMs"), r.getString("step"));
    });
    return result;
  }

  private Future<Void> spawn() {
    ProcessGroupConfig cfg = group.config;
    state = State.STARTING;
    readyWaiter = Promise.promise();
    Map<String, String> env = new LinkedHashMap<>();
    env.put("QUIESCE_GROUP", cfg.name());
    env.put("QUIESCE_INSTANCE", Integer.toString(index));
    String childId = sup.nextChildId();
    env.put(Descendants.CHILD_ID, childId);
    if (cfg.ready().kind() == ReadyKind.TCP_PORT) {
      env.put("QUIESCE_PORT", Integer.toString(cfg.ready().tcpPort() + index));
    }
    Promise<Void> done = Promise.promise();
    spawning = done.future();
    Future.fromCompletionStage(Spawner.get().submit(() -> sup.launcher.spawn(cfg, index, env)), sup.context)
        .onComplete(ar -> {
          spawning = null;
          if (ar.succeeded()) {
            attach(cfg, new Child(ar.result(), sup.context, childId));
          } else {
            startFailed(ar.cause());
          }
          done.complete();
        });
    return done.future();
  }

  private void attach(ProcessGroupConfig cfg, Child c) {
    child = c;
    lastError = null;
    sup.liveGroups.add(c.pid);
    sup.descendants.track(c, this);
    sup.events.publish("started", Events.of(this).put("pid", c.pid));
    sup.log.info("group {} instance {} started: pid {}", cfg.name(), index, c.pid);
    Readiness.arm(sup, this, c, cfg.ready());
    if (cfg.output() == Output.LOG) {
      group.output.read(c.process, index, c.pid, cfg.maxLineLength(),
          (stream, text, dropped) -> onLine(c, stream, text, dropped));
    }
    c.exit.onComplete(ar -> onExit(c, ar.succeeded() ? ar.result() : -1));
  }

  /** On the group's output reader thread. */
  private void onLine(Child c, String stream, String text, long droppedBytes) {
    Pattern ready = c.readyPattern;
    if (ready != null && ready.matcher(text).find()) {
      c.readyPattern = null;
      sup.context.runOnContext(v -> markReady(c));
    }
    long droppedLines = group.outputEvents.acquire();
    if (droppedLines >= 0) {
      JsonObject e = Events.of(this).put("pid", c.pid).put("stream", stream).put("line", text)
          .put("cut", droppedBytes > 0);
      if (droppedBytes > 0) {
        e.put("droppedBytes", droppedBytes);
      }
      if (droppedLines > 0) {
        e.put("droppedLines", droppedLines);
      }
      sup.events.publish("output", e);
    }
  }

  void markReady(Child c) {
    if (c != child || state != State.STARTING) {
      return;
    }
    cancelReadyTimers();
    c.readyPattern = null;
    state = State.READY;
    readyAt = System.currentTimeMillis();
    sup.events.publish("ready", Events.of(this).put("pid", c.pid).put("afterMs", readyAt - c.startedAt));
    if (readyWaiter != null) {
      readyWaiter.tryComplete();
    }
  }

  void readyTimedOut(Child c) {
    readyTimeoutTimer = -1;
    if (c != child || state != State.STARTING) {
      return;
    }
    long after = System.currentTimeMillis() - c.startedAt;
    lastError = "not ready within " + after + " ms";
    sup.log.error("group {} instance {} (pid {}) was not ready within {} ms: stopping it", group.name(), index, c.pid,
        after);
    sup.events.publish("ready-timeout", Events.of(this).put("pid", c.pid).put("afterMs", after));
    failReadyWaiter(lastError);
    stopChild(LadderRun.NO_DEADLINE, false).onComplete(ar -> decideRestart(true));
  }

  private void startFailed(Throwable cause) {
    lastError = cause.getMessage();
    state = State.FAILED;
    sup.log.error("{}", lastError);
    sup.events.publish("start-failed", Events.of(this).put("error", lastError));
    failReadyWaiter(lastError);
    decideRestart(true);
  }

  private void onExit(Child c, int exitValue) {
    if (c != child) {
      return;
    }
    child = null;
    cancelReadyTimers();
    c.readyPattern = null;
    JsonObject exit = ExitStatus.toJson(exitValue);
    lastExit = exit;
    Future<Supervisor.Reaped> reaped = sup.reapGroup(c, this);
    if (ladder != null) {
      ladder.exited(exit, reaped);
      return;
    }
    state = State.EXITED;
    failReadyWaiter("it exited (" + exit.encode() + ")");
    long uptime = System.currentTimeMillis() - c.startedAt;
    reaped.onComplete(n -> {
      JsonObject exited = Supervisor.Reaped.putInto(Events.of(this).put("pid", c.pid).put("exit", exit)
          .put("expected", false).put("uptimeMs", uptime), n);
      sup.events.publish("exited", exited);
      sup.log.warn("group {} instance {} (pid {}) exited on its own after {} ms: {}", group.name(), index, c.pid,
          uptime, exit.encode());
      decideRestart(!ExitStatus.isSuccess(exit));
    });
  }

  /** After an exit, a failed start or a readiness timeout: restart or not, as the policy says. */
  private void decideRestart(boolean failure) {
    if (child != null || spawning != null || ladder != null) {
      return; // something started it again meanwhile
    }
    state = failure ? State.FAILED : State.EXITED;
    Restart r = group.config.restart();
    boolean again = r.policy() == RestartPolicy.ALWAYS || (r.policy() == RestartPolicy.ON_FAILURE && failure);
    if (!wanted || !sup.isRunning() || !again || group.crashLoop) {
      return;
    }
    long now = System.currentTimeMillis();
    if (!group.takeRestart(now)) {
      return; // the group went into crash-loop
    }
    prune(restarts, now, r.window().toMillis());
    int previous = restarts.size();
    restarts.add(now);
    restartCount++;
    long delay = Backoff.delayMs(r, previous, () -> ThreadLocalRandom.current().nextDouble());
    state = State.BACKOFF;
    sup.events.publish("restarting", Events.of(this).put("delayMs", delay).put("attempt", previous + 1)
        .put("lastExit", lastExit).put("error", lastError));
    sup.log.info("group {} instance {}: restart {} in {} ms", group.name(), index, previous + 1, delay);
    backoffTimer = sup.vertx.setTimer(Math.max(1, delay), id -> {
      backoffTimer = -1;
      if (wanted && sup.isRunning() && child == null && spawning == null && ladder == null && !group.crashLoop) {
        spawn();
      }
    });
  }

  /** Forgets the restart history (a reload or an explicit start after a crash loop). */
  void clearRestarts() {
    restarts.clear();
  }

  /** No restart is pending any more (crash loop, terminate). */
  void cancelBackoff() {
    if (backoffTimer >= 0) {
      sup.vertx.cancelTimer(backoffTimer);
      backoffTimer = -1;
      if (state == State.BACKOFF) {
        state = State.FAILED;
      }
    }
  }

  static void prune(Deque<Long> times, long now, long windowMs) {
    while (!times.isEmpty() && times.peekFirst() <= now - windowMs) {
      times.removeFirst();
    }
  }

  private void cancelReadyTimers() {
    if (readyTimer >= 0) {
      sup.vertx.cancelTimer(readyTimer);
      readyTimer = -1;
    }
    if (readyTimeoutTimer >= 0) {
      sup.vertx.cancelTimer(readyTimeoutTimer);
      readyTimeoutTimer = -1;
    }
  }

  private void failReadyWaiter(String why) {
    if (readyWaiter != null) {
      readyWaiter.tryFail("group " + group.name() + " instance " + index + " was not ready: " + why);
    }
  }

  JsonObject status() {
    JsonObject s = new JsonObject().put("instance", index).put("state", state.json()).put("wanted", wanted)
        .put("restarts", restartCount);
    if (child != null) {
      s.put("pid", child.pid).put("startedAt", child.startedAt);
      if (state == State.READY) {
        s.put("readyAt", readyAt);
      }
    }
    if (lastExit != null) {
      s.put("lastExit", lastExit);
    }
    if (lastError != null) {
      s.put("error", lastError);
    }
    return s;
  }
}
