package dev.quiesce.process;

import dev.quiesce.lifecycle.EventBusContract;
import dev.quiesce.lifecycle.PhaseContext;
import dev.quiesce.testing.Await;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Stands in for the lifecycle coordinator where a test drives the phases itself: accepts every
 * registration, publishes phase messages as the coordinator does, and records acknowledgements.
 */
final class FakeCoordinator {

  private final Vertx vertx;
  final List<JsonObject> registrations = new CopyOnWriteArrayList<>();
  final List<JsonObject> acks = new CopyOnWriteArrayList<>();
  private long seq;

  FakeCoordinator(Vertx vertx) {
    this.vertx = vertx;
    vertx.eventBus().<JsonObject>consumer(EventBusContract.REGISTER, m -> {
      registrations.add(m.body());
      m.reply(new JsonObject().put("registered", true));
    });
    vertx.eventBus().<JsonObject>consumer(EventBusContract.ACK, m -> acks.add(m.body()));
  }

  /** Publishes a phase or step; returns its seq. */
  long publish(String phase, Duration budget, boolean forced, JsonObject config) {
    long s = ++seq;
    vertx.eventBus().publish(EventBusContract.PHASE, new PhaseContext(phase, s,
        System.currentTimeMillis() + budget.toMillis(), forced, "test", config).toJson());
    return s;
  }

  /** The acknowledgement of step {@code seq}, waiting at most {@code timeout}. */
  JsonObject awaitAck(long seq, Duration timeout) {
    Await.until("the ack of step " + seq, timeout, () -> acks.stream().anyMatch(a -> a.getLong("seq") == seq));
    return acks.stream().filter(a -> a.getLong("seq") == seq).findFirst().orElseThrow();
  }
}
