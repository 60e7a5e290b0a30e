package dev.quiesce.process.impl;

import dev.quiesce.process.ProcessGroupConfig;
import dev.quiesce.process.ProcessGroupConfig.Reload;
import dev.quiesce.signal.PosixSignal;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One configured group: its instances, its restart budget and crash-loop state. Runs on the supervisor's context. */
final class Group {

  final Supervisor sup;
  final Logger log;
  /** Reads the output of every child with {@code output: "log"}; its thread runs while some child's output is read. */
  final OutputReader output;
  volatile ProcessGroupConfig config;
  volatile RateLimiter outputEvents;
  boolean crashLoop;
  final List<Instance> instances = new ArrayList<>();
  /** Instances scaled away by a reload, still stopping. */
  private final List<Instance> retiring = new ArrayList<>();
  private final Deque<Long> restarts = new ArrayDeque<>();

  Group(Supervisor sup, ProcessGroupConfig config) {
    this.sup = sup;
    this.config = config;
    this.log = LoggerFactory.getLogger("quiesce.process." + config.name());
    this.output = new OutputReader(config.name(), log);
    this.outputEvents = new RateLimiter(config.outputEvents());
    for (int i = 0; i < config.instances(); i++) {
      instances.add(new Instance(sup, this, i));
    }
  }

  String name() {
    return config.name();
  }

  /** Starts every instance; completes when each is spawned or has failed to start. */
  Future<Void> startAll() {
    clearCrashLoop();
    List<Future<Void>> started = new ArrayList<>();
    instances.forEach(i -> started.add(i.start()));
    return Future.join(started).mapEmpty();
  }

  /** Stops every instance in parallel; completes with one result per child that was running. */
  Future<List<JsonObject>> stopAll(long deadline, boolean forced) {
    List<Future<JsonObject>> stopped = new ArrayList<>();
    instances.forEach(i -> stopped.add(i.stop(deadline, forced)));
    new ArrayList<>(retiring).forEach(i -> stopped.add(i.stop(deadline, forced)));
    return Future.join(stopped).map(cf -> {
      List<JsonObject> out = new ArrayList<>();
      for (Future<JsonObject> f : stopped) {
        if (f.succeeded() && f.result() != null) {
          out.add(f.result());
        }
      }
      return out;
    });
  }

  /**
   * Restarts the instances one at a time, each only once the one before is ready again, so at
   * least {@code instances - 1} are ready throughout (when they were all ready before). Stops at
   * the first instance that does not come back ready.
   */
  Future<Integer> rollingRestart(List<Instance> which) {
    Future<Integer> chain = Future.succeededFuture(0);
    for (Instance i : which) {
      chain = chain.compose(n -> i.restart().recover(err -> Future.failedFuture(
          "rolling restart of group " + name() + " stopped at instance " + i.index + ": " + err.getMessage()))
          .map(v -> n + 1));
    }
    return chain;
  }

  /** Sends {@code signal} to every running instance; returns the pids signalled. */
  JsonArray signalAll(PosixSignal signal) {
    return signal(instances, signal);
  }

  /** Sends {@code signal} to each running instance of {@code which}; returns the pids signalled. */
  static JsonArray signal(List<Instance> which, PosixSignal signal) {
    JsonArray pids = new JsonArray();
    for (Instance i : which) {
      int pid = i.pid();
      if (i.signal(signal)) {
        pids.add(pid);
      }
    }
    return pids;
  }

  /**
   * Counts a restart against the group's budget.
   *
   * @return false when the budget is spent: the group is now in crash-loop
   */
  boolean takeRestart(long now) {
    ProcessGroupConfig.Restart r = config.restart();
    Instance.prune(restarts, now, r.window().toMillis());
    if (restarts.size() >= r.maxRestarts()) {
      enterCrashLoop();
      return false;
    }
    restarts.add(now);
    return true;
  }

  private void enterCrashLoop() {
    crashLoop = true;
    instances.forEach(Instance::cancelBackoff);
    ProcessGroupConfig.Restart r = config.restart();
    log.error("group {} is in crash-loop: {} restarts within {} ms; no more restarts until a reload or a start command",
        name(), restarts.size(), r.window().toMillis());
    sup.events.publish("crash-loop", new JsonObject().put("group", name()).put("restarts", restarts.size())
        .put("windowMs", r.window().toMillis()));
  }

  void clearCrashLoop() {
    crashLoop = false;
    restarts.clear();
    instances.forEach(Instance::clearRestarts);
  }

  /**
   * Applies a new configuration of this group: scales to its {@code instances}, then reloads as its
   * {@code reload} says (a signal to each running instance, or a rolling restart of those that
   * existed before). Clears a crash loop and starts instances that are not running.
   */
  Future<JsonObject> reload(ProcessGroupConfig next) {
    boolean changed = !Objects.equals(config.source(), next.source());
    config = next;
    outputEvents = new RateLimiter(next.outputEvents());
    clearCrashLoop();
    List<Future<?>> scaling = new ArrayList<>();
    while (instances.size() > next.instances()) {
      Instance gone = instances.remove(instances.size() - 1);
      retiring.add(gone);
      scaling.add(gone.stop(LadderRun.NO_DEADLINE, false).onComplete(ar -> retiring.remove(gone)));
    }
    List<Instance> existing = new ArrayList<>(instances);
    JsonObject detail = new JsonObject().put("group", name()).put("action", next.reload().toString())
        .put("changed", changed).put("instances", next.instances());
    Future<JsonObject> action;
    if (next.reload().mode() == Reload.Mode.SIGNAL) {
      // only the instances that ran before the reload hear the signal; new ones start with the new configuration
      List<Instance> notRunning = existing.stream().filter(i -> i.pid() == 0).toList();
      JsonArray pids = signal(existing, next.reload().signal());
      notRunning.forEach(Instance::start);
      action = Future.succeededFuture(detail.put("signalled", pids.size()).put("started", notRunning.size()));
    } else {
      action = rollingRestart(existing).map(n -> detail.put("restarted", n));
    }
    for (int i = instances.size(); i < next.instances(); i++) {
      Instance added = new Instance(sup, this, i);
      instances.add(added);
      scaling.add(added.start());
    }
    return Future.join(scaling).transform(v -> action);
  }

  JsonObject status() {
    JsonArray list = new JsonArray();
    int ready = 0;
    for (Instance i : instances) {
      list.add(i.status());
      if (i.isReady()) {
        ready++;
      }
    }
    String state = crashLoop ? "crash-loop" : instances.stream().anyMatch(i -> i.wanted) ? "running" : "stopped";
    return new JsonObject().put("group", name()).put("state", state).put("desired", config.instances())
        .put("ready", ready).put("instances", list);
  }
}
