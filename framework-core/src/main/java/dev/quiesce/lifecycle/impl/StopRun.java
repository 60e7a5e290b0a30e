package dev.quiesce.lifecycle.impl;

import dev.quiesce.config.Durations;
import dev.quiesce.lifecycle.EventBusContract.LifecycleEvent;
import dev.quiesce.lifecycle.Outcome;
import dev.quiesce.lifecycle.PhaseSpec;
import dev.quiesce.lifecycle.Steps;
import dev.quiesce.lifecycle.StopReport;
import dev.quiesce.lifecycle.Trigger;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One stop: the phases in order under one deadline, then the undeploy of what is left, then
 * the report. Runs on the coordinator's context.
 */
final class StopRun {

  private final Coordinator coordinator;
  private final Vertx vertx;
  private final Trigger trigger;
  private final String reason;
  private final long start;
  private final long deadline;
  private final List<PhaseSpec> phases;
  private final int undeployAt;
  private final List<StopReport.Phase> phaseReports = new ArrayList<>();
  private final List<StopReport.Undeployed> undeployed = new ArrayList<>();
  private final StopReportBuilder report;
  private final Promise<StopReport> result = Promise.promise();
  private final CoordinatorTimers.Timer deadlineTimer;

  private Round current;
  private Promise<Void> undeployWait;
  private Optional<StopReport.ForcedBy> forcedBy = Optional.empty();
  private boolean deadlineHit;
  private boolean finished;

  StopRun(Coordinator coordinator, Trigger trigger, String reason) {
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
    this.report = new StopReportBuilder(trigger, reason, start, timeout);
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

  /** The participants the current phase still waits for; empty between phases. */
  List<String> currentlyWaitingFor() {
    Round r = current;
    return r == null ? List.of() : r.waitingFor();
  }

  Long currentPhaseDeadline() {
    Round r = current;
    return r == null ? null : r.deadline;
  }

  Future<StopReport> run() {
    Coordinator.LOG.info("stop begins: trigger={} reason={} deadline={} phases={}", trigger.wireName(), reason,
        Durations.format(Duration.ofMillis(deadline - start)), phases.stream()
            .map(p -> p.name() + " " + Durations.format(p.timeout())).toList());
    next(0);
    return result.future();
  }

  /** Second trigger: stop waiting; every remaining phase is still announced, with no budget. */
  void force(Trigger byTrigger, String byReason) {
    if (finished || forcedBy.isPresent()) {
      return;
    }
    forcedBy = Optional.of(new StopReport.ForcedBy(byTrigger, byReason));
    Coordinator.LOG.warn("stop forced by {} ({}): remaining waits are skipped", byTrigger.wireName(), byReason);
    if (current != null) {
      current.end(Outcome.FORCED);
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
      current.end(Outcome.TIMED_OUT);
    }
    if (undeployWait != null) {
      undeployWait.tryComplete();
    }
  }

  private boolean noWait() {
    return forcedBy.isPresent() || deadlineHit || System.currentTimeMillis() >= deadline;
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
    Round round = coordinator.participants().publish(spec.name(), now, phaseDeadline, forced, reason, new JsonObject());
    current = round;
    Coordinator.LOG.info("phase={} begins elapsed={} budget={} left={}{} participants={}", spec.name(),
        seconds(now - start), left(phaseDeadline, now), left(deadline, now), forced ? " (forced)" : "",
        coordinator.participants().participantsFor(spec.name()));
    coordinator.event(LifecycleEvent.PHASE_START, new JsonObject().put("phase", spec.name()).put("seq", round.seq)
        .put("budgetMs", remainingMs(phaseDeadline, now)).put("deadline", phaseDeadline).put("forced", forced));
    // a phase configured with no budget is announced, not awaited: silence there is no fault
    Outcome missing = forced ? Outcome.FORCED : spec.timeout().isZero() ? Outcome.NOTIFIED : Outcome.TIMED_OUT;
    round.begin(missing)
        .compose(r -> index == undeployAt ? undeploy(Steps.CLOSE.equals(spec.name()) ? r.deadline : deadline)
            : Future.succeededFuture())
        .onComplete(ar -> {
          StopReport.Phase phaseReport = new StopReport.Phase(spec.name(), round.seq, round.budgetMs(),
              System.currentTimeMillis() - round.start, round.forced, round.outcomes());
          phaseReports.add(phaseReport);
          long end = System.currentTimeMillis();
          Coordinator.LOG.info("phase={} ends elapsed={} took={} left={} outcomes={}", spec.name(),
              seconds(end - start), seconds(end - round.start), left(deadline, end),
              round.participantsLogJson().encode());
          coordinator.event(LifecycleEvent.PHASE_END, phaseReport.toJson());
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
    Map<String, StopReport.Undeployed> results = new LinkedHashMap<>();
    for (String id : ids) {
      String verticle = coordinator.deploymentName(id);
      vertx.undeploy(id).onComplete(ar -> {
        if (undeployWait.future().isComplete()) {
          return;
        }
        // a child deployment goes with its parent: Vert.x then answers that it is already gone
        boolean gone = ar.failed() && alreadyUndeployed(ar.cause());
        boolean done = ar.succeeded() || gone;
        results.put(id, new StopReport.Undeployed(id, verticle, done ? Outcome.DONE : Outcome.FAILED,
            OptionalLong.of(System.currentTimeMillis() - startedAt),
            Optional.ofNullable(done ? null : String.valueOf(ar.cause().getMessage()))));
        if (results.size() == ids.size()) {
          undeployWait.tryComplete();
        }
      });
    }
    long wait = noWait() ? 0 : remainingMs(until, System.currentTimeMillis());
    CoordinatorTimers.Timer timer = wait > 0 ? coordinator.timers().schedule(wait, undeployWait::tryComplete) : null;
    if (wait <= 0) {
      undeployWait.tryComplete();
    }
    return undeployWait.future().onComplete(v -> {
      if (timer != null) {
        timer.cancel();
      }
      for (String id : ids) {
        StopReport.Undeployed entry = results.get(id);
        if (entry == null) {
          entry = new StopReport.Undeployed(id, coordinator.deploymentName(id), Outcome.TIMED_OUT,
              OptionalLong.empty(), Optional.empty());
          Coordinator.LOG.warn("{} did not undeploy in time: abandoned", entry.verticle());
        }
        undeployed.add(entry);
      }
    });
  }

  private static boolean alreadyUndeployed(Throwable t) {
    String message = String.valueOf(t.getMessage());
    return message.contains("Already undeployed") || message.contains("Unknown deployment");
  }

  /** The report of this stop when it failed in the coordinator itself. */
  StopReport failedReport(Throwable cause) {
    return report.failed(System.currentTimeMillis(), cause);
  }

  private void finish() {
    finished = true;
    deadlineTimer.cancel();
    current = null;
    result.complete(report.build(System.currentTimeMillis(), phaseReports, undeployed, forcedBy, deadlineHit));
  }

  /**
   * {@code ms} as seconds with three decimals ({@code 1.250s}). Integer arithmetic: the first
   * {@code String.format} of a floating-point number in a JVM loads the locale machinery (about 60
   * classes), which would otherwise happen inside the stop, before its first phase.
   */
  static String seconds(long ms) {
    long abs = Math.abs(ms);
    String millis = Long.toString(abs % 1000);
    return (ms < 0 ? "-" : "") + abs / 1000 + "." + "000".substring(millis.length()) + millis + "s";
  }

  /**
   * What is left of a budget that ends at {@code deadline}, at {@code now} (epoch ms); never
   * negative: a JVM frozen past its deadline (SIGSTOP, a long GC pause) finds 0 left, not a debt.
   */
  static long remainingMs(long deadline, long now) {
    return Math.max(0, deadline - now);
  }

  /** {@link #remainingMs} as the log lines show it: {@code 1.250s}. */
  static String left(long deadline, long now) {
    return seconds(remainingMs(deadline, now));
  }
}
