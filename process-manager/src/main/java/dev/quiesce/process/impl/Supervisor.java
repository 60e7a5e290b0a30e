package dev.quiesce.process.impl;

import dev.quiesce.lifecycle.EventBusContract.ProcessEvent;
import dev.quiesce.lifecycle.UpgradeHandover;
import dev.quiesce.process.ProcessGroupConfig;
import dev.quiesce.process.ProcessesConfig;
import dev.quiesce.process.impl.ChildRecords.Swept;
import dev.quiesce.signal.PosixSignal;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The groups of one process manager and what happens to all of them at once: start (a group with
 * {@code dependsOn} once its dependencies are ready), terminate (down the dependency graph, each group
 * along its ladder, see {@link OrderedStop}), reload, propagated signals and the halt-time
 * SIGKILL. Runs on the verticle's context, except {@link #killAllNow()}.
 */
public final class Supervisor {

  /** The lifecycle of the supervisor itself. */
  public enum State { RUNNING, TERMINATING, TERMINATED }

  private final Logger log = LoggerFactory.getLogger("dev.quiesce.process");
  private final Events events;
  private final NetClient net;
  /** Kept in a field: Vert.x closes an HTTP client that is no longer referenced. */
  private final HttpClient http;
  private final ChildProcesses children;
  private final Notifications notifications;
  /** What every group is given of the supervisor. */
  private final GroupContext groupContext;
  private final Map<String, Group> groups = new LinkedHashMap<>();
  /** Groups whose start waits for the groups of their {@code dependsOn} to be ready. */
  private final Set<Group> waiting = new LinkedHashSet<>();
  /** The terminate phase's stop, once it began. */
  private OrderedStop stopping;
  private final List<Swept> swept;
  /** Told, in an upgrade's predecessor, which groups its stop has released. */
  private final UpgradeHandover handover;
  /** Holds back the exclusive groups of an upgrade's successor. */
  private final PredecessorGate gate;
  /** Completed once every group is ready but those held back for the predecessor. */
  private final Promise<Void> readyButForPredecessor = Promise.promise();
  private volatile boolean halted;
  private State state = State.RUNNING;
  private Future<JsonObject> terminated;
  private Future<?> reloading = Future.succeededFuture();

  /**
   * @param descendantScanIntervalMs how often the descendants of running children are looked for
   *     (to find those that leave their group); 0 for only before a stop and after an exit
   * @param notifications where the notify socket's messages are routed (the socket, if any, is opened by the caller)
   * @param predecessorSwept in an upgrade's successor, completes once the predecessor has exited and
   *     what it left running is swept (groups marked {@code "upgrade": "exclusive"} wait for it, or for
   *     the predecessor's release); ignored in any other process
   */
  Supervisor(Vertx vertx, Context context, ChildLauncher launcher, ProcessesConfig config, List<Swept> swept,
      long descendantScanIntervalMs, Notifications notifications, Future<Void> predecessorSwept) {
    this.notifications = notifications;
    this.events = new Events(vertx.eventBus());
    this.net = vertx.createNetClient(new NetClientOptions().setConnectTimeout(500));
    this.http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
    this.swept = List.copyOf(swept);
    this.children = new ChildProcesses(vertx, context, launcher, events, log, descendantScanIntervalMs,
        notifications);
    this.groupContext = new GroupContext(vertx, context, events, children, net, http, log, this::isRunning,
        () -> startGroupsNowReady());
    config.groups().forEach(g -> groups.put(g.name(), new Group(groupContext, g)));
    this.handover = UpgradeHandover.of(vertx);
    this.gate = PredecessorGate.of(handover, predecessorSwept, context, this::startGroupsNowReady);
    published(swept);
  }

  /** Publishes a {@code swept} event for each leftover of an earlier run (or of an upgrade's predecessor) killed or found gone. */
  void published(List<Swept> swept) {
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

  /**
   * Starts every group whose {@code dependsOn} groups are ready (all of them, when no group has
   * dependencies); the others wait and start, later, once theirs are. Completes when every instance
   * of the groups started now is spawned or failed to start (never fails).
   */
  public Future<Void> startAll() {
    List<Future<Void>> started = new ArrayList<>();
    dependenciesFirst().forEach(g -> started.add(startAfterDependencies(g)));
    started.addAll(startGroupsNowReady());
    return Future.join(started).onComplete(ar -> checkReadyButForThePredecessor()).mapEmpty();
  }

  /**
   * The groups, each after the groups of its {@code dependsOn} (configuration order otherwise), so
   * that a pass over them sees a group's dependencies started before the group is looked at. The
   * graph has no cycle (the configuration is validated).
   */
  private List<Group> dependenciesFirst() {
    DependencyGraph graph = DependencyGraph.of(groups.values().stream().map(Group::config).toList());
    return graph.dependenciesFirst().stream().map(groups::get).toList();
  }

  /**
   * Starts {@code g} now when every group of its {@code dependsOn} is ready ({@link #isReady(Group)});
   * otherwise {@code g} waits (its status says for which) and the future completes at once.
   */
  private Future<Void> startAfterDependencies(Group g) {
    List<String> notReady = notReadyDependencies(g);
    g.waitFor(notReady);
    if (notReady.isEmpty()) {
      waiting.remove(g);
      return g.startAll();
    }
    if (waiting.add(g)) {
      log.info("group {} waits for {} before it starts", g.name(), notReady);
    }
    return Future.succeededFuture();
  }

  private List<String> notReadyDependencies(Group g) {
    List<String> out = new ArrayList<>();
    gate.holds(g.config()).ifPresent(out::add);
    for (String name : g.config().dependsOn()) {
      Group dep = groups.get(name);
      if (dep == null || !isReady(dep)) {
        out.add(name);
      }
    }
    return out;
  }

  /**
   * Whether {@code g} counts as ready for the groups that depend on it: its instances are ready
   * ({@link Group#instancesReady()}, true for 0 instances once it no longer waits) and so is every
   * group of its {@code dependsOn}, down the whole chain. So a group of 0 instances passes readiness
   * on from its dependencies, and never more.
   */
  private boolean isReady(Group g) {
    if (!g.instancesReady()) {
      return false;
    }
    for (String name : g.config().dependsOn()) {
      Group dep = groups.get(name);
      if (dep == null || !isReady(dep)) {
        return false;
      }
    }
    return true;
  }

  /**
   * An instance became ready, or a reload changed the groups: starts every waiting group whose
   * dependencies are all ready now, dependencies first, and goes on until a pass starts none (a group
   * of 0 instances that starts is ready at once, with no event to say so).
   *
   * @return the starts begun
   */
  private List<Future<Void>> startGroupsNowReady() {
    List<Future<Void>> started = new ArrayList<>();
    boolean more = isRunning() && !waiting.isEmpty();
    while (more) {
      more = false;
      waiting.removeIf(g -> groups.get(g.name()) != g);
      for (Group g : dependenciesFirst()) {
        if (waiting.contains(g)) {
          started.add(startAfterDependencies(g));
          more |= !waiting.contains(g);
        }
      }
    }
    // after the pass: a group of 0 instances it started is ready at once, with no event to say so
    checkReadyButForThePredecessor();
    return started;
  }

  /**
   * Completes once every group is ready ({@link #isReady}) except those held back for an upgrade's
   * predecessor (its {@code "upgrade": "exclusive"} groups and the groups that depend on them): what
   * an upgrade's successor waits for before it tells the predecessor it is ready. Never fails; may
   * never complete (an instance that never gets ready: the predecessor then ends this process).
   */
  public Future<Void> readyButForThePredecessor() {
    return readyButForPredecessor.future();
  }

  private void checkReadyButForThePredecessor() {
    if (!readyButForPredecessor.future().isComplete()
        && groups.values().stream().allMatch(g -> heldForThePredecessor(g) || isReady(g))) {
      readyButForPredecessor.complete();
    }
  }

  private boolean heldForThePredecessor(Group g) {
    return gate.holds(g.config()).isPresent() || g.config().dependsOn().stream().map(groups::get)
        .anyMatch(dep -> dep != null && heldForThePredecessor(dep));
  }

  /** A {@code start}, {@code stop} or {@code restart} command for {@code g}: it waits no more for its dependencies. */
  void endWait(Group g) {
    waiting.remove(g);
    g.waitFor(List.of());
    checkReadyButForThePredecessor();
  }

  /**
   * The terminate phase: no more restarts, no more waiting starts; the groups stop down their
   * {@code dependsOn} graph (dependents first, independent groups in parallel), each along its
   * ladder, the budget shared as {@link OrderedStop} says, all by {@code deadline}; KILL at once when
   * {@code forced}. A second call returns the same result (escalating when forced). Never fails.
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
    List.copyOf(waiting).forEach(this::endWait);
    stopping = new OrderedStop(groupContext, groups.values(), deadline, forced);
    // in an upgrade's predecessor, the successor may start its copy of an exclusive group from here on, unless
    // a process of it is lost (still there after KILL): then the successor waits for this JVM's exit and sweep
    groups.keySet().forEach(name -> stopping.of(name).onSuccess(results -> {
      if (results.stream().noneMatch(r -> r.getBoolean("lost", false))) {
        handover.released(name);
      } else {
        log.warn("group {} is not released to an upgrade's successor: a process of it is still there after KILL", name);
      }
    }));
    terminated = stopping.all().map(stopped -> {
      state = State.TERMINATED;
      return TerminateDetail.of(stopped, (System.nanoTime() - begun) / 1_000_000);
    });
    return terminated;
  }

  /** A stop was forced while the terminate phase runs: every ladder goes to KILL now. */
  public void escalate() {
    if (state == State.TERMINATING) {
      log.warn("stop forced: every child still running gets SIGKILL now");
      stopping.escalate();
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
    Map<String, Group> kept = new LinkedHashMap<>();
    List<Group> added = new ArrayList<>();
    for (ProcessGroupConfig cfg : next.groups()) {
      Group g = groups.get(cfg.name());
      if (g == null) {
        g = new Group(groupContext, cfg);
        added.add(g);
      }
      kept.put(cfg.name(), g);
    }
    List<Group> removed = groups.values().stream().filter(g -> !kept.containsKey(g.name())).toList();
    groups.clear();
    groups.putAll(kept);
    removed.forEach(waiting::remove);
    List<Future<JsonObject>> work = new ArrayList<>();
    OrderedStop removal = new OrderedStop(groupContext, removed, LadderRun.NO_DEADLINE, false);
    for (Group g : removed) {
      work.add(removal.of(g.name()).map(list -> new JsonObject().put("group", g.name()).put("action", "removed")
          .put("stopped", list.size())));
    }
    // kept groups first, so that a group added with dependsOn sees its kept dependencies as the
    // reload leaves them (one being restarted is not ready), whatever the order of the configuration
    for (ProcessGroupConfig cfg : next.groups()) {
      Group g = groups.get(cfg.name());
      if (added.contains(g)) {
        continue;
      }
      work.add(g.isWaiting() ? Future.succeededFuture(g.reconfigureWhileWaiting(cfg)) : g.reload(cfg));
    }
    for (Group g : added) {
      work.add(startAfterDependencies(g).map(v -> {
        JsonObject detail = new JsonObject().put("group", g.name()).put("action", "started")
            .put("instances", g.config().instances());
        return g.isWaiting() ? detail.put("waitingFor", new JsonArray(List.copyOf(g.waitingFor()))) : detail;
      }));
    }
    startGroupsNowReady();
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

  /** {@code {"groups":[…],"state":…,"swept":[…],"notify":{…}}} ({@link Notifications#status()}). */
  public JsonObject list() {
    JsonArray list = new JsonArray();
    groups.values().forEach(g -> list.add(g.status()));
    JsonArray sweptList = new JsonArray();
    swept.forEach(s -> sweptList.add(sweptJson(s)));
    return new JsonObject().put("state", state.name().toLowerCase(Locale.ROOT)).put("groups", list)
        .put("swept", sweptList).put("notify", notifications.status());
  }

  public void close() {
    children.close();
    net.close();
    http.close();
  }
}
