package dev.quiesce.lifecycle.impl;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * One phase or step: the participants expected to answer, their outcomes, and the budget.
 * It ends when every participant has answered or its deadline passes; whoever has not
 * answered by then gets the outcome given to {@link #end(String)}. Runs on the coordinator's
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
  private final Map<String, JsonObject> outcomes = new LinkedHashMap<>();
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
  Future<Round> begin(String missingOutcome) {
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
    JsonObject outcome = new JsonObject().put("participant", participant)
        .put("outcome", "failed".equals(ack.getString("outcome")) ? "failed" : "done")
        .put("durationMs", System.currentTimeMillis() - start);
    if (ack.getValue("reason") instanceof String reason) {
      outcome.put("reason", reason);
    }
    if (ack.getValue("detail") instanceof JsonObject detail && !detail.isEmpty()) {
      outcome.put("detail", detail);
    }
    outcomes.put(participant, outcome);
    if (pending.isEmpty()) {
      end("timed-out");
    }
    return true;
  }

  /** The outcome recorded for {@code participant}, or null. */
  String outcomeOf(String participant) {
    JsonObject o = outcomes.get(participant);
    return o == null ? null : o.getString("outcome");
  }

  /** A participant that left (unregistered) is no longer waited for. */
  void leave(String participant) {
    if (!isOver() && pending.remove(participant)) {
      outcomes.put(participant, new JsonObject().put("participant", participant).put("outcome", "unregistered")
          .put("durationMs", System.currentTimeMillis() - start));
      if (pending.isEmpty()) {
        end("timed-out");
      }
    }
  }

  /** Ends the round now; each participant that has not answered gets {@code missingOutcome}. */
  void end(String missingOutcome) {
    if (isOver()) {
      return;
    }
    if (timer != null) {
      timer.cancel();
    }
    end = System.currentTimeMillis();
    for (String p : pending) {
      outcomes.put(p, new JsonObject().put("participant", p).put("outcome", missingOutcome)
          .put("durationMs", end - start));
    }
    pending.clear();
    ended.complete(this);
  }

  long durationMs() {
    return (isOver() ? end : System.currentTimeMillis()) - start;
  }

  long budgetMs() {
    return Math.max(0, deadline - start);
  }

  JsonArray participantsJson() {
    JsonArray out = new JsonArray();
    outcomes.values().forEach(out::add);
    return out;
  }

  Iterable<JsonObject> outcomes() {
    return outcomes.values();
  }
}
