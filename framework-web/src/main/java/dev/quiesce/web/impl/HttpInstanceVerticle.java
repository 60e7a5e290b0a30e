package dev.quiesce.web.impl;

import dev.quiesce.web.HttpConfig;
import dev.quiesce.web.RouterFactory;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;

/**
 * One instance of the application's HTTP server, on its own event loop: the application's
 * router behind the {@link RequestTracker}. Deployed and drained by {@link HttpService}; each
 * instance is its own deployment so a reload can replace them one at a time.
 */
final class HttpInstanceVerticle extends VerticleBase {

  private final HttpConfig config;
  private final JsonObject fullConfig;
  private final RouterFactory routes;
  private final int port;
  private volatile int actualPort = -1;
  private RequestTracker tracker;

  HttpInstanceVerticle(HttpConfig config, JsonObject fullConfig, RouterFactory routes, int port) {
    this.config = config;
    this.fullConfig = fullConfig;
    this.routes = routes;
    this.port = port;
  }

  @Override
  public Future<?> start() throws Exception {
    WebState state = WebState.of(vertx);
    Router router = routes.create(vertx, fullConfig.copy());
    if (router == null) {
      return Future.failedFuture(new IllegalStateException("the router factory returned null"));
    }
    tracker = new RequestTracker(vertx, context, state, config.sseFinalEvent());
    tracker.install(router);
    config.readinessPath().ifPresent(path -> {
      HealthCheckHandler readiness = HealthCheckHandler.createWithHealthChecks(state.readiness());
      router.get(path).order(Integer.MIN_VALUE + 1).handler(ctx -> {
        ctx.addBodyEndHandler(v -> state.readinessAnswered(ctx.response().getStatusCode()));
        readiness.handle(ctx);
      });
    });
    HttpServer server = vertx.createHttpServer(config.serverOptions(port))
        .connectionHandler(tracker::onConnection)
        .requestHandler(request -> tracker.onRequest(request, router));
    tracker.attach(server);
    return server.listen().onSuccess(s -> actualPort = s.actualPort()).onFailure(e -> tracker.detach());
  }

  /**
   * Undeployed: drains first when no drain ran (bounded by {@code http.undeployDrainTimeout}),
   * otherwise waits for the drain that runs (it has its own budget).
   */
  @Override
  public Future<?> stop() {
    if (tracker == null) {
      return Future.succeededFuture();
    }
    Future<DrainResult> running = tracker.drainResult();
    Future<DrainResult> drained = running != null ? running
        : tracker.drain("undeploy", 0, System.currentTimeMillis() + config.undeployDrainTimeout().toMillis(), 200);
    return drained.eventually(() -> {
      tracker.detach();
      return Future.succeededFuture();
    });
  }

  /** See {@link RequestTracker#drain}; runs on this instance's context whatever the caller's. */
  Future<DrainResult> drain(String kind, long windowMs, long budgetDeadline, long settleMs) {
    return OnContext.call(context, () -> tracker.drain(kind, windowMs, budgetDeadline, settleMs));
  }

  int actualPort() {
    return actualPort;
  }

  Context instanceContext() {
    return context;
  }
}
