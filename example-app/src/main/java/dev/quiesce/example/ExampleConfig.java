package dev.quiesce.example;

import dev.quiesce.config.ConfigReader;
import dev.quiesce.config.Durations;
import io.vertx.core.json.JsonObject;
import java.time.Duration;

/**
 * The application's own section, {@code example}, validated with the framework's reader like
 * every other section (see {@link ExampleConfigSection}).
 *
 * @param maxWork the longest {@code GET /work?ms=N} accepted; longer asks get 400
 * @param workersTimeout how long {@code GET /workers} waits for the process manager
 * @param jobs the job queue ({@code example.jobs})
 * @param greeting what {@code GET /hello} answers (default {@code hello}); the upgrade walkthrough
 *     starts a "second version" with {@code -Dquiesce.example.greeting=...}
 */
public record ExampleConfig(Duration maxWork, Duration workersTimeout, JobsConfig jobs, String greeting) {

  public static final String SECTION = "example";

  private static final Duration MAX_WORK = Duration.ofSeconds(60);
  private static final Duration WORKERS_TIMEOUT = Duration.ofSeconds(2);
  private static final String GREETING = "hello";

  static JsonObject defaultsJson() {
    return new JsonObject().put(SECTION, new JsonObject().put("maxWork", Durations.format(MAX_WORK))
        .put("workersTimeout", Durations.format(WORKERS_TIMEOUT)).put(JobsConfig.KEY, JobsConfig.defaultsJson()).put("greeting", GREETING));
  }

  /** Reads the section; problems go to {@code root}. */
  static ExampleConfig read(ConfigReader root) {
    ConfigReader r = root.object(SECTION);
    r.allowOnly(ConfigReader.keys("maxWork", "workersTimeout", JobsConfig.KEY, "greeting"));
    return new ExampleConfig(
        r.duration("maxWork", MAX_WORK, Duration.ZERO, Duration.ofHours(1)),
        r.duration("workersTimeout", WORKERS_TIMEOUT, Duration.ofMillis(1), Duration.ofMinutes(1)),
        JobsConfig.read(r.object(JobsConfig.KEY)),
        r.string("greeting", GREETING));
  }

  /** @throws dev.quiesce.config.ConfigException naming every problem */
  public static ExampleConfig from(JsonObject root) {
    return ConfigReader.readAll(root, ExampleConfig::read);
  }
}
