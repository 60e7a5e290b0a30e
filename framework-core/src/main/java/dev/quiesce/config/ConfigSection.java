package dev.quiesce.config;

import dev.quiesce.signal.PosixSignal;
import io.vertx.core.json.JsonObject;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A top-level section of the configuration that a module owns ({@code lifecycle}, {@code http},
 * {@code management}, {@code processes}, or an application's own), declared once by its name, its
 * defaults and its reader.
 *
 * <p>A module declares a section with a subclass that has a public no-argument constructor, listed in
 * {@code META-INF/services/dev.quiesce.config.ConfigSection}:
 * <pre>{@code
 * public final class HttpConfigSection extends ConfigSection {
 *   public HttpConfigSection() {
 *     super(HttpConfig.SECTION, HttpConfig::defaultsJson, HttpConfig::read);
 *   }
 * }
 * }</pre>
 * The launcher finds the sections with {@link java.util.ServiceLoader}, merges their {@link #defaults()}
 * under the user's file, and runs every {@link #validate(ConfigReader)} before anything binds a
 * port or spawns a child. Sections nobody owns belong to the application and are passed through.
 */
public abstract class ConfigSection {

  private final String name;
  private final Supplier<JsonObject> defaults;
  private final Function<ConfigReader, ?> reader;

  /**
   * A section with its key, defaults and reader.
   *
   * @param name the top-level key, e.g. {@code "http"}
   * @param defaults the built-in defaults of the whole document this section contributes, usually
   *     {@code {"<name>": {...}}}: the lowest-priority configuration source; called for each load
   * @param reader reads the section from a reader of the whole merged configuration and records every
   *     problem in it (it never throws for bad input; an unknown key in the section is a problem)
   */
  protected ConfigSection(String name, Supplier<JsonObject> defaults, Function<ConfigReader, ?> reader) {
    this.name = Objects.requireNonNull(name, "name");
    this.defaults = Objects.requireNonNull(defaults, "defaults");
    this.reader = Objects.requireNonNull(reader, "reader");
  }

  /**
   * The top-level key, e.g. {@code "lifecycle"}.
   *
   * @return the section's name
   */
  public final String name() {
    return name;
  }

  /**
   * The built-in defaults of the whole document this section contributes.
   *
   * @return a fresh object each call
   */
  public final JsonObject defaults() {
    return defaults.get();
  }

  /**
   * Checks the section in the merged configuration and records every problem in {@code root}
   * (never throws for bad input). {@link ConfigLoader#load()} calls it on a worker thread, so a
   * check may touch the file system; keep every such wait bounded.
   *
   * @param root a reader of the whole merged configuration
   */
  public final void validate(ConfigReader root) {
    reader.apply(root);
  }

  /**
   * OS signals this section needs the signal bridge to catch in addition to those in
   * {@code lifecycle.signals}, for example the signals a process group propagates to its
   * children. Default: none.
   *
   * @param config the whole merged configuration
   * @return the signals to catch; empty for none
   */
  public Set<PosixSignal> signalsToCatch(JsonObject config) {
    return Set.of();
  }
}
