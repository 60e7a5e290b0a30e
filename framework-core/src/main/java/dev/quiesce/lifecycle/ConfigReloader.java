package dev.quiesce.lifecycle;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * Re-reads the configuration for a {@code reload}: the same sources as at start, validated
 * the same way.
 */
@FunctionalInterface
public interface ConfigReloader {

  /**
   * Re-reads and validates the configuration.
   *
   * @return the new whole configuration; a failure (a {@link dev.quiesce.config.ConfigException}
   *     for an invalid one) leaves the application running on the old configuration
   */
  Future<JsonObject> reload();
}
