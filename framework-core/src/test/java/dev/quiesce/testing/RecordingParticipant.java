package dev.quiesce.testing;

import dev.quiesce.lifecycle.Participant;
import dev.quiesce.lifecycle.PhaseContext;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A test participant that records every phase and step it hears and answers as told: at once
 * (default), after a delay, never, with a failure, or by throwing.
 */
public final class RecordingParticipant implements Participant {

  /** How to answer a phase. */
  public enum Behaviour { ANSWER, NEVER_ANSWER, FAIL, THROW }

  /** One phase or step heard. */
  public record Heard(String name, long at, boolean forced, JsonObject config) {
  }

  private final String name;
  private final Set<String> phases;
  private final Vertx vertx;
  private final Map<String, Behaviour> behaviours = new ConcurrentHashMap<>();
  private final Map<String, Long> delays = new ConcurrentHashMap<>();
  private final List<Heard> heard = new CopyOnWriteArrayList<>();
  private volatile boolean retained;
  private volatile Set<String> after = Set.of();
  private volatile List<String> journal = new CopyOnWriteArrayList<>();

  public RecordingParticipant(Vertx vertx, String name, String... phases) {
    this.vertx = vertx;
    this.name = name;
    this.phases = Set.of(phases);
  }

  /** Answers {@code phase} (or step) as {@code behaviour}. */
  public RecordingParticipant on(String phase, Behaviour behaviour) {
    behaviours.put(phase, behaviour);
    return this;
  }

  /** Answers {@code phase} after {@code ms} milliseconds (unless forced). */
  public RecordingParticipant delay(String phase, long ms) {
    delays.put(phase, ms);
    return this;
  }

  /** Asks to be kept out of the close phase's undeploy ({@link Participant#retainUntilExit()}). */
  public RecordingParticipant retained() {
    retained = true;
    return this;
  }

  /** Asks to get each phase only after {@code names} ({@link Participant#after()}). */
  public RecordingParticipant runsAfter(String... names) {
    after = Set.of(names);
    return this;
  }

  /**
   * Writes {@code "<name> heard <phase>"} and {@code "<name> answered <phase>"} to {@code shared}, a
   * journal several participants write to, so a test sees who heard what before whom.
   */
  public RecordingParticipant journal(List<String> shared) {
    journal = shared;
    return this;
  }

  @Override
  public Set<String> after() {
    return after;
  }

  @Override
  public boolean retainUntilExit() {
    return retained;
  }

  public List<Heard> heard() {
    return List.copyOf(heard);
  }

  public List<String> heardNames() {
    return heard.stream().map(Heard::name).toList();
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Set<String> phases() {
    return phases;
  }

  @Override
  public Future<JsonObject> onPhase(PhaseContext phase) {
    return answer(phase);
  }

  @Override
  public Future<JsonObject> onReload(PhaseContext reload) {
    return answer(reload);
  }

  @Override
  public Future<JsonObject> onSuspend(PhaseContext suspend) {
    return answer(suspend);
  }

  @Override
  public Future<JsonObject> onResume(PhaseContext resume) {
    return answer(resume);
  }

  private Future<JsonObject> answer(PhaseContext phase) {
    heard.add(new Heard(phase.name(), System.currentTimeMillis(), phase.forced(), phase.config()));
    journal.add(name + " heard " + phase.name());
    return behave(phase).onSuccess(detail -> journal.add(name + " answered " + phase.name()));
  }

  private Future<JsonObject> behave(PhaseContext phase) {
    JsonObject detail = new JsonObject().put("heard", phase.name());
    switch (behaviours.getOrDefault(phase.name(), Behaviour.ANSWER)) {
      case NEVER_ANSWER:
        return Promise.<JsonObject>promise().future();
      case FAIL:
        return Future.failedFuture("refused " + phase.name());
      case THROW:
        throw new IllegalStateException("boom in " + phase.name());
      default:
        long delay = delays.getOrDefault(phase.name(), 0L);
        if (delay <= 0 || phase.forced()) {
          return Future.succeededFuture(detail);
        }
        Promise<JsonObject> promise = Promise.promise();
        vertx.setTimer(delay, id -> promise.complete(detail));
        return promise.future();
    }
  }
}
