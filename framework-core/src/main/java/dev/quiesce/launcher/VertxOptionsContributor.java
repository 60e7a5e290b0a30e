package dev.quiesce.launcher;

import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;

/**
 * Lets a framework module adjust the {@link VertxOptions} before the launcher creates the
 * {@code Vertx} instance (metrics, for example). Declared in
 * {@code META-INF/services/dev.quiesce.launcher.VertxOptionsContributor}.
 */
public interface VertxOptionsContributor {

  /**
   * Changes the options the launcher creates the {@code Vertx} instance with.
   *
   * @param options the options to change
   * @param config the validated configuration
   */
  void contribute(VertxOptions options, JsonObject config);
}
