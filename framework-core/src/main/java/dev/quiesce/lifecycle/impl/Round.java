package dev.quiesce.lifecycle.impl;

import dev.quiesce.lifecycle.Outcome;
import dev.quiesce.lifecycle.ParticipantOutcome;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One phase or step: the participants expected to answer, their outcomes, and the budget.
 * It ends when every participant has answered or its deadline passes; whoever has not
 * answered by then gets the outcome given to {@link #end(Outcome)}. Runs on the coordinator's
 * context only.
 */
final class Round {

  final String name;
  final long seq;
  final long start;
  final long deadline;
  final boolean forced;
  private final CoordinatorTimers timers;
  private final Set<String> pending;
  private final Map<String, ParticipantOutcome> outcomes = new LinkedHashMap<>();
  private final Promise<Round> ended = Promise.promise();
  private CoordinatorTimers.Timer timer;
  private long end;

  Round(CoordinatorTimers timers, String name, long seq, long start, long deadline, boolean forced, Set<String> expected) {
    this.timers = timers;
    this.name = name;
    this.seq = seq;
    this.start = start;
    this.deadline = deadline;
    this.forced = forced;
    this.pending = new LinkedHashSet<>(expected);
  }

  /** Arms the budget timer (or ends at once when nobody is expected); returns when the round ends. */
  Future<Round> begin(Outcome missingOutcome) {
    if (pending.isEmpty()) {
      end(missingOutcome);
    } else {
      long delay = deadline - System.currentTimeMillis();
      if (delay <= 0) {
        end(missingOutcome);
      } else {
        timer = timers.schedule(delay, () -> end(missingOutcome));
      }
    }
    return ended.future();
  }

  boolean isOver() {
    return ended.future().isComplete();
  }

  /** Records an acknowledgement; false when it came too late or from someone not expected. */
  boolean ack(String participant, JsonObject ack) {
    if (isOver() || !pending.remove(participant)) {
      return false;
    }
    outcomes.put(participant, new ParticipantOutcome(participant,
        Outcome.FAILED.wireName().equals(ack.getValue("outcome")) ? Outcome.FAILED : Outcome.DONE,
        System.currentTimeMillis() - start, Optional.ofNullable(ack.getValue("reason") instanceof String r ? r : null),
        ack.getValue("detail") instanceof JsonObject detail ? detail : null));
    if (pending.isEmpty()) {
      end(Outcome.TIMED_OUT);
    }
    return true;
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
      if (pending.isEmpty()) {
        end(Outcome.TIMED_OUT);
      }
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
    end = System.currentTimeMillis();
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

  JsonArray participantsJson() {
    return new JsonArray(outcomes.values().stream().map(ParticipantOutcome::toJson).toList());
  }

  List<ParticipantOutcome> outcomes() {
    return List.copyOf(outcomes.values());
  }
}
