package dev.quiesce.lifecycle.impl;

import dev.quiesce.lifecycle.Outcome;
import dev.quiesce.lifecycle.ParticipantOutcome;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One phase or step: the participants expected to answer, their outcomes, and the budget.
 * It ends when every participant has answered or its deadline passes; whoever has not
 * answered by then gets the outcome given to {@link #end(Outcome)}. Runs on the coordinator's
 * context only.
 *
 * <p>A phase whose participants are ordered ({@link ParticipantOrder.Plan#ordered()}) is published
 * in waves: a participant gets the phase message once everyone it is after has an outcome (answered,
 * failed, left, or missed its own deadline, which the plan sets so that those after it keep a share
 * of the budget). One that has not been told when the round ends (a forced stop, the overall
 * deadline) is told then, with {@code forced} and no time left. An answer from a participant not
 * told yet is not counted ({@link Ack#NOT_TOLD}). Without an order there is one message for all, as
 * for the steps.
 */
final class Round {

  /** Publishes the round's message to {@code to} (null: everyone, without a list) with {@code deadline}. */
  interface Dispatch {
    void send(Set<String> to, long deadline, boolean forced);
  }

  final String name;
  final long seq;
  final long start;
  final long deadline;
  final boolean forced;
  private final CoordinatorTimers timers;
  private final ParticipantOrder.Plan plan;
  private final Dispatch dispatch;
  private final Set<String> pending;
  private final Set<String> told = new LinkedHashSet<>();
  private final Map<String, ParticipantOutcome> outcomes = new LinkedHashMap<>();
  private final Promise<Round> ended = Promise.promise();
  private final List<CoordinatorTimers.Timer> waveTimers = new ArrayList<>();
  private CoordinatorTimers.Timer timer;
  private Outcome missing = Outcome.TIMED_OUT;
  private long end;

  Round(CoordinatorTimers timers, String name, long seq, long start, long deadline, boolean forced,
      ParticipantOrder.Plan plan, Dispatch dispatch) {
    this.timers = timers;
    this.name = name;
    this.seq = seq;
    this.start = start;
    this.deadline = deadline;
    this.forced = forced;
    this.plan = plan;
    this.dispatch = dispatch;
    this.pending = new LinkedHashSet<>(plan.waitsFor().keySet());
  }

  /**
   * Publishes the message to whoever may hear it now: everyone when the round is not ordered or has
   * no time to wait (forced, no budget), else the first wave.
   */
  void announce() {
    if (!plan.ordered()) {
      told.addAll(pending);
      dispatch.send(null, deadline, forced);
    } else if (forced || deadline <= System.currentTimeMillis()) {
      told.addAll(pending);
      dispatch.send(new LinkedHashSet<>(pending), deadline, forced);
    } else {
      tellReady();
    }
  }

  /** Arms the budget timer (or ends at once when nobody is expected); returns when the round ends. */
  Future<Round> begin(Outcome missingOutcome) {
    missing = missingOutcome;
    if (pending.isEmpty()) {
      end(missingOutcome);
    } else {
      long delay = deadline - System.currentTimeMillis();
      if (delay <= 0) {
        end(missingOutcome);
      } else {
        timer = timers.schedule(delay, () -> end(missingOutcome));
        armWaveDeadlines();
      }
    }
    return ended.future();
  }

  /** One timer per participant deadline earlier than the round's: a participant that misses it lets the next wave go. */
  private void armWaveDeadlines() {
    if (!plan.ordered()) {
      return;
    }
    new TreeSet<>(plan.deadlines().values()).stream().filter(d -> d < deadline).forEach(d ->
        waveTimers.add(timers.schedule(d - System.currentTimeMillis(), () -> missedDeadline(d))));
  }

  /** Those told and still silent at {@code waveDeadline} get the missing outcome; the next wave is told. */
  private void missedDeadline(long waveDeadline) {
    if (isOver()) {
      return;
    }
    long now = System.currentTimeMillis();
    for (String p : List.copyOf(pending)) {
      if (told.contains(p) && plan.deadlines().get(p) <= waveDeadline) {
        pending.remove(p);
        outcomes.put(p, ParticipantOutcome.of(p, missing, now - start));
        Coordinator.LOG.warn("{} did not answer {} by its deadline: those after it are told now", p, name);
      }
    }
    afterOutcome();
  }

  /** Tells every participant not told yet whose predecessors all have an outcome, one message per deadline. */
  private void tellReady() {
    Map<Long, Set<String>> byDeadline = new TreeMap<>();
    for (String p : pending) {
      if (!told.contains(p) && Collections.disjoint(plan.waitsFor().get(p), pending)) {
        byDeadline.computeIfAbsent(plan.deadlines().get(p), d -> new LinkedHashSet<>()).add(p);
      }
    }
    byDeadline.forEach((d, to) -> {
      told.addAll(to);
      dispatch.send(to, d, forced);
    });
  }

  /** After an outcome: the next wave, or the end when nobody is left. */
  private void afterOutcome() {
    if (pending.isEmpty()) {
      end(Outcome.TIMED_OUT);
    } else if (plan.ordered()) {
      tellReady();
    }
  }

  boolean isOver() {
    return ended.future().isComplete();
  }

  /** What became of an acknowledgement. */
  enum Ack {
    /** Recorded as the participant's outcome. */
    RECORDED,
    /** From a participant of the round not told the phase yet (it waits for others): not counted. */
    NOT_TOLD,
    /** Too late, or from a participant not expected: not counted. */
    IGNORED
  }

  /**
   * Records an acknowledgement. One from a participant not told yet is not counted, so a participant
   * that answers before its turn cannot release those after it early; it is told in its wave as usual.
   */
  Ack ack(String participant, JsonObject ack) {
    if (isOver() || !pending.contains(participant)) {
      return Ack.IGNORED;
    }
    if (!told.contains(participant)) {
      return Ack.NOT_TOLD;
    }
    pending.remove(participant);
    outcomes.put(participant, new ParticipantOutcome(participant,
        Outcome.FAILED.wireName().equals(ack.getValue("outcome")) ? Outcome.FAILED : Outcome.DONE,
        System.currentTimeMillis() - start, Optional.ofNullable(ack.getValue("reason") instanceof String r ? r : null),
        ack.getValue("detail") instanceof JsonObject detail ? detail : null));
    afterOutcome();
    return Ack.RECORDED;
  }

  /** The outcome recorded for {@code participant}, or null. */
  Outcome outcomeOf(String participant) {
    ParticipantOutcome o = outcomes.get(participant);
    return o == null ? null : o.outcome();
  }

  /** A participant that left (unregistered) is no longer waited for. */
  void leave(String participant) {
    if (!isOver() && pending.remove(participant)) {
      outcomes.put(participant, ParticipantOutcome.of(participant, Outcome.UNREGISTERED,
          System.currentTimeMillis() - start));
      afterOutcome();
    }
  }

  /** Ends the round now; each participant that has not answered gets {@code missingOutcome}. */
  void end(Outcome missingOutcome) {
    if (isOver()) {
      return;
    }
    if (timer != null) {
      timer.cancel();
    }
    waveTimers.forEach(CoordinatorTimers.Timer::cancel);
    end = System.currentTimeMillis();
    Set<String> untold = new LinkedHashSet<>(pending);
    untold.removeAll(told);
    if (!untold.isEmpty()) {
      // those still waiting for others when the round ends hear the phase anyway, to clean up at once
      told.addAll(untold);
      dispatch.send(untold, end, true);
    }
    for (String p : pending) {
      outcomes.put(p, ParticipantOutcome.of(p, missingOutcome, end - start));
    }
    pending.clear();
    ended.complete(this);
  }

  long durationMs() {
    return (isOver() ? end : System.currentTimeMillis()) - start;
  }

  long budgetMs() {
    return StopRun.remainingMs(deadline, start);
  }

  /**
   * The outcomes as the phase's end is logged: as {@link #participantsJson()}, but a list in a
   * participant's detail is shown by its size ({@code "children":"200 entries"}). The lists (one
   * entry per child of a process group) are in the phase's event and the stop report; encoding them
   * for the log line too cost milliseconds at the end of a stop with hundreds of children.
   */
  JsonArray participantsLogJson() {
    JsonArray out = new JsonArray();
    for (ParticipantOutcome o : outcomes.values()) {
      JsonObject json = o.toJson();
      if (json.getValue("detail") instanceof JsonObject detail
          && detail.stream().anyMatch(e -> e.getValue() instanceof JsonArray)) {
        JsonObject shown = new JsonObject();
        detail.forEach(e -> shown.put(e.getKey(),
            e.getValue() instanceof JsonArray list ? list.size() + " entries" : e.getValue()));
        json.put("detail", shown);
      }
      out.add(json);
    }
    return out;
  }

  JsonArray participantsJson() {
    return new JsonArray(outcomes.values().stream().map(ParticipantOutcome::toJson).toList());
  }

  /** The participants that have not answered yet, in the order they registered. */
  List<String> waitingFor() {
    return List.copyOf(pending);
  }

  List<ParticipantOutcome> outcomes() {
    return List.copyOf(outcomes.values());
  }
}
