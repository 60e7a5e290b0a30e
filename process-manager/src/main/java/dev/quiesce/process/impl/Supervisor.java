package dev.quiesce.process.impl;

import dev.quiesce.lifecycle.EventBusContract.ProcessEvent;
import dev.quiesce.process.ProcessGroupConfig;
import dev.quiesce.process.ProcessesConfig;
import dev.quiesce.process.impl.ChildRecords.Swept;
import dev.quiesce.signal.PosixSignal;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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

  private final Logger log = LoggerFactory.getLogger("dev.quiesce.process");
  private final Events events;
  private final NetClient net;
  private final ChildProcesses children;
  /** What every group is given of the supervisor. */
  private final GroupContext groupContext;
  private final Map<String, Group> groups = new LinkedHashMap<>();
  private final List<Swept> swept;
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
    this.events = new Events(vertx.eventBus());
    this.net = vertx.createNetClient(new NetClientOptions().setConnectTimeout(500));
    this.swept = List.copyOf(swept);
    this.children = new ChildProcesses(vertx, context, launcher, events, log, descendantScanIntervalMs);
    this.groupContext = new GroupContext(vertx, context, events, children, net, log, this::isRunning);
    config.groups().forEach(g -> groups.put(g.name(), new Group(groupContext, g)));
    for (Swept s : swept) {
      events.publish(ProcessEvent.SWEPT, sweptJson(s));
    }
  }

  private static JsonObject sweptJson(Swept s) {
    return new JsonObject().put("group", s.group()).put("instance", s.instance()).put("pid", s.pid())
        .put("outcome", s.outcome());
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
      List<JsonObject> stopped = new ArrayList<>();
      stops.forEach(f -> stopped.addAll(f.result()));
      return TerminateDetail.of(stopped, (System.nanoTime() - begun) / 1_000_000);
    });
    return terminated;
  }

  /** A stop was forced while the terminate phase runs: every ladder goes to KILL now. */
  public void escalate() {
    if (state == State.TERMINATING) {
      log.warn("stop forced: every child still running gets SIGKILL now");
      groups.values().forEach(Group::escalate);
    }
  }

  /** Stops everything without a deadline (the verticle is undeployed without a terminate phase). */
  public Future<JsonObject> shutdown() {
    return terminate(LadderRun.NO_DEADLINE, false).compose(d -> children.reaped().map(d));
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
        Group added = new Group(groupContext, cfg);
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
      if (g.config().propagate().contains(signal)) {
        JsonArray pids = g.signalAll(signal);
        log.info("passed {} on to group {} ({} instances)", signal, g.name(), pids.size());
        signalled(g, signal, pids, "propagate");
      }
    }
  }

  /** Publishes the {@code signalled} event: {@code pids} of {@code group} got {@code signal}, from {@code source}. */
  void signalled(Group group, PosixSignal signal, JsonArray pids, String source) {
    events.publish(ProcessEvent.SIGNALLED, new JsonObject().put("group", group.name()).put("signal", signal.name())
        .put("pids", pids).put("source", source));
  }

  /**
   * SIGKILL to every process group that may still have members, at once, from any thread: the
   * halt hook of a third stop trigger. Never blocks.
   */
  public void killAllNow() {
    halted = true;
    children.killAll();
  }

  /** True while some child's process group may still have members. */
  public boolean hasLiveGroups() {
    return children.hasLiveGroups();
  }

  /** {@code {"groups":[…],"state":…,"swept":[…]}}. */
  public JsonObject list() {
    JsonArray list = new JsonArray();
    groups.values().forEach(g -> list.add(g.status()));
    JsonArray sweptList = new JsonArray();
    swept.forEach(s -> sweptList.add(sweptJson(s)));
    return new JsonObject().put("state", state.name().toLowerCase(Locale.ROOT)).put("groups", list)
        .put("swept", sweptList);
  }

  public void close() {
    children.close();
    net.close();
  }
}
