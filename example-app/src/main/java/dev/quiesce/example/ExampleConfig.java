package dev.quiesce.example;

import dev.quiesce.config.ConfigReader;
import io.vertx.core.json.JsonObject;
import java.time.Duration;

/**
 * The application's own section, {@code example}, validated with the framework's reader like
 * every other section (see {@link ExampleConfigSection}).
 *
 * @param maxWork the longest {@code GET /work?ms=N} accepted; longer asks get 400
 * @param workersTimeout how long {@code GET /workers} waits for the process manager
 */
public record ExampleConfig(Duration maxWork, Duration workersTimeout) {

  public static final String SECTION = "example";

  static JsonObject defaultsJson() {
    return new JsonObject().put(SECTION, new JsonObject().put("maxWork", "60s").put("workersTimeout", "2s"));
  }

  /** Reads the section; problems go to {@code root}. */
  static ExampleConfig read(ConfigReader root) {
    ConfigReader r = root.object(SECTION);
    r.allowOnly(ConfigReader.keys("maxWork", "workersTimeout"));
    return new ExampleConfig(
        r.duration("maxWork", Duration.ofSeconds(60), Duration.ZERO, Duration.ofHours(1)),
        r.duration("workersTimeout", Duration.ofSeconds(2), Duration.ofMillis(1), Duration.ofMinutes(1)));
  }

  /** @throws dev.quiesce.config.ConfigException naming every problem */
  public static ExampleConfig from(JsonObject root) {
    return ConfigReader.readAll(root, ExampleConfig::read);
  }
}
