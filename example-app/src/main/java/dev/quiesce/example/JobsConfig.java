package dev.quiesce.example;

import dev.quiesce.config.ConfigReader;
import dev.quiesce.config.Durations;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.regex.Pattern;

/**
 * The job queue's settings, {@code example.jobs} (see {@link JobQueueVerticle} for what the queue
 * does with them).
 *
 * @param capacity the most jobs waiting to run (running ones not counted); a job submitted when
 *     that many wait is refused (HTTP 503 with {@code Retry-After})
 * @param concurrency how many jobs run at once
 * @param maxDuration the longest job accepted ({@code POST /jobs?ms=N}); a longer one gets 400
 * @param submitTimeout how long {@code POST /jobs} waits for the queue to take the job; then 503
 * @param phase the stop phase in which the queue drains: its consumer unregisters and every job
 *     accepted is finished within the phase's budget or reported as not done; it should be one of
 *     {@code lifecycle.phases} (the queue warns at start when it is not, and is then not drained)
 */
public record JobsConfig(int capacity, int concurrency, Duration maxDuration, Duration submitTimeout, String phase) {

  /** The key of the object in the {@code example} section. */
  public static final String KEY = "jobs";

  private static final int CAPACITY = 100;
  private static final int CONCURRENCY = 2;
  private static final Duration MAX_DURATION = Duration.ofSeconds(60);
  private static final Duration SUBMIT_TIMEOUT = Duration.ofSeconds(2);
  private static final String PHASE = "jobs";
  /** The rule of {@code lifecycle.phases[].name}. */
  private static final Pattern PHASE_NAME = Pattern.compile("[a-z][a-zA-Z0-9-]{0,39}");

  static JsonObject defaultsJson() {
    return new JsonObject().put("capacity", CAPACITY).put("concurrency", CONCURRENCY)
        .put("maxDuration", Durations.format(MAX_DURATION)).put("submitTimeout", Durations.format(SUBMIT_TIMEOUT))
        .put("phase", PHASE);
  }

  /** Reads {@code example.jobs}; problems go to the reader's root, with their paths. */
  static JobsConfig read(ConfigReader r) {
    r.allowOnly(ConfigReader.keys("capacity", "concurrency", "maxDuration", "submitTimeout", "phase"));
    String phase = r.string("phase", PHASE);
    if (!PHASE_NAME.matcher(phase).matches()) {
      r.problem("phase", ConfigReader.describe(phase) + " is not a phase name; use a lower-case letter then letters,"
          + " digits or '-', at most 40 characters");
      phase = PHASE;
    }
    return new JobsConfig(
        r.integer("capacity", CAPACITY, 1, 100_000),
        r.integer("concurrency", CONCURRENCY, 1, 1_000),
        r.duration("maxDuration", MAX_DURATION, Duration.ofMillis(1), Duration.ofHours(1)),
        r.duration("submitTimeout", SUBMIT_TIMEOUT, Duration.ofMillis(1), Duration.ofMinutes(1)),
        phase);
  }
}
