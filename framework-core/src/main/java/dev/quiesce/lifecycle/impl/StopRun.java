package dev.quiesce.lifecycle.impl;

import dev.quiesce.config.Durations;
import dev.quiesce.lifecycle.PhaseSpec;
import dev.quiesce.lifecycle.Steps;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One stop: the phases in order under one deadline, then the undeploy of what is left, then
 * the report. Runs on the coordinator's context.
 */
final class StopRun {

  private final Coordinator coordinator;
  private final Vertx vertx;
  private final String trigger;
  private final String reason;
  private final long start;
  private final long deadline;
  private final List<PhaseSpec> phases;
  private final int undeployAt;
  private final JsonArray phaseReports = new JsonArray();
  private final JsonArray undeployed = new JsonArray();
  private final StopReport report;
  private final Promise<JsonObject> result = Promise.promise();
  private final CoordinatorTimers.Timer deadlineTimer;

  private Round current;
  private Promise<Void> undeployWait;
  private JsonObject forcedBy;
  private boolean deadlineHit;
  private boolean finished;

  StopRun(Coordinator coordinator, String trigger, String reason) {
    this.coordinator = coordinator;
    this.vertx = coordinator.vertx();
    this.trigger = trigger;
    this.reason = reason;
    this.start = System.currentTimeMillis();
    long timeout = coordinator.config().shutdownTimeout().toMillis();
    this.deadline = start + timeout;
    this.phases = List.copyOf(coordinator.phases());
    int close = -1;
    for (int i = 0; i < phases.size(); i++) {
      if (Steps.CLOSE.equals(phases.get(i).name())) {
        close = i;
      }
    }
    this.undeployAt = close >= 0 ? close : phases.size() - 1;
    this.report = new StopReport(trigger, reason, start, timeout);
    this.deadlineTimer = coordinator.timers().schedule(timeout, this::onDeadline);
  }

  long deadline() {
    return deadline;
  }

  boolean isFinished() {
    return finished;
  }

  String currentPhase() {
    Round r = current;
    return r == null ? null : r.name;
  }

  Long currentPhaseDeadline() {
    Round r = current;
    return r == null ? null : r.deadline;
  }

  Future<JsonObject> run() {
    Coordinator.LOG.info("stop begins: trigger={} reason={} deadline={} phases={}", trigger, reason,
        Durations.format(Duration.ofMillis(deadline - start)), phases.stream()
            .map(p -> p.name() + " " + Durations.format(p.timeout())).toList());
    next(0);
    return result.future();
  }

  /** Second trigger: stop waiting; every remaining phase is still announced, with no budget. */
  void force(String byTrigger, String byReason) {
    if (finished || forcedBy != null) {
      return;
    }
    forcedBy = new JsonObject().put("trigger", byTrigger).put("reason", byReason);
    Coordinator.LOG.warn("stop forced by {} ({}): remaining waits are skipped", byTrigger, byReason);
    if (current != null) {
      current.end("forced");
    }
    if (undeployWait != null) {
      undeployWait.tryComplete();
    }
  }

  private void onDeadline() {
    if (finished) {
      return;
    }
    deadlineHit = true;
    Coordinator.LOG.warn("the shutdown deadline was reached in phase {}", currentPhase());
    if (current != null) {
      current.end("timed-out");
    }
    if (undeployWait != null) {
      undeployWait.tryComplete();
    }
  }

  private boolean noWait() {
    return forcedBy != null || deadlineHit || System.currentTimeMillis() >= deadline;
  }

  private void next(int index) {
    if (index >= phases.size()) {
      if (phases.isEmpty()) {
        undeploy(deadline).onComplete(v -> finish());
      } else {
        finish();
      }
      return;
    }
    PhaseSpec spec = phases.get(index);
    long now = System.currentTimeMillis();
    boolean forced = noWait();
    long phaseDeadline = forced ? now : Math.min(now + spec.timeout().toMillis(), deadline);
    Round round = coordinator.publish(spec.name(), now, phaseDeadline, forced, reason, new JsonObject());
    current = round;
    Coordinator.LOG.info("phase={} begins elapsed={} budget={} left={}{} participants={}", spec.name(),
        seconds(now - start), seconds(phaseDeadline - now), seconds(deadline - now), forced ? " (forced)" : "",
        coordinator.participantsFor(spec.name()));
    coordinator.event(new JsonObject().put("type", "phase-start").put("phase", spec.name()).put("seq", round.seq)
        .put("budgetMs", phaseDeadline - now).put("deadline", phaseDeadline).put("forced", forced));
    // a phase configured with no budget is announced, not awaited: silence there is no fault
    String missing = forced ? "forced" : spec.timeout().isZero() ? "notified" : "timed-out";
    round.begin(missing)
        .compose(r -> index == undeployAt ? undeploy(Steps.CLOSE.equals(spec.name()) ? r.deadline : deadline)
            : Future.succeededFuture())
        .onComplete(ar -> {
          JsonObject phaseReport = new JsonObject().put("phase", spec.name()).put("seq", round.seq)
              .put("budgetMs", round.budgetMs()).put("durationMs", System.currentTimeMillis() - round.start)
              .put("forced", round.forced).put("participants", round.participantsJson());
          phaseReports.add(phaseReport);
          long end = System.currentTimeMillis();
          Coordinator.LOG.info("phase={} ends elapsed={} took={} left={} outcomes={}", spec.name(),
              seconds(end - start), seconds(end - round.start), seconds(Math.max(0, deadline - end)),
              round.participantsJson().encode());
          coordinator.event(new JsonObject().put("type", "phase-end").mergeIn(phaseReport));
          next(index + 1);
        });
  }

  /** Undeploys every deployment but the retained ones, waiting at most until {@code until}. */
  private Future<Void> undeploy(long until) {
    List<String> ids = new ArrayList<>(vertx.deploymentIDs());
    ids.removeAll(coordinator.retained());
    if (ids.isEmpty()) {
      return Future.succeededFuture();
    }
    undeployWait = Promise.promise();
    long startedAt = System.currentTimeMillis();
    List<JsonObject> entries = new ArrayList<>();
    int[] open = {ids.size()};
    for (String id : ids) {
      JsonObject entry = new JsonObject().put("deployment", id).put("verticle", coordinator.deploymentName(id))
          .put("outcome", "timed-out");
      entries.add(entry);
      vertx.undeploy(id).onComplete(ar -> {
        if (undeployWait.future().isComplete()) {
          return;
        }
        // a child deployment goes with its parent: Vert.x then answers that it is already gone
        boolean gone = ar.failed() && alreadyUndeployed(ar.cause());
        entry.put("outcome", ar.succeeded() || gone ? "done" : "failed").put("durationMs",
            System.currentTimeMillis() - startedAt);
        if (ar.failed() && !gone) {
          entry.put("reason", String.valueOf(ar.cause().getMessage()));
        }
        if (--open[0] == 0) {
          undeployWait.tryComplete();
        }
      });
    }
    long wait = noWait() ? 0 : until - System.currentTimeMillis();
    CoordinatorTimers.Timer timer = wait > 0 ? coordinator.timers().schedule(wait, undeployWait::tryComplete) : null;
    if (wait <= 0) {
      undeployWait.tryComplete();
    }
    return undeployWait.future().onComplete(v -> {
      if (timer != null) {
        timer.cancel();
      }
      entries.forEach(e -> {
        if ("timed-out".equals(e.getString("outcome"))) {
          Coordinator.LOG.warn("{} did not undeploy in time: abandoned", e.getString("verticle"));
        }
        undeployed.add(e.copy());
      });
    });
  }

  private static boolean alreadyUndeployed(Throwable t) {
    String message = String.valueOf(t.getMessage());
    return message.contains("Already undeployed") || message.contains("Unknown deployment");
  }

  private void finish() {
    finished = true;
    deadlineTimer.cancel();
    current = null;
    result.complete(report.build(System.currentTimeMillis(), phaseReports, undeployed, forcedBy, deadlineHit));
  }

  static String seconds(long ms) {
    return String.format(java.util.Locale.ROOT, "%.3fs", ms / 1000.0);
  }
}
