package dev.quiesce.config;

import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * A merged, validated configuration and where it came from.
 *
 * @param config the whole document: framework sections and the application's own
 * @param sources the sources used, lowest priority first, e.g. {@code [defaults, file conf/config.json,
 *     env QUIESCE_LIFECYCLE_SHUTDOWNTIMEOUT]}
 */
public record LoadedConfig(JsonObject config, List<String> sources) {

  /**
   * Copies {@code sources} (unmodifiable).
   *
   * @param config the whole document
   * @param sources the sources used, lowest priority first
   */
  public LoadedConfig {
    sources = List.copyOf(sources);
  }
}
