package dev.quiesce.launcher;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import java.util.Optional;

/**
 * Lets a framework module create the {@code Vertx} instance the launcher runs the application on,
 * instead of the launcher's plain {@code Vertx.vertx(options)}: {@code framework-cluster} creates a
 * clustered one when the configuration asks for it. Declared in
 * {@code META-INF/services/dev.quiesce.launcher.VertxFactory}; at most one factory may apply to a
 * configuration (two that do end the start with exit code 1, naming both).
 *
 * <p>The launcher waits for the returned future at most {@code lifecycle.startTimeout}; a failed or
 * late future ends the start with exit code 1 and the cause in the log (a late instance is closed
 * when it arrives). The launcher closes the instance at the end of the run, after the stop.
 */
public interface VertxFactory {

  /**
   * Creates the instance, when this factory applies to {@code config}.
   *
   * @param options the options, with every {@link VertxOptionsContributor}'s changes
   * @param config the validated configuration
   * @return empty when this factory does not apply (the launcher then creates a plain instance);
   *     else the instance to be, failed with a cause that names what went wrong
   */
  Optional<Future<Vertx>> create(VertxOptions options, JsonObject config);
}
