package dev.quiesce.launcher;

import dev.quiesce.lifecycle.EventBusContract;
import dev.quiesce.lifecycle.Participant;
import dev.quiesce.lifecycle.Participants;
import dev.quiesce.lifecycle.PhaseContext;
import dev.quiesce.lifecycle.UpgradeHandover;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * A small application for the launcher's end-to-end tests, steered by its {@code testApp}
 * configuration section: {@code drainMs} (how long its drain takes), {@code hangIn} (a phase
 * it never answers), {@code port} (a port it binds), {@code exitAfterStartMs} (calls
 * {@code System.exit(0)} from application code after that long), {@code stuckStop} (also deploys a
 * verticle whose {@code stop()} never completes), {@code startDelayMs} (its start takes that long,
 * printing {@code TESTAPP starting} first), {@code reloadMs} (each reload it hears takes that long,
 * printed as {@code TESTAPP reload begins N} and {@code TESTAPP reload ends N}; each reload event is printed as
 * {@code TESTAPP reload <outcome> (<reason>)}, with {@code error: ...} when it failed), and
 * {@code misbehave}: a list of extra participants {@code {"name", "phase", "behaviour": "hang" | "throw"
 * | "block", "ms"}}, each a verticle of its own, that never answer, throw, or block their event loop
 * for {@code ms} in that phase.
 *
 * <p>The system property {@code testapp.eventLoops} sets the number of Vert.x event loops
 * ({@link EventLoops}, a {@link VertxOptionsContributor}); with 1, every verticle shares the event
 * loop of the lifecycle coordinator's context, the worst case for a verticle that blocks it.
 *
 * <p>In an upgrade: the predecessor says it released {@code test-app} ({@link UpgradeHandover}) once its
 * drain is done; a successor prints {@code TESTAPP successor of <pid>} at start, then
 * {@code TESTAPP released test-app} and {@code TESTAPP predecessor <pid> exited} as it learns them;
 * with {@code holdHandoverMs} it holds the handover that long after its start ({@code TESTAPP warm}).
 */
public final class TestApplication extends VerticleBase implements Participant {

  private static final AtomicInteger RELOADS = new AtomicInteger();

  private JsonObject settings;

  public static void main(String[] args) {
    QuiesceLauncher.launch(args, ctx -> {
      List<Future<?>> misbehaving = new ArrayList<>();
      JsonArray list = ctx.config().getJsonObject("testApp", new JsonObject()).getJsonArray("misbehave",
          new JsonArray());
      for (Object o : list) {
        misbehaving.add(ctx.deploy(() -> new Misbehaving((JsonObject) o)));
      }
      return Future.all(misbehaving).compose(v -> ctx.deploy(TestApplication::new));
    });
  }

  @Override
  public Future<?> start() {
    settings = config().getJsonObject("testApp", new JsonObject());
    System.out.println("TESTAPP commonPoolParallelism " + ForkJoinPool.getCommonPoolParallelism());
    vertx.eventBus().<JsonObject>consumer(EventBusContract.EVENTS, m -> {
      if ("reload".equals(m.body().getString("type"))) {
        String error = m.body().getString("error");
        System.out.println("TESTAPP reload " + m.body().getString("outcome") + " (" + m.body().getString("reason") + ")"
            + (error == null ? "" : " error: " + error));
      }
    });
    UpgradeHandover handover = UpgradeHandover.of(vertx);
    handover.predecessorPid().ifPresent(pid -> {
      System.out.println("TESTAPP successor of " + pid);
      handover.whenReleased(name()).onSuccess(v -> System.out.println("TESTAPP released " + name()));
      handover.whenPredecessorExited().onSuccess(p -> System.out.println("TESTAPP predecessor " + p + " exited"));
      if (settings.containsKey("holdHandoverMs")) {
        Promise<Void> warm = Promise.promise();
        vertx.setTimer(settings.getLong("holdHandoverMs"), id -> {
          System.out.println("TESTAPP warm");
          warm.complete();
        });
        handover.holdHandoverUntil("test-app's warm-up", warm.future());
      }
    });
    Future<?> bound = Future.succeededFuture();
    if (settings.containsKey("startDelayMs")) {
      System.out.println("TESTAPP starting");
      Promise<Void> delayed = Promise.promise();
      vertx.setTimer(settings.getLong("startDelayMs"), id -> delayed.complete());
      bound = delayed.future();
    }
    if (settings.containsKey("port")) {
      // shared with an upgrade's successor (the native transport), as framework-web's listeners are
      bound = bound.compose(v -> vertx.createHttpServer(new HttpServerOptions().setReusePort(true))
          .requestHandler(r -> r.response().putHeader("X-Pid", String.valueOf(ProcessHandle.current().pid())).end("ok"))
          .listen(settings.getInteger("port"), "127.0.0.1"));
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
    return done.future().onSuccess(d -> UpgradeHandover.of(vertx).released(name()));
  }

  @Override
  public Future<JsonObject> onReload(PhaseContext reload) {
    long ms = settings.getLong("reloadMs", 0L);
    if (ms <= 0) {
      return Future.succeededFuture(new JsonObject());
    }
    int n = RELOADS.incrementAndGet();
    System.out.println("TESTAPP reload begins " + n);
    Promise<JsonObject> done = Promise.promise();
    vertx.setTimer(ms, id -> {
      System.out.println("TESTAPP reload ends " + n);
      done.complete(new JsonObject().put("reload", n));
    });
    return done.future();
  }

  /**
   * A participant that misbehaves in one phase: never answers, throws, or blocks its event loop; it
   * is after the participants named in {@code "after"}.
   */
  static final class Misbehaving extends VerticleBase implements Participant {

    private final JsonObject spec;

    Misbehaving(JsonObject spec) {
      this.spec = spec;
    }

    @Override
    public Future<?> start() {
      return Participants.register(vertx, this);
    }

    @Override
    public String name() {
      return spec.getString("name");
    }

    @Override
    public Set<String> phases() {
      return Set.of(spec.getString("phase"));
    }

    @Override
    public Set<String> after() {
      return spec.getJsonArray("after", new JsonArray()).stream().map(String.class::cast).collect(Collectors.toSet());
    }

    @Override
    public Future<JsonObject> onPhase(PhaseContext phase) {
      String behaviour = spec.getString("behaviour");
      System.out.println("TESTAPP " + name() + " " + behaviour + " in " + phase.name() + " on "
          + Thread.currentThread().getName());
      switch (behaviour) {
        case "throw":
          throw new IllegalStateException("boom from " + name());
        case "block":
          try {
            Thread.sleep(spec.getLong("ms")); // blocks the event loop, as application code should never do
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          System.out.println("TESTAPP " + name() + " unblocked");
          return Future.succeededFuture(new JsonObject());
        default:
          return Promise.<JsonObject>promise().future();
      }
    }
  }

  /**
   * A {@link VertxFactory} that applies when the system property {@code testapp.vertxFactory} is
   * {@code never} or {@code two}, and never creates the instance (a cluster that never forms).
   */
  public static final class NeverCreates implements VertxFactory {

    @Override
    public Optional<Future<Vertx>> create(VertxOptions options, JsonObject config) {
      String mode = System.getProperty("testapp.vertxFactory", "");
      return mode.equals("never") || mode.equals("two")
          ? Optional.of(Promise.<Vertx>promise().future()) : Optional.empty();
    }
  }

  /** A second {@link VertxFactory}, applying too when {@code testapp.vertxFactory} is {@code two}. */
  public static final class AlsoApplies implements VertxFactory {

    @Override
    public Optional<Future<Vertx>> create(VertxOptions options, JsonObject config) {
      return "two".equals(System.getProperty("testapp.vertxFactory"))
          ? Optional.of(Promise.<Vertx>promise().future()) : Optional.empty();
    }
  }

  /** Sets the number of event loops from the system property {@code testapp.eventLoops}, when set. */
  public static final class EventLoops implements VertxOptionsContributor {

    @Override
    public void contribute(VertxOptions options, JsonObject config) {
      String n = System.getProperty("testapp.eventLoops");
      if (n != null) {
        options.setEventLoopPoolSize(Integer.parseInt(n));
      }
    }
  }
}
