package dev.quiesce.web.impl;

import dev.quiesce.web.HttpConfig;
import dev.quiesce.web.RouterFactory;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.util.ArrayList;
import java.util.List;

/**
 * One instance of the application's HTTP server, on its own event loop: the application's
 * router behind a {@link RequestTracker}. Deployed and drained by {@link HttpService}.
 *
 * <p>A reload replaces the server of an instance in place: a new server, with the new router and
 * configuration, starts listening on the same event loop and shared port, then the old one
 * drains. Keeping the event loop matters: Vert.x hands each accepted connection to an event loop
 * first and to a server of that loop a moment later; a connection handed to a loop whose last
 * server just left is closed unanswered. With the new server already on the loop, it is served.
 */
final class HttpInstanceVerticle extends VerticleBase {

  private final RouterFactory routes;
  private HttpConfig config;
  private final JsonObject startConfig;
  private final int startPort;
  /** The servers of this instance; the one taking new connections is the last. */
  private final List<Slot> slots = new ArrayList<>();
  private long stopDeadline = -1;
  private volatile int actualPort = -1;

  /** One server and its tracker. */
  private record Slot(HttpServer server, RequestTracker tracker) {
  }

  HttpInstanceVerticle(HttpConfig config, JsonObject fullConfig, RouterFactory routes, int port) {
    this.config = config;
    this.startConfig = fullConfig;
    this.routes = routes;
    this.startPort = port;
  }

  @Override
  public Future<?> start() {
    return open(config, startConfig, startPort).onSuccess(slot -> {
      slots.add(slot);
      actualPort = slot.server().actualPort();
    });
  }

  /** Builds the router and a server for it, listening on {@code port}. Runs on this instance's context. */
  private Future<Slot> open(HttpConfig cfg, JsonObject full, int port) {
    WebState state = WebState.of(vertx);
    Router router;
    try {
      router = routes.create(vertx, full.copy());
    } catch (Exception e) {
      return Future.failedFuture(e);
    }
    if (router == null) {
      return Future.failedFuture(new IllegalStateException("the router factory returned null"));
    }
    RequestTracker tracker = new RequestTracker(vertx, context, state, cfg.sseFinalEvent());
    cfg.readinessPath().ifPresent(path -> router.get(path).order(Integer.MIN_VALUE + 1)
        .handler(state.readinessHandler()));
    // on the native transport the port is shared (SO_REUSEPORT) so that a successor can bind it (upgrade)
    HttpServer server = vertx.createHttpServer(cfg.serverOptions(port).setReusePort(vertx.isNativeTransportEnabled()))
        .connectionHandler(tracker::onConnection)
        .requestHandler(request -> tracker.onRequest(request, router));
    tracker.attach(server);
    return server.listen().<Slot>map(s -> new Slot(s, tracker)).onFailure(e -> tracker.detach());
  }

  /**
   * Undeployed: drains the servers that are not draining yet (bounded by
   * {@code http.undeployDrainTimeout}), and waits for those that are (they have their own budget).
   */
  @Override
  public Future<?> stop() {
    if (stopDeadline < 0) {
      stopDeadline = System.currentTimeMillis() + config.undeployDrainTimeout().toMillis();
    }
    return drainSlots(List.copyOf(slots), DrainPlan.immediate(DrainKind.UNDEPLOY, stopDeadline, 200));
  }

  /**
   * Drains every server of this instance (see {@link RequestTracker#drain}); a server already
   * draining contributes the result of that drain, with this call's budget when it ends sooner.
   * Runs on this instance's context.
   */
  Future<DrainResult> drain(DrainPlan plan) {
    return OnContext.call(context, () -> {
      if (stopDeadline < 0) {
        stopDeadline = plan.budgetDeadline();
      }
      return drainSlots(List.copyOf(slots), plan);
    });
  }

  /**
   * Reload: a new server with {@code next} starts listening next to the current one, then the
   * current one drains as {@code reload} says (its window of {@code Connection: close}, then a
   * graceful shutdown, everything cut at its budget deadline). Fails, leaving the current server serving, when
   * the new one cannot start; fails with {@link StoppedDuringReload} when a stop began meanwhile
   * (the new server is then drained with the stop, and the failure carries what that drain did).
   */
  Future<DrainResult> replace(HttpConfig next, JsonObject full, int port, DrainPlan reload) {
    return OnContext.call(context, () -> {
      if (stopDeadline >= 0) {
        return Future.failedFuture(new IllegalStateException("the HTTP server is stopping"));
      }
      return open(next, full, port).compose(fresh -> {
        List<Slot> old = List.copyOf(slots);
        slots.add(fresh);
        actualPort = fresh.server().actualPort();
        if (stopDeadline >= 0) {
          return drainSlots(List.of(fresh), DrainPlan.immediate(DrainKind.STOP, stopDeadline, reload.settleMs()))
              .compose(r -> Future.failedFuture(new StoppedDuringReload(r)));
        }
        config = next;
        return drainSlots(old, reload)
            .onComplete(ar -> slots.removeAll(old));
      });
    });
  }

  private Future<DrainResult> drainSlots(List<Slot> which, DrainPlan plan) {
    List<Future<DrainResult>> drains = new ArrayList<>();
    for (Slot slot : which) {
      drains.add(slot.tracker().drain(plan).andThen(ar -> slot.tracker().detach()));
    }
    return DrainResult.sumOf(drains);
  }

  /** A stop began while a reload started a new server: the new server was drained, with this result. */
  static final class StoppedDuringReload extends IllegalStateException {
    private static final long serialVersionUID = 1L;
    final transient DrainResult drained;

    StoppedDuringReload(DrainResult drained) {
      super("a stop began during the reload");
      this.drained = drained;
    }
  }

  int actualPort() {
    return actualPort;
  }
}
