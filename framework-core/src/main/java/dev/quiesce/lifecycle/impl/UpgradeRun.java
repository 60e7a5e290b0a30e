package dev.quiesce.lifecycle.impl;

import dev.quiesce.lifecycle.EventBusContract.LifecycleEvent;
import dev.quiesce.lifecycle.EventBusContract.UpgradeOutcome;
import dev.quiesce.lifecycle.UpgradeFailedException;
import dev.quiesce.lifecycle.Upgrader;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.LongConsumer;

/**
 * One {@code upgrade}: asks the {@link Upgrader} for a successor and publishes an {@code upgrade}
 * event for each outcome ({@code started}, then {@code done} or {@code failed} with the reason and the
 * successor's last output lines). The coordinator stops this process when it succeeds.
 */
final class UpgradeRun {

  /** The upgrader of a coordinator the launcher did not give one: every upgrade is refused. */
  static final Upgrader NOT_CONFIGURED = new Upgrader() {
    @Override
    public Optional<String> unavailable() {
      return Optional.of("upgrade is not configured for this coordinator (the launcher configures it)");
    }

    @Override
    public Future<Long> upgrade(String reason, LongConsumer started) {
      return Future.failedFuture(new UpgradeFailedException(unavailable().orElseThrow(), List.of()));
    }

    @Override
    public Future<Void> abort(String reason) {
      return Future.succeededFuture();
    }
  };

  private final Upgrader upgrader;
  private final String reason;
  private final BiConsumer<LifecycleEvent, JsonObject> events;
  private final long begun = System.currentTimeMillis();
  private volatile long successorGroup = -1;
  private volatile long successorPid = -1;
  /** A stop came: the outcome is {@code failed}, even for a successor accepted an instant before (it is ended). */
  private boolean aborted;
  private String abortedBy;

  UpgradeRun(Upgrader upgrader, String reason, BiConsumer<LifecycleEvent, JsonObject> events) {
    this.upgrader = upgrader;
    this.reason = reason;
    this.events = events;
  }

  /** Completes with the successor's pid when it is ready; fails when it is not (the event is published either way). */
  Future<Long> run() {
    Coordinator.LOG.info("upgrade ({}): starting a successor", reason);
    Future<Long> ready;
    try {
      ready = upgrader.upgrade(reason, group -> {
        successorGroup = group;
        Coordinator.LOG.info("upgrade: successor started, process group {}", group);
        publish(UpgradeOutcome.STARTED, new JsonObject());
      });
    } catch (RuntimeException e) {
      ready = Future.failedFuture(new UpgradeFailedException("could not start the successor: " + e, List.of()));
    }
    return ready.onSuccess(pid -> {
      synchronized (this) {
        successorPid = pid;
        if (aborted) {
          publishAbortedAfterReady();
          return;
        }
        Coordinator.LOG.info("upgrade: successor pid {} is ready after {} ms; stopping this process", pid,
            System.currentTimeMillis() - begun);
        publish(UpgradeOutcome.DONE, new JsonObject());
      }
    }).onFailure(e -> {
      List<String> output = e instanceof UpgradeFailedException u ? u.lastOutput() : List.of();
      Coordinator.LOG.warn("upgrade failed, this process serves on: {}; the successor's last output:{}",
          e.getMessage(), output.isEmpty() ? " none" : "\n  " + String.join("\n  ", output));
      publish(UpgradeOutcome.FAILED, new JsonObject().put("error", e.getMessage()).put("output", new JsonArray(output)));
    });
  }

  /**
   * Ends the successor: a stop came during the upgrade. When the successor had said ready an instant
   * before, a {@code failed} event follows the {@code done} one, since the successor is ended.
   */
  void abort(String why) {
    Coordinator.LOG.warn("a stop ({}) came during the upgrade: ending the successor{}", why, successor());
    synchronized (this) {
      aborted = true;
      abortedBy = why;
      if (successorPid >= 0) {
        publishAbortedAfterReady();
      }
    }
    upgrader.abort(why);
  }

  private void publishAbortedAfterReady() {
    publish(UpgradeOutcome.FAILED, new JsonObject().put("error", "a stop (" + abortedBy + ") came as the successor pid "
        + successorPid + " said it was ready: the successor is ended").put("output", new JsonArray()));
  }

  /** {@code " (successor process group N)"}, or empty before the successor started. */
  String successor() {
    long group = successorGroup;
    return group < 0 ? "" : " (successor process group " + group + ")";
  }

  private void publish(UpgradeOutcome outcome, JsonObject fields) {
    long pid = successorPid;
    long group = successorGroup;
    JsonObject event = new JsonObject().put("outcome", outcome.wireName()).put("reason", reason)
        .put("successorGroup", group < 0 ? null : group).put("successorPid", pid < 0 ? null : pid).put("durationMs", System.currentTimeMillis() - begun);
    events.accept(LifecycleEvent.UPGRADE, event.mergeIn(fields));
  }
}
