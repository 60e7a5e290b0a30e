package dev.quiesce.web;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.util.function.Function;

/**
 * Builds the application's vertx-web {@link Router} for one instance of the HTTP server.
 *
 * <p>Called once per instance, on that instance's event loop, with the whole configuration
 * (framework sections and the application's own): at start, and again for every instance a
 * {@code reload} deploys, then with the new configuration. Build a fresh router each time; do not
 * share one router, or state inside it, between calls.
 *
 * <p>Failure: an exception fails that instance's deployment. At start the HTTP verticle then
 * fails to start; in a reload the old instances keep serving and the reload is reported failed.
 *
 * <p>The framework tracks each request through its response's end, close and headers-end
 * handlers. A handler that replaces them ({@code RoutingContext.addEndHandler} and its kin, or
 * {@code response().endHandler(...)}) is fine: the end is then seen when the connection closes or
 * by a periodic sweep, so counts stay right, at most a second later (see framework-web's README).
 */
@FunctionalInterface
public interface RouterFactory {

  /**
   * Builds the router of one HTTP server instance.
   *
   * @param vertx the Vert.x instance (the router's handlers run on the calling instance's event loop)
   * @param config the whole configuration this instance runs with
   * @return a new router; never null
   * @throws Exception when the router cannot be built (the instance does not start)
   */
  Router create(Vertx vertx, JsonObject config) throws Exception;

  /**
   * A factory that ignores the configuration.
   *
   * @param factory builds a new router from the Vert.x instance
   * @return a factory that calls {@code factory}
   */
  static RouterFactory of(Function<Vertx, Router> factory) {
    return (vertx, config) -> factory.apply(vertx);
  }
}
