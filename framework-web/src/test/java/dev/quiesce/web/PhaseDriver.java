package dev.quiesce.web;

import dev.quiesce.lifecycle.EventBusContract;
import dev.quiesce.lifecycle.PhaseContext;
import dev.quiesce.testing.Await;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Stands in for the lifecycle coordinator: answers registrations and status requests (always
 * {@code RUNNING}: the application has started), publishes phases and steps as the coordinator
 * does ({@link PhaseContext#toJson()}), and collects the acknowledgements.
 */
final class PhaseDriver {

  private final Vertx vertx;
  private final List<JsonObject> acks = new CopyOnWriteArrayList<>();
  private final List<String> registered = new CopyOnWriteArrayList<>();
  private final AtomicLong seq = new AtomicLong(100);
  private final MessageConsumer<JsonObject> ackConsumer;
  private final MessageConsumer<JsonObject> registerConsumer;
  private final MessageConsumer<JsonObject> statusConsumer;

  /** One published step, waiting for its acknowledgement. */
  final class Step {
    final String participant;
    final long seq;
    final long publishedAt = System.currentTimeMillis();

    Step(String participant, long seq) {
      this.participant = participant;
      this.seq = seq;
    }

    /** The acknowledgement, waiting at most {@code timeout}. */
    JsonObject ack(Duration timeout) {
      JsonObject[] found = new JsonObject[1];
      Await.until("the acknowledgement of " + participant + " for seq " + seq, timeout, () -> {
        for (JsonObject a : acks) {
          if (participant.equals(a.getString("participant")) && a.getLong("seq") == seq) {
            found[0] = a;
            return true;
          }
        }
        return false;
      });
      return found[0];
    }

    /** The acknowledgement's detail; fails unless the outcome is done. */
    JsonObject detail(Duration timeout) {
      JsonObject ack = ack(timeout);
      if (!"done".equals(ack.getString("outcome"))) {
        throw new AssertionError("expected outcome done, got " + ack.encode());
      }
      return ack.getJsonObject("detail");
    }

    boolean acked() {
      return acks.stream().anyMatch(a -> participant.equals(a.getString("participant")) && a.getLong("seq") == seq);
    }
  }

  PhaseDriver(Vertx vertx) {
    this.vertx = vertx;
    ackConsumer = vertx.eventBus().consumer(EventBusContract.ACK, m -> acks.add(m.body()));
    registerConsumer = vertx.eventBus().consumer(EventBusContract.REGISTER, m -> {
      if (Boolean.TRUE.equals(m.body().getValue("unregister"))) {
        registered.remove(m.body().getString("participant"));
        m.reply(new JsonObject().put("unregistered", true));
      } else {
        registered.add(m.body().getString("participant"));
        m.reply(new JsonObject().put("registered", true));
      }
    });
    statusConsumer = vertx.eventBus().consumer(EventBusContract.COMMANDS,
        m -> m.reply(new JsonObject().put("state", "RUNNING")));
    Await.result(statusConsumer.completion());
    Await.result(ackConsumer.completion());
    Await.result(registerConsumer.completion());
  }

  List<String> registered() {
    return List.copyOf(registered);
  }

  /** Publishes {@code phase} with {@code budget} from now, for {@code participant}'s acknowledgement. */
  Step publish(String participant, String phase, Duration budget) {
    return publish(participant, phase, budget, false, new JsonObject());
  }

  Step publish(String participant, String phase, Duration budget, boolean forced, JsonObject config) {
    long n = seq.incrementAndGet();
    long deadline = System.currentTimeMillis() + (forced ? 0 : budget.toMillis());
    vertx.eventBus().publish(EventBusContract.PHASE,
        new PhaseContext(phase, n, deadline, forced, "test", config).toJson());
    return new Step(participant, n);
  }
}
