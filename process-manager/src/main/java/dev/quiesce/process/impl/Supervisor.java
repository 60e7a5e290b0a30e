package dev.quiesce.process.impl;

import dev.quiesce.process.ProcessGroupConfig;
import dev.quiesce.process.ProcessesConfig;
import dev.quiesce.process.impl.ChildRecords.Swept;
import dev.quiesce.signal.PosixSignal;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The groups of one process manager and what happens to all of them at once: start, terminate
 * (every group in parallel, each along its ladder), reload, propagated signals and the halt-time
 * SIGKILL. Runs on the verticle's context, except {@link #killAllNow()}.
 */
public final class Supervisor {

  /** The lifecycle of the supervisor itself. */
  public enum State { RUNNING, TERMINATING, TERMINATED }

  /** How long members left in a group after its leader exited get before KILL (they heard the same signal). */
  static final long STRAGGLER_GRACE_MS = 1000;
  static final long POLL_MS = 40;

  final Logger log = LoggerFactory.getLogger("dev.quiesce.process");
  final Vertx vertx;
  final Context context;
  final ChildLauncher launcher;
  final Events events;
  final NetClient net;
  private final GroupScanner scanner;
  /** Every descendant of every child, to find those that left the child's process group. */
  final Descendants descendants;
  private final long descendantScanTimer;
  /** Process groups that may still have members: what a halt kills. */
  final Set<Integer> liveGroups = ConcurrentHashMap.newKeySet();
  private final Map<String, Group> groups = new LinkedHashMap<>();
  private final List<Swept> swept;
  private final Set<Future<Reaped>> reaping = new java.util.HashSet<>();
  private volatile boolean halted;
  private State state = State.RUNNING;
  private Future<JsonObject> terminated;
  private Future<?> reloading = Future.succeededFuture();

  /**
   * @param descendantScanIntervalMs how often the descendants of running children are looked for
   *     (to find those that leave their group); 0 for only before a stop and after an exit
   */
  public Supervisor(Vertx vertx, Context context, ChildLauncher launcher, ProcessesConfig config, List<Swept> swept,
      long descendantScanIntervalMs) {
    this.vertx = vertx;
    this.context = context;
    this.launcher = launcher;
    this.events = new Events(vertx.eventBus());
    this.net = vertx.createNetClient(new NetClientOptions().setConnectTimeout(500));
    this.swept = List.copyOf(swept);
    this.scanner = new GroupScanner(vertx, context);
    this.descendants = new Descendants(context, events, log);
    this.descendantScanTimer = descendantScanIntervalMs <= 0 ? -1 : vertx.setPeriodic(descendantScanIntervalMs,
        id -> {
          if (!descendants.isEmpty()) {
            descendants.refresh();
          }
        });
    config.groups().forEach(g -> groups.put(g.name(), new Group(this, g)));
    for (Swept s : swept) {
      events.publish("swept", new JsonObject().put("group", s.group()).put("instance", s.instance())
          .put("pid", s.pid()).put("outcome", s.outcome()));
    }
  }

  private static final String CHILD_ID_PREFIX = ProcessHandle.current().pid() + "-"
      + ProcStat.startTime((int) ProcessHandle.current().pid()).orElse(0) + "-";
  private static final java.util.concurrent.atomic.AtomicLong CHILD_IDS = new java.util.concurrent.atomic.AtomicLong();

  /** A new {@code QUIESCE_CHILD_ID}: unique among every child of every JVM running now ({@code <jvm pid>-<its start time>-<n>}). */
  String nextChildId() {
    return CHILD_ID_PREFIX + CHILD_IDS.incrementAndGet();
  }

  boolean isRunning() {
    return state == State.RUNNING && !halted;
  }

  Group group(String name) {
    return groups.get(name);
  }

  Collection<Group> groups() {
    return groups.values();
  }

  /** Starts every group; completes when every instance is spawned or failed to start (never fails). */
  public Future<Void> startAll() {
    List<Future<Void>> started = new ArrayList<>();
    groups.values().forEach(g -> started.add(g.startAll()));
    return Future.join(started).mapEmpty();
  }

  /**
   * The terminate phase: no more restarts; every group stops in parallel along its ladder, cut to
   * end by {@code deadline}; KILL at once when {@code forced}. A second call returns the same
   * result (escalating when forced). Never fails.
   *
   * @return the acknowledgement detail: {@code children} (one entry per child that was running:
   *     exit, ladder step, duration, forced), {@code killed}, {@code forced} and {@code forcedReason}
   */
  public Future<JsonObject> terminate(long deadline, boolean forced) {
    if (terminated != null) {
      if (forced) {
        escalate();
      }
      return terminated;
    }
    state = State.TERMINATING;
    long begun = System.nanoTime();
    List<Future<List<JsonObject>>> stops = new ArrayList<>();
    groups.values().forEach(g -> stops.add(g.stopAll(deadline, forced)));
    terminated = Future.join(stops).map(cf -> {
      state = State.TERMINATED;
      List<JsonObject> children = new ArrayList<>();
      stops.forEach(f -> children.addAll(f.result()));
      return detail(children, (System.nanoTime() - begun) / 1_000_000);
    });
    return terminated;
  }

  /** A stop was forced while the terminate phase runs: every ladder goes to KILL now. */
  public void escalate() {
    if (state == State.TERMINATING) {
      log.warn("stop forced: every child still running gets SIGKILL now");
      groups.values().forEach(g -> g.instances.forEach(Instance::escalate));
    }
  }

  private JsonObject detail(List<JsonObject> children, long durationMs) {
    int killed = 0;
    int forcedChildren = 0;
    int stragglers = 0;
    int escapees = 0;
    Map<String, Integer> forcedByGroup = new LinkedHashMap<>();
    for (JsonObject c : children) {
      int s = c.getInteger("stragglersKilled", 0);
      stragglers += s;
      killed += s;
      int e = c.getInteger("escapeesKilled", 0);
      escapees += e;
      killed += e;
      if (c.getBoolean("forced", false)) {
        forcedChildren++;
        killed++;
        forcedByGroup.merge(c.getString("group"), 1, Integer::sum);
      }
    }
    JsonObject d = new JsonObject().put("children", new JsonArray(new ArrayList<>(children)))
        .put("stopped", children.size()).put("killed", killed).put("forcedChildren", forcedChildren)
        .put("stragglersKilled", stragglers).put("escapeesKilled", escapees).put("durationMs", durationMs)
        .put("forced", killed > 0);
    if (killed > 0) {
      List<String> reasons = new ArrayList<>();
      forcedByGroup.forEach((g, n) -> reasons.add(n + (n == 1 ? " child" : " children") + " of group " + g
          + " killed at the end of the stop ladder"));
      if (stragglers > 0) {
        reasons.add(stragglers + " process" + (stragglers == 1 ? "" : "es")
            + " left in the group of an exited child killed");
      }
      if (escapees > 0) {
        reasons.add(escapees + " process" + (escapees == 1 ? "" : "es")
            + " that had left the process group of a child (setsid or setpgid) killed");
      }
      d.put("forcedReason", String.join("; ", reasons));
    }
    return d;
  }

  /** Stops everything without a deadline (the verticle is undeployed without a terminate phase). */
  public Future<JsonObject> shutdown() {
    return terminate(LadderRun.NO_DEADLINE, false)
        .compose(d -> Future.join(new ArrayList<>(reaping)).transform(v -> Future.succeededFuture(d)));
  }

  /**
   * Applies a new configuration: removed groups stop, new groups start, kept groups reload (a
   * signal or a rolling restart, and scaling). Reloads run one after another.
   */
  public Future<JsonObject> reload(ProcessesConfig next) {
    Future<JsonObject> result = reloading.transform(v -> applyReload(next));
    reloading = result;
    return result;
  }

  private Future<JsonObject> applyReload(ProcessesConfig next) {
    if (!isRunning()) {
      return Future.failedFuture("the process manager is stopping");
    }
    List<Future<JsonObject>> work = new ArrayList<>();
    Map<String, Group> kept = new LinkedHashMap<>();
    for (ProcessGroupConfig cfg : next.groups()) {
      Group g = groups.get(cfg.name());
      if (g == null) {
        Group added = new Group(this, cfg);
        kept.put(cfg.name(), added);
        work.add(added.startAll().map(v -> new JsonObject().put("group", cfg.name()).put("action", "started")
            .put("instances", cfg.instances())));
      } else {
        kept.put(cfg.name(), g);
        work.add(g.reload(cfg));
      }
    }
    for (Group g : groups.values()) {
      if (!kept.containsKey(g.name())) {
        work.add(g.stopAll(LadderRun.NO_DEADLINE, false).map(list -> new JsonObject().put("group", g.name())
            .put("action", "removed").put("stopped", list.size())));
      }
    }
    groups.clear();
    groups.putAll(kept);
    return Future.join(work).transform(ar -> {
      JsonArray done = new JsonArray();
      List<String> failures = new ArrayList<>();
      for (Future<JsonObject> f : work) {
        if (f.succeeded()) {
          done.add(f.result());
        } else {
          failures.add(f.cause().getMessage());
        }
      }
      if (!failures.isEmpty()) {
        return Future.failedFuture(String.join("; ", failures));
      }
      return Future.succeededFuture(new JsonObject().put("groups", done));
    });
  }

  /** An OS signal the application caught: passed on to every group that propagates it. */
  public void propagate(PosixSignal signal) {
    for (Group g : groups.values()) {
      if (g.config.propagate().contains(signal)) {
        JsonArray pids = g.signalAll(signal);
        log.info("passed {} on to group {} ({} instances)", signal, g.name(), pids.size());
        signalled(g, signal, pids, "propagate");
      }
    }
  }

  /** Publishes the {@code signalled} event: {@code pids} of {@code group} got {@code signal}, from {@code source}. */
  void signalled(Group group, PosixSignal signal, JsonArray pids, String source) {
    events.publish("signalled", new JsonObject().put("group", group.name()).put("signal", signal.name())
        .put("pids", pids).put("source", source));
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

  /** What was left of a child after it exited: members of its group killed, descendants outside it killed. */
  record Reaped(int stragglers, JsonArray escapees) {

    int escapeesKilled() {
      return (int) escapees.stream().filter(e -> ((JsonObject) e).getBoolean("killed", false)).count();
    }

    /**
     * Puts {@code stragglersKilled} (0 when the reaping failed) into {@code json}, and
     * {@code escapeesKilled} and {@code escapees} when there were escapees; returns {@code json}.
     */
    static JsonObject putInto(JsonObject json, AsyncResult<Reaped> reaped) {
      json.put("stragglersKilled", reaped.succeeded() ? reaped.result().stragglers() : 0);
      if (reaped.succeeded() && !reaped.result().escapees().isEmpty()) {
        json.put("escapeesKilled", reaped.result().escapeesKilled()).put("escapees", reaped.result().escapees());
      }
      return json;
    }
  }

  /**
   * After a leader exited: waits briefly for the rest of its group to go, then kills any member
   * left (zombies aside), then kills the descendants that had left the group ({@link Descendants}),
   * and forgets the group.
   *
   * @return how many members were killed, and the escapees found
   */
  Future<Reaped> reapGroup(Child c, Instance instance) {
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
            + " killed: {}", instance.group.name(), instance.index, members.size(), c.pid, pids);
        events.publish("stragglers-killed", Events.of(instance).put("pgid", c.pid).put("count", members.size())
            .put("pids", new JsonArray(members.stream().map(ProcStat::pid).toList())));
        result.complete(members.size());
      }
    });
  }

  /**
   * SIGKILL to every process group that may still have members, at once, from any thread: the
   * halt hook of a third stop trigger. Never blocks.
   */
  public void killAllNow() {
    halted = true;
    for (int pgid : liveGroups) {
      Posix.killpg(pgid, PosixSignal.KILL.number());
    }
  }

  /** True while some child's process group may still have members. */
  public boolean hasLiveGroups() {
    return !liveGroups.isEmpty();
  }

  /** {@code {"groups":[…],"state":…,"swept":[…]}}. */
  public JsonObject list() {
    JsonArray list = new JsonArray();
    groups.values().forEach(g -> list.add(g.status()));
    JsonArray sweptJson = new JsonArray();
    swept.forEach(s -> sweptJson.add(new JsonObject().put("group", s.group()).put("instance", s.instance())
        .put("pid", s.pid()).put("outcome", s.outcome())));
    return new JsonObject().put("state", state.name().toLowerCase(java.util.Locale.ROOT)).put("groups", list)
        .put("swept", sweptJson);
  }

  public void close() {
    if (descendantScanTimer >= 0) {
      vertx.cancelTimer(descendantScanTimer);
    }
    net.close();
  }
}
