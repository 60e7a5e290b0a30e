package dev.quiesce.config;

import io.vertx.core.json.JsonObject;
import java.util.Set;

/**
 * A top-level section of the configuration that a framework module owns ({@code lifecycle},
 * {@code http}, {@code management}, {@code processes}).
 *
 * <p>Modules declare their sections in {@code META-INF/services/dev.quiesce.config.ConfigSection};
 * the launcher finds them with {@link java.util.ServiceLoader}, merges their {@link #defaults()}
 * under the user's file, and runs every {@link #validate(ConfigReader)} before anything binds a
 * port or spawns a child. Sections nobody owns belong to the application and are passed through.
 */
public interface ConfigSection {

  /** The top-level key, e.g. {@code "lifecycle"}. */
  String name();

  /**
   * The built-in defaults of the whole document this section contributes (usually
   * {@code {"<name>": {...}}}); the lowest-priority configuration source.
   */
  JsonObject defaults();

  /**
   * Checks the section in the merged configuration and records every problem in {@code root}
   * (never throws for bad input). An unknown key in the section is a problem.
   *
   * @param root a reader of the whole merged configuration
   */
  void validate(ConfigReader root);

  /**
   * OS signals this section needs the signal bridge to catch in addition to those in
   * {@code lifecycle.signals}, for example the signals a process group propagates to its
   * children. Default: none.
   */
  default Set<String> signalsToCatch(JsonObject config) {
    return Set.of();
  }
}
