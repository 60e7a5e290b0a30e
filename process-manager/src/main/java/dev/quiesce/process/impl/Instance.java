package dev.quiesce.process.impl;

import dev.quiesce.lifecycle.EventBusContract.ProcessEvent;
import dev.quiesce.process.ProcessGroupConfig.HealthKind;
import dev.quiesce.process.ProcessGroupConfig.Output;
import dev.quiesce.process.ProcessGroupConfig.ReadyKind;
import dev.quiesce.process.ProcessGroupConfig.Restart;
import dev.quiesce.process.ProcessGroupConfig.RestartPolicy;
import dev.quiesce.process.ProcessGroupConfig;
import dev.quiesce.signal.PosixSignal;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

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

  private final GroupContext ctx;
  private final Group group;
  private final int index;
  private State state = State.STOPPED;
  /** Whether the instance should be running (false after a stop command or during terminate). */
  private boolean wanted;
  private Child child;
  private Readiness readiness;
  /** The health check of the ready child, or null. */
  private HealthCheck health;
  /** The configuration the running child was started with. */
  private ProcessGroupConfig childConfig;
  /** {@link System#nanoTime()} of the last {@code WATCHDOG=1} of the child, 0 before the first. */
  private volatile long lastWatchdogPingNanos;
  /** How many times a child of this instance was found unhealthy and stopped. */
  private int unhealthy;
  private Future<Void> spawning;
  private LadderRun ladder;
  private final RestartBackoff restarts;
  private JsonObject lastExit;
  private String lastError;
  private Promise<Void> readyWaiter;
  private long readyAt;
  /** The current child's {@code STATUS=} text, or null. */
  private String notifyStatus;
  /** The current child said {@code STOPPING=1}: it stops by itself. */
  private boolean stoppingByItself;
  /** The current child's {@code WATCHDOG=1} messages. */
  private long watchdogPings;
  /** The current child's {@code MAINPID=} (in its process group), 0 without one; with its start time. */
  private int mainPid;
  private long mainPidStart;
  /** How often the main pid was found running after the child exited (shown as {@code notify.mainPidChecks}). */
  private long mainPidChecks;

  /** How often a main pid that outlived its child is checked for (it is not the JVM's child: no exit to wait for). */
  static final long MAIN_PID_POLL_MS = 100;

  Instance(GroupContext ctx, Group group, int index) {
    this.ctx = ctx;
    this.group = group;
    this.index = index;
    this.restarts = new RestartBackoff(ctx.vertx());
  }

  int index() {
    return index;
  }

  String groupName() {
    return group.name();
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

  /** True while {@code c} is the instance's child and it is ready (not starting, stopping, or gone). */
  boolean isReady(Child c) {
    return c == child && state == State.READY;
  }

  /** How many times a child of this instance was found unhealthy and stopped. */
  int unhealthyCount() {
    return unhealthy;
  }

  boolean isWanted() {
    return wanted;
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
      if (!ctx.isRunning()) {
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
  boolean signal(PosixSignal signal) {
    if (child == null) {
      return false;
    }
    ctx.children().signalGroup(child.pid, signal);
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
    cancelChecks();
    state = State.STOPPING;
    failReadyWaiter("it is being stopped");
    ladder = new LadderRun(ctx, this, child, group.config().stopLadder(), deadline);
    return ladder.start(forced).onComplete(ar -> {
      ladder = null;
      state = State.STOPPED;
    });
  }

  private Future<Void> spawn() {
    ProcessGroupConfig cfg = group.config();
    state = State.STARTING;
    notifyStatus = null;
    stoppingByItself = false;
    watchdogPings = 0;
    mainPid = 0;
    mainPidChecks = 0;
    readyWaiter = Promise.promise();
    Map<String, String> env = new LinkedHashMap<>();
    env.put("QUIESCE_GROUP", cfg.name());
    env.put("QUIESCE_INSTANCE", Integer.toString(index));
    if (cfg.ready().kind() == ReadyKind.TCP_PORT) {
      env.put("QUIESCE_PORT", Integer.toString(cfg.ready().tcpPort() + index));
    }
    if (cfg.health().kind() == HealthKind.WATCHDOG) {
      // as systemd does; WATCHDOG_PID is left out: the pid is not known before the spawn
      env.put("WATCHDOG_USEC", Long.toString(cfg.health().watchdog().toNanos() / 1000));
    }
    Promise<Void> done = Promise.promise();
    spawning = done.future();
    ctx.children().spawn(cfg, index, env).onComplete(ar -> {
      spawning = null;
      if (ar.succeeded()) {
        attach(cfg, ar.result());
      } else {
        startFailed(ar.cause());
      }
      done.complete();
    });
    return done.future();
  }

  private void attach(ProcessGroupConfig cfg, Child c) {
    child = c;
    childConfig = cfg;
    lastError = null;
    ctx.children().track(c, this);
    ctx.events().publish(ProcessEvent.STARTED, Events.of(this).put("pid", c.pid));
    ctx.log().info("group {} instance {} started: pid {}", cfg.name(), index, c.pid);
    Readiness ready = Readiness.arm(ctx, this, c, cfg.ready());
    readiness = ready;
    if (cfg.output() == Output.LOG) {
      group.readOutput(this, c, ready, cfg.maxLineLength());
    }
    c.exit.onComplete(ar -> leaderExited(c, ar.succeeded() ? ar.result() : -1));
  }

  /**
   * A notify message from {@code c}'s process group (sent by {@code senderPid}), on the supervisor's
   * context: {@code MAINPID} first, then {@code STATUS}, {@code WATCHDOG}, {@code STOPPING}, and
   * {@code READY} (which makes the instance ready when its group's readiness is {@code notify}).
   * Ignored when {@code c} is no longer the instance's child.
   */
  void notified(Child c, int senderPid, NotifyMessage m) {
    if (c != child) {
      return;
    }
    if (m.mainPid() > 0 && m.mainPid() != mainPid) {
      acceptMainPid(c, m.mainPid(), senderPid);
    }
    if (m.status() != null) {
      notifyStatus = m.status();
    }
    if (m.watchdog()) {
      watchdogPings++;
      watchdogPing(c);
    }
    if (m.stopping() && !stoppingByItself) {
      stoppingByItself = true;
      ctx.log().info("group {} instance {} (pid {}) says it is stopping (STOPPING=1)", group.name(), index, c.pid);
    }
    if (m.ready() && group.config().ready().kind() == ReadyKind.NOTIFY) {
      markReady(c);
    }
  }

  /**
   * A {@code WATCHDOG=1} from {@code c}: records the time ({@link System#nanoTime()}, read by the
   * {@code watchdog} health check) if {@code c} is the current child. On the supervisor's context
   * only (it reads the current child, which only that context writes).
   */
  void watchdogPing(Child c) {
    if (c == child) {
      lastWatchdogPingNanos = System.nanoTime();
    }
  }

  /** When the last {@code WATCHDOG=1} came ({@link System#nanoTime()}), 0 before any. From any thread. */
  long lastWatchdogPingNanos() {
    return lastWatchdogPingNanos;
  }

  /** {@code MAINPID=pid}: taken only when {@code pid} runs in {@code c}'s process group. */
  private void acceptMainPid(Child c, int pid, int senderPid) {
    ProcStat s = ProcStat.of(pid);
    if (s == null || s.zombie() || s.pgrp() != c.pid) {
      ctx.children().notifications().mainPidRefused();
      ctx.log().warn("group {} instance {} (pid {}): MAINPID={} from pid {} ignored: {}", group.name(), index, c.pid,
          pid, senderPid, s == null || s.zombie() ? "no such process" : "it is not in the child's process group "
          + c.pid + " (it is in " + s.pgrp() + ")");
      return;
    }
    mainPid = pid;
    mainPidStart = s.startTime();
    ctx.children().notifications().mainPid(c, this, pid);
    ctx.log().info("group {} instance {} (pid {}): main pid {}", group.name(), index, c.pid, pid);
  }

  /**
   * The child exited. When it had named another process of its group as its main pid and that one
   * still runs (a program that forks its server and exits), the instance keeps running and the main
   * pid's end, polled every {@link #MAIN_PID_POLL_MS}, counts as the instance's exit; otherwise this is
   * the instance's exit.
   */
  private void leaderExited(Child c, int exitValue) {
    if (c == child && mainPid > 0 && mainPid != c.pid && ProcStat.isSameProcess(mainPid, mainPidStart)) {
      ctx.log().info("group {} instance {}: pid {} exited ({}); its main pid {} keeps the instance running",
          group.name(), index, c.pid, ExitStatus.toJson(exitValue).encode(), mainPid);
      watchMainPid(c);
      return;
    }
    onExit(c, ExitStatus.toJson(exitValue));
  }

  private void watchMainPid(Child c) {
    ctx.vertx().setTimer(MAIN_PID_POLL_MS, id -> {
      if (c != child) {
        return;
      }
      if (ProcStat.isSameProcess(mainPid, mainPidStart)) {
        mainPidChecks++;
        watchMainPid(c);
      } else {
        onExit(c, ExitStatus.mainPidGone(mainPid));
      }
    });
  }

  void markReady(Child c) {
    if (c != child || state != State.STARTING) {
      return;
    }
    cancelChecks();
    state = State.READY;
    readyAt = System.currentTimeMillis();
    ctx.events().publish(ProcessEvent.READY, Events.of(this).put("pid", c.pid).put("afterMs", readyAt - c.startedAt));
    if (childConfig.health().kind() != HealthKind.NONE) {
      health = HealthCheck.start(ctx, this, c, childConfig);
    }
    if (readyWaiter != null) {
      readyWaiter.tryComplete();
    }
    ctx.becameReady().run();
  }

  void readyTimedOut(Child c) {
    if (c != child || state != State.STARTING) {
      return;
    }
    long after = System.currentTimeMillis() - c.startedAt;
    lastError = "not ready within " + after + " ms";
    ctx.log().error("group {} instance {} (pid {}) was not ready within {} ms: stopping it", group.name(), index, c.pid,
        after);
    ctx.events().publish(ProcessEvent.READY_TIMEOUT, Events.of(this).put("pid", c.pid).put("afterMs", after));
    failReadyWaiter(lastError);
    stopChild(LadderRun.NO_DEADLINE, false).onComplete(ar -> decideRestart(true));
  }

  /**
   * {@code c}'s health check failed {@code failures} times in a row: the child is stopped along its
   * ladder, counted, and the restart policy decides as after a failed exit (the restart counts toward
   * the group's crash loop). Nothing happens when {@code c} is no longer the ready child.
   */
  void unhealthy(Child c, String probe, String reason, int failures) {
    if (!isReady(c)) {
      return;
    }
    unhealthy++;
    group.countUnhealthy();
    lastError = "unhealthy: " + reason;
    ctx.log().error("group {} instance {} (pid {}) is unhealthy after {} failed {} probe(s) in a row: {}; stopping it",
        group.name(), index, c.pid, failures, probe, reason);
    ctx.events().publish(ProcessEvent.UNHEALTHY, Events.of(this).put("pid", c.pid).put("probe", probe)
        .put("reason", reason).put("failures", failures).put("count", unhealthy));
    stopChild(LadderRun.NO_DEADLINE, false).onComplete(ar -> decideRestart(true));
  }

  private void startFailed(Throwable cause) {
    lastError = cause.getMessage();
    state = State.FAILED;
    ctx.log().error("{}", lastError);
    ctx.events().publish(ProcessEvent.START_FAILED, Events.of(this).put("error", lastError));
    failReadyWaiter(lastError);
    decideRestart(true);
  }

  private void onExit(Child c, JsonObject exit) {
    if (c != child) {
      return;
    }
    child = null;
    cancelChecks();
    lastExit = exit;
    Future<Reaped> reaped = ctx.children().reap(c, this);
    if (ladder != null) {
      ladder.exited(exit, reaped);
      return;
    }
    state = State.EXITED;
    failReadyWaiter("it exited (" + exit.encode() + ")");
    long uptime = System.currentTimeMillis() - c.startedAt;
    reaped.onComplete(n -> {
      JsonObject exited = Reaped.putInto(Events.of(this).put("pid", c.pid).put("exit", exit)
          .put("expected", false).put("uptimeMs", uptime), n);
      ctx.events().publish(ProcessEvent.EXITED, exited);
      ctx.log().warn("group {} instance {} (pid {}) exited on its own after {} ms: {}", group.name(), index, c.pid,
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
    Restart r = group.config().restart();
    boolean again = r.policy() == RestartPolicy.ALWAYS || (r.policy() == RestartPolicy.ON_FAILURE && failure);
    if (!wanted || !ctx.isRunning() || !again || group.isCrashLooping()) {
      return;
    }
    long now = System.currentTimeMillis();
    if (!group.takeRestart(now)) {
      return; // the group went into crash-loop
    }
    state = State.BACKOFF;
    RestartBackoff.Scheduled next = restarts.schedule(r, now, () -> {
      if (wanted && ctx.isRunning() && child == null && spawning == null && ladder == null
          && !group.isCrashLooping()) {
        spawn();
      }
    });
    ctx.events().publish(ProcessEvent.RESTARTING, Events.of(this).put("delayMs", next.delayMs())
        .put("attempt", next.attempt()).put("lastExit", lastExit).put("error", lastError));
    ctx.log().info("group {} instance {}: restart {} in {} ms", group.name(), index, next.attempt(),
        next.delayMs());
  }

  /** Forgets the restart history (a reload or an explicit start after a crash loop). */
  void clearRestarts() {
    restarts.forget();
  }

  /** No restart is pending any more (crash loop, terminate). */
  void cancelBackoff() {
    if (restarts.cancel() && state == State.BACKOFF) {
      state = State.FAILED;
    }
  }

  /** Ends the readiness and health checks of the child: it is ready, being stopped, or gone. */
  private void cancelChecks() {
    if (readiness != null) {
      readiness.cancel();
      readiness = null;
    }
    if (health != null) {
      health.cancel();
      health = null;
    }
  }

  private void failReadyWaiter(String why) {
    if (readyWaiter != null) {
      readyWaiter.tryFail("group " + group.name() + " instance " + index + " was not ready: " + why);
    }
  }

  /**
   * What the current child said through its notify socket: {@code status} (its {@code STATUS=}),
   * {@code mainPid}, {@code mainPidChecks} (how often the main pid was found running since the child
   * itself exited), {@code stopping: true} (it said {@code STOPPING=1}), {@code watchdogPings} and
   * {@code lastWatchdogPingMsAgo}; empty when it said nothing.
   */
  private JsonObject notifyStatus() {
    JsonObject n = new JsonObject();
    if (notifyStatus != null) {
      n.put("status", notifyStatus);
    }
    if (mainPid > 0) {
      n.put("mainPid", mainPid);
    }
    if (mainPidChecks > 0) {
      n.put("mainPidChecks", mainPidChecks);
    }
    if (stoppingByItself) {
      n.put("stopping", true);
    }
    if (watchdogPings > 0) {
      n.put("watchdogPings", watchdogPings).put("lastWatchdogPingMsAgo",
          (System.nanoTime() - lastWatchdogPingNanos) / 1_000_000);
    }
    return n;
  }

  JsonObject status() {
    JsonObject s = new JsonObject().put("instance", index).put("state", state.json()).put("wanted", wanted)
        .put("restarts", restarts.count()).put("unhealthy", unhealthy);
    if (child != null) {
      s.put("pid", child.pid).put("startedAt", child.startedAt);
      if (state == State.READY) {
        s.put("readyAt", readyAt);
      }
      JsonObject notify = notifyStatus();
      if (!notify.isEmpty()) {
        s.put("notify", notify);
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
