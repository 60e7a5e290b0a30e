package com.example.hello;

import dev.quiesce.lifecycle.Participant;
import dev.quiesce.lifecycle.Participants;
import dev.quiesce.lifecycle.PhaseContext;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.util.Set;

/**
 * Counts the greetings the HTTP routes hand out (over the event bus) and, in the {@code drain}
 * phase, reports how many it handed out: a participant of the stop as an application writes one.
 */
final class Greetings extends VerticleBase implements Participant {

  static final String ADDRESS = "hello.greeted";

  private long greeted;

  @Override
  public Future<?> start() {
    vertx.eventBus().<String>consumer(ADDRESS, message -> greeted++);
    return Participants.register(vertx, this);
  }

  @Override
  public String name() {
    return "greetings";
  }

  @Override
  public Set<String> phases() {
    return Set.of("drain");
  }

  @Override
  public Future<JsonObject> onPhase(PhaseContext phase) {
    return Future.succeededFuture(new JsonObject().put("greeted", greeted));
  }

  /** {@code GET /hello?name=...}: a greeting; each one is counted by the participant. */
  static Router router(Vertx vertx, JsonObject config) {
    Router router = Router.router(vertx);
    router.get("/hello").handler(ctx -> {
      String name = ctx.request().getParam("name", "world");
      vertx.eventBus().send(ADDRESS, name);
      ctx.response().putHeader("content-type", "text/plain").end("hello, " + name + "\n");
    });
    return router;
  }
}
