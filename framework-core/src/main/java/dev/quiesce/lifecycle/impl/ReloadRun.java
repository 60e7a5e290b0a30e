package dev.quiesce.lifecycle.impl;

import dev.quiesce.config.ConfigException;
import dev.quiesce.lifecycle.ConfigReloader;
import dev.quiesce.lifecycle.EventBusContract.LifecycleEvent;
import dev.quiesce.lifecycle.EventBusContract.ReloadOutcome;
import dev.quiesce.lifecycle.LifecycleConfig;
import dev.quiesce.lifecycle.Outcome;
import dev.quiesce.lifecycle.ParticipantOutcome;
import dev.quiesce.lifecycle.Steps;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * One reload: read the new configuration, validate its lifecycle section, apply that section and
 * tell the reload listener, publish the {@code reload} step with the whole configuration to every
 * participant, collect their outcomes, and publish the {@code reload} event ({@code done} when
 * every participant answered done or left, else {@code partial}). Runs on the coordinator's
 * context; the coordinator moves the state to {@code RELOADING} and back, and coalesces a reload
 * asked for while this one runs.
 *
 * <p>The future of {@link #run()} never fails. When the configuration cannot be read within the
 * bound, or its lifecycle section is invalid, nothing is applied, no step is published, and the
 * {@code reload} event says {@code failed} with the error (and the problems of a
 * {@link ConfigException}); the application keeps running on the previous configuration. A reload
 * listener that throws is logged; the reload goes on.
 */
final class ReloadRun {

  private final String reason;
  private final Duration readTimeout;
  private final ConfigReloader reloader;
  private final ParticipantRegistry participants;
  private final CoordinatorTimers timers;
  private final BiConsumer<LifecycleEvent, JsonObject> events;
  private final Consumer<LifecycleConfig> apply;
  private final BiConsumer<LifecycleConfig, JsonObject> listener;

  /**
   * @param reason why the reload was asked for, as the events and the step carry it
   * @param readTimeout the bound on reading the new configuration (the reload timeout in force)
   * @param reloader reads the new configuration
   * @param participants where the {@code reload} step is published and answered
   * @param timers the coordinator's timers, which bound the read
   * @param events publishes a lifecycle event
   * @param apply makes a validated lifecycle section the coordinator's configuration
   * @param listener told of the applied section and the whole configuration
   */
  ReloadRun(String reason, Duration readTimeout, ConfigReloader reloader, ParticipantRegistry participants,
      CoordinatorTimers timers, BiConsumer<LifecycleEvent, JsonObject> events, Consumer<LifecycleConfig> apply,
      BiConsumer<LifecycleConfig, JsonObject> listener) {
    this.reason = reason;
    this.readTimeout = readTimeout;
    this.reloader = reloader;
    this.participants = participants;
    this.timers = timers;
    this.events = events;
    this.apply = apply;
    this.listener = listener;
  }

  /** Runs the reload; completes when its {@code reload} event is published. */
  Future<Void> run() {
    long started = System.currentTimeMillis();
    return read().transform(ar -> ar.failed() ? readFailed(ar.cause()) : applyAndPublish(ar.result(), started));
  }

  private Future<JsonObject> read() {
    try {
      return timers.bound(reloader.reload(), readTimeout.toMillis());
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  private Future<Void> readFailed(Throwable cause) {
    JsonObject failed = new JsonObject().put("outcome", ReloadOutcome.FAILED.wireName())
        .put("reason", reason).put("error", errorOf(cause));
    if (cause instanceof ConfigException ce) {
      failed.put("problems", new JsonArray(ce.problems().stream().map(Object::toString).toList()));
    }
    Coordinator.LOG.error("reload failed, still running on the previous configuration: {}", errorOf(cause));
    events.accept(LifecycleEvent.RELOAD, failed);
    return Future.succeededFuture();
  }

  private Future<Void> applyAndPublish(JsonObject fresh, long started) {
    LifecycleConfig applied;
    try {
      applied = LifecycleConfig.from(fresh);
    } catch (ConfigException e) {
      events.accept(LifecycleEvent.RELOAD, new JsonObject().put("outcome", ReloadOutcome.FAILED.wireName())
          .put("error", e.getMessage()));
      return Future.succeededFuture();
    }
    apply.accept(applied);
    tellListener(applied, fresh);
    long now = System.currentTimeMillis();
    Round round = participants.publish(Steps.RELOAD, now, now + applied.reloadTimeout().toMillis(), false, reason,
        fresh);
    return round.begin(Outcome.TIMED_OUT).map(ended -> {
      publishOutcome(ended, started);
      return null;
    });
  }

  /** The launcher re-maps the signal bridge here; a listener's failure fails no reload. */
  private void tellListener(LifecycleConfig applied, JsonObject whole) {
    try {
      listener.accept(applied, whole);
    } catch (RuntimeException e) {
      Coordinator.LOG.warn("reload: the lifecycle section was applied, but its listener failed: {}", errorOf(e), e);
    }
  }

  private void publishOutcome(Round round, long started) {
    boolean allDone = round.outcomes().stream().map(ParticipantOutcome::outcome)
        .allMatch(o -> o == Outcome.DONE || o == Outcome.UNREGISTERED);
    ReloadOutcome outcome = allDone ? ReloadOutcome.DONE : ReloadOutcome.PARTIAL;
    JsonObject done = new JsonObject().put("outcome", outcome.wireName())
        .put("reason", reason).put("durationMs", System.currentTimeMillis() - started)
        .put("participants", round.participantsJson());
    Coordinator.LOG.info("reload {} in {} ms: {}", outcome.wireName(), done.getLong("durationMs"),
        round.participantsJson().encode());
    events.accept(LifecycleEvent.RELOAD, done);
  }

  private static String errorOf(Throwable t) {
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }
}
