package dev.quiesce.web;

import dev.quiesce.launcher.ApplicationContext;
import dev.quiesce.web.impl.WebState;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.healthchecks.HealthChecks;

/**
 * Entry points of the web module for an application run by the Quiesce launcher.
 *
 * <pre>{@code
 * QuiesceLauncher.launch(args, ctx -> QuiesceWeb.deploy(ctx, (vertx, config) -> {
 *   Router router = Router.router(vertx);
 *   router.get("/hello").handler(rc -> rc.end("hello"));
 *   return router;
 * }));
 * }</pre>
 */
public final class QuiesceWeb {

  private QuiesceWeb() {
  }

  /**
   * Deploys the management listener (unless {@code management.enabled} is false), then the HTTP
   * server. Fails when either fails to start (the launcher then stops what started and exits 1).
   *
   * @param ctx the application's context (its configuration and deployments)
   * @param routes builds the router of each HTTP server instance
   * @return the HTTP server's deployment id
   */
  public static Future<String> deploy(ApplicationContext ctx, RouterFactory routes) {
    return deployManagement(ctx).compose(ignored -> deployHttp(ctx, routes));
  }

  /**
   * Deploys an {@link HttpServerVerticle} running {@code routes} (one deployment; it runs
   * {@code http.instances} server instances itself).
   *
   * @param ctx the application's context (its configuration and deployments)
   * @param routes builds the router of each HTTP server instance
   * @return its deployment id
   */
  public static Future<String> deployHttp(ApplicationContext ctx, RouterFactory routes) {
    return ctx.deploy(() -> new HttpServerVerticle(routes), new DeploymentOptions());
  }

  /**
   * Deploys the {@link ManagementVerticle}. Fails with the configuration's problems when the
   * {@code management} section is invalid.
   *
   * @param ctx the application's context (its configuration and deployments)
   * @return its deployment id, or null when {@code management.enabled} is false (nothing deployed)
   */
  public static Future<String> deployManagement(ApplicationContext ctx) {
    ManagementConfig management;
    try {
      management = ManagementConfig.from(ctx.config());
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    if (!management.enabled()) {
      return Future.succeededFuture(null);
    }
    return ctx.deploy(ManagementVerticle::new, new DeploymentOptions());
  }

  /**
   * The liveness checks ({@code GET /health/live}); register the application's own here.
   *
   * @param vertx the Vert.x instance the application runs on
   * @return the checks, one set per {@code Vertx}
   */
  public static HealthChecks liveness(Vertx vertx) {
    return WebState.of(vertx).liveness();
  }

  /**
   * The readiness checks ({@code GET /health/ready}, and {@code http.readinessPath}); register the
   * application's own here. The framework's check, {@code lifecycle}, is down from {@code announce}
   * on and while a {@code drain} command is in effect.
   *
   * @param vertx the Vert.x instance the application runs on
   * @return the checks, one set per {@code Vertx}
   */
  public static HealthChecks readiness(Vertx vertx) {
    return WebState.of(vertx).readiness();
  }
}
