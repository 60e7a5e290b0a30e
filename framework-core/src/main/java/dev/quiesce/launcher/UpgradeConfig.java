package dev.quiesce.launcher;

import dev.quiesce.config.ConfigReader;
import dev.quiesce.config.Durations;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The {@code upgrade} section: how the {@code upgrade} command starts this application's successor.
 *
 * @param command the successor's command line ({@code ["java", "-jar", "/opt/app/v2.jar", "--config",
 *     "/etc/app.json"]}); empty: the same java binary, JVM options, class path or jar and program
 *     arguments as this process
 * @param timeout how long the successor has to become running and ready (default 60 s); past it, it
 *     is ended with its process group and this process serves on
 * @param stateDir the directory of the handover socket ({@code upgrade-<pid>.sock}); default
 *     {@code <java.io.tmpdir>/quiesce-<user.name>}. Not checked at start: an {@code upgrade} where it
 *     cannot be created or written is refused, naming the path
 */
public record UpgradeConfig(List<String> command, Duration timeout, Path stateDir) {

  /** The section's key. */
  public static final String SECTION = "upgrade";
  /** The default {@code timeout}. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

  private static final List<String> KEYS = ConfigReader.keys("command", "timeout", "stateDir");

  /**
   * Copies {@code command} (unmodifiable).
   *
   * @param command the successor's command line ({@code ["java", "-jar", "/opt/app/v2.jar", "--config",
   *     "/etc/app.json"]})
   * @param timeout how long the successor has to become running and ready (default 60 s)
   * @param stateDir the directory of the handover socket ({@code upgrade-<pid>.sock})
   */
  public UpgradeConfig {
    command = List.copyOf(command);
  }

  /**
   * The configured command, if any.
   *
   * @return {@code command}, or empty when it is empty (start the same command line)
   */
  public Optional<List<String>> configuredCommand() {
    return command.isEmpty() ? Optional.empty() : Optional.of(command);
  }

  /**
   * Reads the section of {@code root}.
   *
   * @param root the whole configuration
   * @return the section, valid
   * @throws dev.quiesce.config.ConfigException naming the JSON path and rule of every problem
   */
  public static UpgradeConfig from(JsonObject root) {
    return ConfigReader.readAll(root, UpgradeConfig::read);
  }

  /**
   * Reads the {@code upgrade} section of {@code root}, recording problems in it (never throws for bad input).
   *
   * @param root a reader of the whole configuration, which collects the problems
   * @return the section as far as it could be read (defaults where a value is invalid)
   */
  public static UpgradeConfig read(ConfigReader root) {
    ConfigReader r = root.object(SECTION);
    r.allowOnly(KEYS);
    List<String> command = r.strings("command", List.of());
    if (r.has("command") && command.isEmpty()) {
      r.problem("command", "must name a program to run (leave it out to start the same command line)");
    }
    for (int i = 0; i < command.size(); i++) {
      if (command.get(i).isEmpty()) {
        r.problem("command[" + i + "]", "must not be empty");
      }
    }
    Duration timeout = r.duration("timeout", DEFAULT_TIMEOUT, Duration.ofMillis(100), Duration.ofHours(1));
    String dir = r.string("stateDir", null);
    if (dir != null && dir.isBlank()) {
      r.problem("stateDir", "must not be empty");
      dir = null;
    }
    return new UpgradeConfig(command, timeout, dir == null ? defaultStateDir() : Path.of(dir));
  }

  /**
   * The default {@code stateDir}.
   *
   * @return {@code <java.io.tmpdir>/quiesce-<user.name>}
   */
  public static Path defaultStateDir() {
    return Path.of(System.getProperty("java.io.tmpdir"), "quiesce-" + System.getProperty("user.name"));
  }

  /**
   * The defaults as JSON: {@code {"upgrade": {"timeout": "60s"}}} (no command, the default state directory).
   *
   * @return a new object holding the section
   */
  public static JsonObject defaultsJson() {
    return new JsonObject().put(SECTION, new JsonObject().put("timeout", Durations.format(DEFAULT_TIMEOUT)));
  }
}
