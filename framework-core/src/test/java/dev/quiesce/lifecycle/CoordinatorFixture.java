package dev.quiesce.lifecycle;

import dev.quiesce.testing.Await;
import dev.quiesce.testing.RecordingParticipant;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A real coordinator deployed on a real Vert.x, with helpers to talk to it. */
final class CoordinatorFixture {

  final Vertx vertx;
  final LifecycleCoordinator coordinator;
  final List<JsonObject> events = new CopyOnWriteArrayList<>();

  CoordinatorFixture(Vertx vertx, JsonObject lifecycle) {
    this.vertx = vertx;
    this.coordinator = new LifecycleCoordinator(LifecycleConfig.from(new JsonObject().put("lifecycle", lifecycle)));
    vertx.eventBus().<JsonObject>consumer(EventBusContract.EVENTS, m -> events.add(m.body()));
  }

  static JsonObject phases(Object... nameAndTimeout) {
    JsonArray phases = new JsonArray();
    for (int i = 0; i < nameAndTimeout.length; i += 2) {
      phases.add(new JsonObject().put("name", nameAndTimeout[i]).put("timeout", nameAndTimeout[i + 1]));
    }
    return new JsonObject().put("phases", phases);
  }

  CoordinatorFixture deploy() {
    deployStarting();
    coordinator.markRunning();
    Await.until("the coordinator runs", java.time.Duration.ofSeconds(5),
        () -> coordinator.state() == LifecycleState.RUNNING);
    return this;
  }

  /** Deploys the coordinator and leaves it {@code STARTING}, as the launcher does while the application starts. */
  CoordinatorFixture deployStarting() {
    Await.result(vertx.deployVerticle(coordinator, new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER)));
    return this;
  }

  RecordingParticipant participant(String name, String... phases) {
    RecordingParticipant p = new RecordingParticipant(vertx, name, phases);
    Await.result(Participants.register(vertx, p));
    return p;
  }

  JsonObject command(String command) {
    return Await.result(vertx.eventBus().<JsonObject>request(EventBusContract.COMMANDS,
        new JsonObject().put("command", command).put("reason", "test"))).body();
  }

  ReplyException refused(Object body) {
    Throwable t = Await.failure(vertx.eventBus().request(EventBusContract.COMMANDS, body));
    if (!(t instanceof ReplyException re)) {
      throw new AssertionError("expected a ReplyException, got " + t);
    }
    return re;
  }

  JsonObject stopAndAwaitReport() {
    command("stop");
    return Await.result(coordinator.stopped().map(StopReport::toJson), java.time.Duration.ofSeconds(20));
  }

  List<JsonObject> events(String type) {
    return events.stream().filter(e -> type.equals(e.getString("type"))).toList();
  }

  static JsonObject phase(JsonObject report, String name) {
    return report.getJsonArray("phases").stream().map(JsonObject.class::cast)
        .filter(p -> name.equals(p.getString("phase"))).findFirst()
        .orElseThrow(() -> new AssertionError("no phase " + name + " in " + report.encodePrettily()));
  }

  static JsonObject outcome(JsonObject report, String phase, String participant) {
    return phase(report, phase).getJsonArray("participants").stream().map(JsonObject.class::cast)
        .filter(p -> participant.equals(p.getString("participant"))).findFirst()
        .orElseThrow(() -> new AssertionError("no " + participant + " in phase " + phase));
  }
}
