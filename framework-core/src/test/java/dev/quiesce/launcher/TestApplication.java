package dev.quiesce.launcher;

import dev.quiesce.lifecycle.LifecycleAddresses;
import dev.quiesce.lifecycle.Participant;
import dev.quiesce.lifecycle.Participants;
import dev.quiesce.lifecycle.PhaseContext;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import java.util.Set;

/**
 * A small application for the launcher's end-to-end tests, steered by its {@code testApp}
 * configuration section: {@code drainMs} (how long its drain takes), {@code hangIn} (a phase
 * it never answers), {@code port} (a port it binds), {@code exitAfterStartMs} (calls
 * {@code System.exit(0)} from application code after that long), {@code stuckStop} (also deploys a
 * verticle whose {@code stop()} never completes).
 */
public final class TestApplication extends VerticleBase implements Participant {

  private JsonObject settings;

  public static void main(String[] args) {
    QuiesceLauncher.launch(args, ctx -> ctx.deploy(TestApplication::new));
  }

  @Override
  public Future<?> start() {
    settings = config().getJsonObject("testApp", new JsonObject());
    vertx.eventBus().<JsonObject>consumer(LifecycleAddresses.EVENTS, m -> {
      if ("reload".equals(m.body().getString("type"))) {
        System.out.println("TESTAPP reload " + m.body().getString("outcome"));
      }
    });
    Future<?> bound = Future.succeededFuture();
    if (settings.containsKey("port")) {
      bound = vertx.createHttpServer().requestHandler(r -> r.response().end("ok"))
          .listen(settings.getInteger("port"), "127.0.0.1");
    }
    if (settings.getBoolean("failStart", false)) {
      bound = bound.compose(v -> Future.failedFuture("the test application refuses to start"));
    }
    if (settings.getBoolean("stuckStop", false)) {
      bound = bound.compose(v -> vertx.deployVerticle(new VerticleBase() {
        @Override
        public Future<?> stop() {
          System.out.println("TESTAPP stuck stop called");
          return Promise.promise().future();
        }
      }));
    }
    if (settings.containsKey("exitAfterStartMs")) {
      vertx.setTimer(settings.getLong("exitAfterStartMs"), id -> new Thread(() -> System.exit(0)).start());
    }
    return bound.compose(v -> Participants.register(vertx, this))
        .onSuccess(r -> System.out.println("TESTAPP ready"));
  }

  @Override
  public String name() {
    return "test-app";
  }

  @Override
  public Set<String> phases() {
    return Set.of("drain");
  }

  @Override
  public Future<JsonObject> onPhase(PhaseContext phase) {
    System.out.println("TESTAPP phase " + phase.name());
    if (phase.name().equals(settings.getString("hangIn"))) {
      return Promise.<JsonObject>promise().future();
    }
    long ms = settings.getLong("drainMs", 0L);
    Promise<JsonObject> done = Promise.promise();
    vertx.setTimer(Math.max(1, ms), id -> done.complete(new JsonObject().put("drainedMs", ms)));
    return done.future();
  }
}
