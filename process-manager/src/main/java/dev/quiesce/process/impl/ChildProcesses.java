package dev.quiesce.process.impl;

import dev.quiesce.lifecycle.EventBusContract.ProcessEvent;
import dev.quiesce.process.ProcessGroupConfig;
import dev.quiesce.signal.PosixSignal;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.slf4j.Logger;

/**
 * The child processes of one process manager, as the operating system sees them: spawns them (on
 * the {@link Spawner} thread), signals their process groups, keeps track of their descendants
 * ({@link Descendants}), and after a child exited reaps what is left of it (members of its group,
 * descendants that left the group). Starts the {@code health.command} probes too. Knows every
 * process group (of a child or a probe) that may still have members: what a halt kills. Runs on the supervisor's context, except {@link #killAll()} and {@link #hasLiveGroups()}.
 */
final class ChildProcesses {

  /** How long members left in a group after its leader exited get before KILL (they heard the same signal). */
  static final long STRAGGLER_GRACE_MS = 1000;
  static final long POLL_MS = 40;
  /** How long a stop ladder waits at most for a scan of descendants before its first signal. */
  static final long SCAN_BEFORE_SIGNAL_BOUND_MS = 250;

  private static final String CHILD_ID_PREFIX = ProcessHandle.current().pid() + "-"
      + ProcStat.startTime((int) ProcessHandle.current().pid()).orElse(0) + "-";
  private static final AtomicLong CHILD_IDS = new AtomicLong();

  private final Vertx vertx;
  private final Context context;
  private final ChildLauncher launcher;
  private final Events events;
  private final Logger log;
  private final GroupScanner scanner;
  /** Every descendant of every child, to find those that left the child's process group. */
  private final Descendants descendants;
  private final long descendantScanTimer;
  private final long descendantScanIntervalMs;
  /** Process groups that may still have members: what a halt kills. */
  private final Set<Integer> liveGroups = ConcurrentHashMap.newKeySet();
  private final Set<Future<Reaped>> reaping = new HashSet<>();
  /** Routes the children's sd_notify messages to their instances. */
  private final Notifications notifications;
  /** The scan last found overdue before a first signal (warned about once). */
  private Future<Void> overdueScanWarned;

  /**
   * @param descendantScanIntervalMs how often the descendants of running children are looked for
   *     (to find those that leave their group); 0 for only before a stop and after an exit
   */
  ChildProcesses(Vertx vertx, Context context, ChildLauncher launcher, Events events, Logger log,
      long descendantScanIntervalMs, Notifications notifications) {
    this.vertx = vertx;
    this.notifications = notifications;
    this.context = context;
    this.launcher = launcher;
    this.events = events;
    this.log = log;
    this.scanner = new GroupScanner(vertx, context);
    this.descendants = new Descendants(context, events, log);
    this.descendantScanIntervalMs = descendantScanIntervalMs;
    this.descendantScanTimer = descendantScanIntervalMs <= 0 ? -1 : vertx.setPeriodic(descendantScanIntervalMs,
        id -> {
          if (!descendants.isEmpty()) {
            descendants.refresh();
          }
        });
  }

  /**
   * Spawns instance {@code index} of {@code group} with {@code env}, a new {@code QUIESCE_CHILD_ID}
   * (unique among every child of every JVM running now: {@code <jvm pid>-<its start time>-<n>}) and,
   * when the manager has a notify socket, {@code NOTIFY_SOCKET}.
   *
   * @return the child, on the supervisor's context; fails when it could not start
   */
  Future<Child> spawn(ProcessGroupConfig group, int index, Map<String, String> env) {
    String childId = CHILD_ID_PREFIX + CHILD_IDS.incrementAndGet();
    Map<String, String> withId = new LinkedHashMap<>(env);
    withId.put(Descendants.CHILD_ID, childId);
    String notifySocket = notifications.socketPath();
    if (notifySocket != null) {
      withId.put("NOTIFY_SOCKET", notifySocket);
    }
    return Future.fromCompletionStage(Spawner.get().submit(() -> launcher.spawn(group, index, withId)), context)
        .map(spawned -> new Child(spawned, context, childId));
  }

  /**
   * Starts a {@code health.command} probe of instance {@code index} of {@code group}, through the
   * launcher as a child is (its own process group, the parent-death signal, the guardian). Its process group counts among the live groups (what a halt kills) from its start until
   * the probe process has exited and its group was killed: call {@link #probeEnded} then.
   *
   * @return the probe's process, on the supervisor's context; fails when it could not start
   */
  Future<ChildLauncher.Spawned> startProbe(ProcessGroupConfig group, int index, List<String> command,
      Map<String, String> env) {
    return Future.fromCompletionStage(Spawner.get().submit(() -> {
      ChildLauncher.Spawned probe = launcher.startProbe(group, index, command, env);
      liveGroups.add(probe.pid());
      return probe;
    }), context);
  }

  /** A probe of {@link #startProbe} has exited and its process group was killed: it is forgotten. From any thread. */
  void probeEnded(ChildLauncher.Spawned probe) {
    liveGroups.remove(probe.pid());
    Spawner.get().execute(() -> launcher.forgetProbe(probe.pid()));
  }

  /**
   * A child just started: its group may have members from now on, its descendants are followed, and
   * notify messages from its group go to {@code instance}.
   */
  void track(Child c, Instance instance) {
    liveGroups.add(c.pid);
    descendants.track(c, instance);
    notifications.track(c, instance);
  }

  /** Where the children's notify messages are routed. */
  Notifications notifications() {
    return notifications;
  }

  /**
   * What a stop ladder waits for before its first signal to {@code c}, so that a descendant that left
   * its group and whose parent exits on the signal can still be traced: nothing when a periodic scan
   * that covered this very child (one begun after it started) began within two intervals and has
   * completed (the stop then costs no scan, and the window is the one between two periodic scans, as
   * while running); else one more scan, done when it completes, or after
   * {@value #SCAN_BEFORE_SIGNAL_BOUND_MS} ms at the latest (a scan stuck reading {@code /proc} of a
   * process stuck in the kernel does not hold the stop: the signal goes out, with a warning, once per
   * such scan). Never fails.
   */
  Future<Void> descendantsKnownBeforeSignal(Child c) {
    if (descendantScanIntervalMs > 0 && descendants.scannedWithin(c, 2_000_000L * descendantScanIntervalMs)) {
      return Future.succeededFuture();
    }
    Future<Void> scan = descendants.refresh();
    if (scan.isComplete()) {
      return scan;
    }
    Promise<Void> bounded = Promise.promise();
    long timer = vertx.setTimer(SCAN_BEFORE_SIGNAL_BOUND_MS, id -> {
      if (bounded.tryComplete() && overdueScanWarned != scan) {
        overdueScanWarned = scan;
        log.warn("the descendant scan before the first signal to pid {} has not completed after {} ms (a read of"
            + " /proc stuck?): signalling anyway; a descendant that leaves its group on the signal may not be"
            + " traced", c.pid, SCAN_BEFORE_SIGNAL_BOUND_MS);
      }
    });
    scan.onComplete(ar -> {
      vertx.cancelTimer(timer);
      bounded.tryComplete();
    });
    return bounded.future();
  }

  /** Sends {@code signal} to the process group {@code pgid}; to the process alone when its group is not formed yet. */
  void signalGroup(int pgid, PosixSignal signal) {
    int err = Posix.killpg(pgid, signal.number());
    if (err == Posix.ESRCH) {
      // setsid has not run yet in the child (just spawned): its group does not exist yet
      Posix.kill(pgid, signal.number());
    } else if (err != 0) {
      log.warn("killpg({}, {}) failed: errno {}", pgid, signal, err);
    }
  }

  /**
   * After a leader exited: waits briefly for the rest of its group to go, then kills any member
   * left (zombies aside), then kills the descendants that had left the group ({@link Descendants}),
   * and forgets the group.
   *
   * @return how many members were killed, and the escapees found
   */
  Future<Reaped> reap(Child c, Instance instance) {
    notifications.untrack(c);
    Promise<Integer> stragglers = Promise.promise();
    long giveUp = System.currentTimeMillis() + STRAGGLER_GRACE_MS;
    pollGroup(c, instance, giveUp, stragglers);
    Future<Reaped> result = stragglers.future().compose(n -> descendants.killEscapees(c, instance)
        .map(escapees -> new Reaped(n, escapees)));
    reaping.add(result);
    return result.onComplete(ar -> {
      reaping.remove(result);
      liveGroups.remove(c.pid);
      Spawner.get().execute(() -> launcher.forget(c.pid, c.startTime));
    });
  }

  private void pollGroup(Child c, Instance instance, long giveUp, Promise<Integer> result) {
    if (!Posix.groupExists(c.pid)) {
      result.complete(0);
      return;
    }
    scanner.members(c.pid).onComplete(ar -> {
      List<ProcStat> members = ar.succeeded() ? ar.result() : List.of();
      if (members.isEmpty()) {
        result.complete(0); // only zombies left, waiting for init to reap them
      } else if (System.currentTimeMillis() < giveUp) {
        vertx.setTimer(POLL_MS, id -> pollGroup(c, instance, giveUp, result));
      } else {
        Posix.killpg(c.pid, PosixSignal.KILL.number());
        String pids = members.stream().map(m -> Integer.toString(m.pid())).collect(Collectors.joining(","));
        log.warn("group {} instance {}: {} process(es) left in the process group of pid {} after it exited;"
            + " killed: {}", instance.groupName(), instance.index(), members.size(), c.pid, pids);
        events.publish(ProcessEvent.STRAGGLERS_KILLED, Events.of(instance).put("pgid", c.pid).put("count", members.size())
            .put("pids", new JsonArray(members.stream().map(ProcStat::pid).toList())));
        result.complete(members.size());
      }
    });
  }

  /** Completes when every reaping begun so far has ended; never fails. */
  Future<Void> reaped() {
    return Future.join(new ArrayList<>(reaping)).otherwiseEmpty().mapEmpty();
  }

  /** SIGKILL to every process group that may still have members, at once, from any thread. Never blocks. */
  void killAll() {
    for (int pgid : liveGroups) {
      Posix.killpg(pgid, PosixSignal.KILL.number());
    }
  }

  /** True while some child's process group may still have members; from any thread. */
  boolean hasLiveGroups() {
    return !liveGroups.isEmpty();
  }

  void close() {
    if (descendantScanTimer >= 0) {
      vertx.cancelTimer(descendantScanTimer);
    }
  }
}
