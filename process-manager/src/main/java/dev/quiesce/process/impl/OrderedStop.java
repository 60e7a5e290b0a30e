package dev.quiesce.process.impl;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Stops groups down their {@code dependsOn} graph: a group's stop begins once every group stopped
 * with it that depends on it has stopped; groups with no dependency between them stop in parallel.
 * Each group stops as {@link Group#stopAll(long, boolean)} does (every instance along its ladder).
 *
 * <p><b>The budget</b> (until {@code deadline}). A group with {@code a} groups in the longest chain
 * of dependents above it and {@code b} in the longest chain of dependencies below it is the
 * {@code (a+1)}-th of the {@code n = a + b + 1} groups of that chain, and that chain shares the
 * budget {@code B} in {@code n} equal slices: the group's ladder is cut to end (KILL at the latest
 * {@link LadderRun#MARGIN_MS} before) by {@code begun + B·(a+1)/n}, and its stop begins when its
 * dependents have stopped or at {@code begun + B·a/n}, whichever comes first. Every dependent's slice
 * ends by then, so its KILL came before, and the order holds unless a dependent's stop outlasts its
 * slice (members left in its process group get {@link ChildProcesses#STRAGGLER_GRACE_MS} after the
 * leader's exit, or a process does not die on KILL); then the group still gets its ladder in its own
 * slice: a stop never hangs on an overrun. A group
 * whose dependents stop early begins early and keeps the time they left; a group that nothing
 * depends on and that depends on nothing has the whole budget. Without a deadline only the order
 * holds. A forced stop (or {@link #escalate()}) sends KILL to every group at once, order or not.
 *
 * <p>Runs on the supervisor's context.
 */
final class OrderedStop {

  private final GroupContext ctx;
  /** Completed when the group's stop may begin. */
  private final Map<Group, Promise<Void>> begin = new LinkedHashMap<>();
  private final Map<String, Future<List<JsonObject>>> stopped = new LinkedHashMap<>();
  private boolean forced;

  /** Begins stopping {@code groups} at once, in order; KILL at once when {@code forced}. */
  OrderedStop(GroupContext ctx, Collection<Group> groups, long deadline, boolean forced) {
    this.ctx = ctx;
    this.forced = forced;
    DependencyGraph graph = DependencyGraph.of(groups.stream().map(Group::config).toList());
    Map<String, Promise<List<JsonObject>>> done = new LinkedHashMap<>();
    groups.forEach(g -> done.put(g.name(), Promise.promise()));
    long begun = System.currentTimeMillis();
    for (Group g : groups) {
      Slice slice = Slice.of(graph, g.name(), begun, deadline);
      Promise<Void> go = Promise.promise();
      begin.put(g, go);
      List<String> dependents = graph.dependentsOf(g.name());
      Future.join(dependents.stream().map(d -> done.get(d).future()).toList()).onComplete(ar -> go.tryComplete());
      if (deadline != LadderRun.NO_DEADLINE && !dependents.isEmpty()) {
        long timer = ctx.vertx().setTimer(Math.max(1, slice.latestStart() - System.currentTimeMillis()), id -> {
          if (go.tryComplete()) {
            ctx.log().warn("group {}: the groups that depend on it ({}) still run at the end of their share of the"
                + " stop's budget; stopping it now", g.name(), dependents);
          }
        });
        go.future().onComplete(v -> ctx.vertx().cancelTimer(timer));
      }
      go.future().compose(v -> g.stopAll(slice.deadline(), this.forced)).onComplete(done.get(g.name()));
      stopped.put(g.name(), done.get(g.name()).future());
    }
    if (forced) {
      escalate();
    }
  }

  /**
   * A group's share of a stop's budget: its stop begins at the latest at {@code latestStart}, and
   * its ladder is cut to end by {@code deadline} (both {@link LadderRun#NO_DEADLINE} without one).
   */
  record Slice(long latestStart, long deadline) {

    /** The slice of {@code group}, in a stop that began at {@code begun} and ends by {@code deadline}. */
    static Slice of(DependencyGraph graph, String group, long begun, long deadline) {
      if (deadline == LadderRun.NO_DEADLINE) {
        return new Slice(deadline, deadline);
      }
      long budget = deadline - begun;
      int above = graph.above(group);
      int chain = above + graph.below(group) + 1;
      return new Slice(begun + budget * above / chain, begun + budget * (above + 1) / chain);
    }
  }

  /** The stop results of {@code group}'s children, once it has stopped. */
  Future<List<JsonObject>> of(String group) {
    return stopped.get(group);
  }

  /** The stop results of every child that was running, once every group has stopped. Never fails. */
  Future<List<JsonObject>> all() {
    List<Future<List<JsonObject>>> each = new ArrayList<>(stopped.values());
    return Future.join(each).map(cf -> {
      List<JsonObject> out = new ArrayList<>();
      each.stream().filter(Future::succeeded).forEach(f -> out.addAll(f.result()));
      return out;
    });
  }

  /** The stop was forced: every group not yet stopping begins now, with KILL. */
  void escalate() {
    forced = true;
    begin.values().forEach(Promise::tryComplete);
  }
}
