package dev.quiesce.process.impl;

import dev.quiesce.lifecycle.EventBusContract.ProcessEvent;
import dev.quiesce.process.ProcessGroupConfig.Reload;
import dev.quiesce.process.ProcessGroupConfig;
import dev.quiesce.signal.PosixSignal;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One configured group: its instances, its restart budget and crash-loop state. Runs on the supervisor's context. */
final class Group {

  private final GroupContext ctx;
  private final Logger log;
  /** Reads the output of every child with {@code output: "log"}; its thread runs while some child's output is read. */
  private final OutputReader output;
  private volatile ProcessGroupConfig config;
  private volatile RateLimiter outputEvents;
  private boolean crashLoop;
  /** How many times an instance of the group was found unhealthy and stopped. */
  private int unhealthy;
  private final List<Instance> instances = new ArrayList<>();
  /** Instances scaled away by a reload, still stopping. */
  private final List<Instance> retiring = new ArrayList<>();
  private final RestartWindow restarts = new RestartWindow();
  /** The groups of {@code dependsOn} not yet ready while this group waits to start; empty otherwise. */
  private List<String> waitingFor = List.of();

  Group(GroupContext ctx, ProcessGroupConfig config) {
    this.ctx = ctx;
    this.config = config;
    this.log = LoggerFactory.getLogger("quiesce.process." + config.name());
    this.output = new OutputReader(config.name(), log);
    this.outputEvents = new RateLimiter(config.outputEvents());
    for (int i = 0; i < config.instances(); i++) {
      instances.add(new Instance(ctx, this, i));
    }
  }

  String name() {
    return config.name();
  }

  ProcessGroupConfig config() {
    return config;
  }

  /** The instances, in order (not those a reload scaled away). */
  List<Instance> instances() {
    return List.copyOf(instances);
  }

  boolean isCrashLooping() {
    return crashLoop;
  }

  /**
   * Whether the group's own instances are ready: every configured instance is ready (true for a group
   * of 0 instances) and the group does not wait to start. Its dependencies are not looked at: a
   * dependent asks {@link Supervisor}, which requires its whole chain to be ready.
   */
  boolean instancesReady() {
    return waitingFor.isEmpty() && instances.stream().allMatch(Instance::isReady);
  }

  /** The group's start waits for {@code notReady}, groups of its {@code dependsOn}; empty: it waits no more. */
  void waitFor(List<String> notReady) {
    waitingFor = List.copyOf(notReady);
  }

  boolean isWaiting() {
    return !waitingFor.isEmpty();
  }

  /** The groups of {@code dependsOn} the group's start waits for; empty when it does not wait. */
  List<String> waitingFor() {
    return waitingFor;
  }

  /**
   * A reload while the group still waits for its dependencies: it takes the new configuration and
   * scales its (not yet started) instances, and keeps waiting.
   */
  JsonObject reconfigureWhileWaiting(ProcessGroupConfig next) {
    boolean changed = !Objects.equals(config.source(), next.source());
    config = next;
    outputEvents = new RateLimiter(next.outputEvents());
    while (instances.size() > next.instances()) {
      instances.remove(instances.size() - 1);
    }
    for (int i = instances.size(); i < next.instances(); i++) {
      instances.add(new Instance(ctx, this, i));
    }
    return new JsonObject().put("group", name()).put("action", "waiting").put("changed", changed)
        .put("instances", next.instances());
  }

  /**
   * Reads the output of {@code c}, the child of {@code instance}, on the group's reader thread: each
   * line is logged, may make the instance ready ({@code ready.logLine}), and is published as an
   * {@code output} event unless the group's rate limit ({@code outputEvents}) refuses it. A line is
   * cut at {@code maxLineLength} bytes (the configuration the child was started with).
   */
  void readOutput(Instance instance, Child c, Readiness ready, int maxLineLength) {
    output.read(c.process, instance.index(), c.pid, maxLineLength, (stream, text, dropped) -> {
      if (ready.readyOn(text)) {
        ctx.context().runOnContext(v -> instance.markReady(c));
      }
      publishOutput(instance, c.pid, stream, text, dropped);
    });
  }

  private void publishOutput(Instance instance, int pid, String stream, String text, long droppedBytes) {
    long droppedLines = outputEvents.acquire();
    if (droppedLines >= 0) {
      JsonObject e = Events.of(instance).put("pid", pid).put("stream", stream).put("line", text)
          .put("cut", droppedBytes > 0);
      if (droppedBytes > 0) {
        e.put("droppedBytes", droppedBytes);
      }
      if (droppedLines > 0) {
        e.put("droppedLines", droppedLines);
      }
      ctx.events().publish(ProcessEvent.OUTPUT, e);
    }
  }

  /** A stop was forced: every ladder of the group goes to KILL now. */
  void escalate() {
    instances.forEach(Instance::escalate);
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
          "rolling restart of group " + name() + " stopped at instance " + i.index() + ": " + err.getMessage()))
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
    int recent = restarts.countWithin(now, r.window().toMillis());
    if (recent >= r.maxRestarts()) {
      enterCrashLoop(recent);
      return false;
    }
    restarts.add(now);
    return true;
  }

  /** An instance was found unhealthy (and is being stopped). */
  void countUnhealthy() {
    unhealthy++;
  }

  private void enterCrashLoop(int recent) {
    crashLoop = true;
    instances.forEach(Instance::cancelBackoff);
    ProcessGroupConfig.Restart r = config.restart();
    log.error("group {} is in crash-loop: {} restarts within {} ms; no more restarts until a reload or a start command",
        name(), recent, r.window().toMillis());
    ctx.events().publish(ProcessEvent.CRASH_LOOP, new JsonObject().put("group", name()).put("restarts", recent)
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
      Instance added = new Instance(ctx, this, i);
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
    String state = crashLoop ? "crash-loop" : isWaiting() ? "waiting"
        : instances.stream().anyMatch(Instance::isWanted) ? "running" : "stopped";
    JsonObject status = new JsonObject().put("group", name()).put("state", state).put("desired", config.instances())
        .put("ready", ready).put("unhealthy", unhealthy).put("instances", list);
    if (isWaiting()) {
      status.put("waitingFor", new JsonArray(List.copyOf(waitingFor)));
    }
    return status;
  }
}
