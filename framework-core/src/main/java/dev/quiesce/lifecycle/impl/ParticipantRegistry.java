package dev.quiesce.lifecycle.impl;

import dev.quiesce.lifecycle.EventBusContract;
import dev.quiesce.lifecycle.Outcome;
import dev.quiesce.lifecycle.PhaseContext;
import dev.quiesce.lifecycle.Steps;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The participants registered with the coordinator and the rounds they answer: registrations on
 * {@link EventBusContract#REGISTER}, each phase or step published on {@link EventBusContract#PHASE}
 * as a new round under the next seq, and the acknowledgements on {@link EventBusContract#ACK}
 * routed to their round by that seq. The last {@value #ROUNDS_KEPT} rounds are kept: open ones take
 * acknowledgements, ended ones explain late ones in the log.
 *
 * <p>Runs on the coordinator's context; {@link #names()} may be read from any thread. A malformed
 * registration is answered with a failure (400, or 409 for a name already registered); a
 * malformed, late or unexpected acknowledgement is logged and ignored.
 *
 * <p>The order participants ask for ({@code "after"}) is checked once the application has started
 * ({@link #checkOrder()}, when the coordinator is marked running), since participants register one by
 * one and may name one that registers later. From then on each registration is checked on its own: one
 * whose {@code "after"} names a participant not registered, or that closes a cycle, is refused (409)
 * with the names. A registered participant after one that has since unregistered refuses nobody (the
 * phases skip names that left).
 *
 * <p>Within an ordered round, an acknowledgement from a participant not told the phase yet (a raw
 * event-bus participant that ignores {@code "participants"}) is logged as unexpected and not counted,
 * so it cannot release those after it early.
 */
final class ParticipantRegistry {

  private static final int ROUNDS_KEPT = 64;

  private final EventBus eventBus;
  private final CoordinatorTimers timers;
  private final Consumer<String> retainUntilExit;
  private final Map<String, Registered> participants = Collections.synchronizedMap(new LinkedHashMap<>());
  private final Map<Long, Round> rounds = new ConcurrentHashMap<>();
  private long seq;
  private boolean orderChecked;

  /** What a participant registered with: its phases and the participants it is after. */
  private record Registered(Set<String> phases, Set<String> after) {
  }

  /**
   * @param eventBus where phases are published
   * @param timers the coordinator's timers, which run each round's budget
   * @param retainUntilExit called with the deployment id a participant names in
   *     {@code "retainDeployment"}: the stop's undeploy leaves that deployment alone
   */
  ParticipantRegistry(EventBus eventBus, CoordinatorTimers timers, Consumer<String> retainUntilExit) {
    this.eventBus = eventBus;
    this.timers = timers;
    this.retainUntilExit = retainUntilExit;
  }

  /** Handles a registration or, with {@code "unregister": true}, an unregistration. */
  void onRegister(Message<Object> message) {
    if (!(message.body() instanceof JsonObject body) || !(body.getValue("participant") instanceof String name)
        || name.isBlank()) {
      message.fail(400, "a registration needs {\"participant\": <name>, \"phases\": [<phase>…]}");
      return;
    }
    if (Boolean.TRUE.equals(body.getValue("unregister"))) {
      participants.remove(name);
      rounds.values().forEach(r -> r.leave(name));
      message.reply(new JsonObject().put("unregistered", true));
      return;
    }
    if (!(body.getValue("phases") instanceof JsonArray phases)
        || !phases.stream().allMatch(p -> p instanceof String)) {
      message.fail(400, "participant " + name + ": \"phases\" must be an array of phase names");
      return;
    }
    Object afterValue = body.getValue("after", new JsonArray());
    if (!(afterValue instanceof JsonArray afterNames) || !afterNames.stream().allMatch(p -> p instanceof String)) {
      message.fail(400, "participant " + name + ": \"after\" must be an array of participant names");
      return;
    }
    if (participants.containsKey(name)) {
      message.fail(409, "participant " + name + " is already registered");
      return;
    }
    Set<String> set = new LinkedHashSet<>();
    phases.forEach(p -> set.add((String) p));
    Set<String> after = new LinkedHashSet<>();
    afterNames.forEach(p -> after.add((String) p));
    if (orderChecked) {
      List<String> problems = ParticipantOrder.problemsJoining(name, after, afterGraph());
      if (!problems.isEmpty()) {
        message.fail(409, "participant " + name + " refused: " + String.join("; ", problems));
        return;
      }
    }
    if (body.getValue("retainDeployment") instanceof String deployment) {
      retainUntilExit.accept(deployment);
    }
    participants.put(name, new Registered(Set.copyOf(set), Set.copyOf(after)));
    Coordinator.LOG.debug("participant {} registered for {}{}", name, set, after.isEmpty() ? "" : " after " + after);
    message.reply(new JsonObject().put("registered", true));
  }

  /** Records an acknowledgement in the round of its seq. */
  void onAck(Message<Object> message) {
    if (!(message.body() instanceof JsonObject ack) || !(ack.getValue("participant") instanceof String name)
        || !(ack.getValue("seq") instanceof Number seqNumber)) {
      Coordinator.LOG.warn("ignored a malformed acknowledgement: {}", Commands.cut(String.valueOf(message.body())));
      return;
    }
    Round round = rounds.get(seqNumber.longValue());
    Round.Ack result = round == null ? Round.Ack.IGNORED : round.ack(name, ack);
    if (result == Round.Ack.NOT_TOLD) {
      Coordinator.LOG.warn("unexpected acknowledgement from {} for {} (seq {}) ignored: it has not been told the phase"
          + " yet, as it waits for those it is after", name, round.name, seqNumber);
    } else if (result == Round.Ack.IGNORED) {
      Outcome recorded = round == null ? null : round.outcomeOf(name);
      if (recorded == Outcome.NOTIFIED) {
        Coordinator.LOG.debug("{} answered {} after it was announced without a budget", name, round.name);
      } else {
        Coordinator.LOG.warn("late acknowledgement from {} for {} (seq {}) ignored: it was already recorded as {}",
            name, ack.getValue("phase"), seqNumber, recorded == null ? "not answering" : recorded.wireName());
      }
    }
  }

  /** Participants registered for {@code phase}; every participant for the steps. */
  Set<String> participantsFor(String phase) {
    Set<String> out = new LinkedHashSet<>();
    participants.forEach((name, registered) -> {
      if (Steps.RESERVED.contains(phase) || registered.phases().contains(phase)) {
        out.add(name);
      }
    });
    return out;
  }

  /**
   * Checks the order the participants ask for: from now on, registrations are checked one by one.
   *
   * @return each problem (a name nobody registered, a cycle with its names); empty when valid
   */
  List<String> checkOrder() {
    List<String> problems = ParticipantOrder.problems(afterGraph());
    orderChecked = problems.isEmpty();
    return problems;
  }

  /** Each participant → the participants it is after. */
  private Map<String, Set<String>> afterGraph() {
    Map<String, Set<String>> graph = new LinkedHashMap<>();
    synchronized (participants) {
      participants.forEach((name, registered) -> graph.put(name, registered.after()));
    }
    return graph;
  }

  /**
   * Publishes a phase or step and returns its round, open for acknowledgements until it ends. A stop
   * phase whose participants are ordered is published in waves ({@link Round}); the steps go to all.
   */
  Round publish(String name, long start, long deadline, boolean forced, String reason, JsonObject stepConfig) {
    long number = ++seq;
    Set<String> members = participantsFor(name);
    ParticipantOrder.Plan plan = ParticipantOrder.plan(Steps.RESERVED.contains(name) ? Map.of() : afterGraph(),
        members, start, deadline);
    Round round = new Round(timers, name, number, start, deadline, forced, plan, (to, until, forcedNow) -> {
      JsonObject message = new PhaseContext(name, number, until, forcedNow, reason, stepConfig).toJson();
      if (to != null) {
        message.put("participants", new JsonArray(List.copyOf(to)));
      }
      eventBus.publish(EventBusContract.PHASE, message, EventBusContract.nodeLocal());
    });
    rounds.put(number, round);
    rounds.remove(number - ROUNDS_KEPT);
    round.announce();
    return round;
  }

  /** The registered participants' names, in the order they registered. */
  JsonArray names() {
    synchronized (participants) {
      return new JsonArray(List.copyOf(participants.keySet()));
    }
  }
}
