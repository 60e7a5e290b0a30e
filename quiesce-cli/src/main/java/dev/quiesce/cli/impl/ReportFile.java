package dev.quiesce.cli.impl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/** The application's {@code lifecycle.reportFile}, read when the connection was lost during a stop. */
public final class ReportFile {

  /** File times may be coarser than the clock the CLI read (and the stop may have begun just before). */
  private static final Duration CLOCK_SLACK = Duration.ofSeconds(2);
  private static final Duration POLL = Duration.ofMillis(100);

  private ReportFile() {
  }

  /**
   * The report in {@code file} once it was written since {@code since} (less a little slack) and is a
   * whole stop report (it has an {@code exitCode}); polled until {@code until}, then empty.
   */
  public static Optional<Map<String, Object>> awaitWrittenSince(Path file, Instant since, Instant until) {
    while (true) {
      Optional<Map<String, Object>> report = read(file, since);
      if (report.isPresent() || !Instant.now().isBefore(until)) {
        return report;
      }
      try {
        Thread.sleep(Math.min(POLL.toMillis(), Math.max(1, Duration.between(Instant.now(), until).toMillis())));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Optional.empty();
      }
    }
  }

  private static Optional<Map<String, Object>> read(Path file, Instant since) {
    try {
      if (!Files.isRegularFile(file)
          || Files.getLastModifiedTime(file).toInstant().isBefore(since.minus(CLOCK_SLACK))) {
        return Optional.empty();
      }
      return Json.object(Files.readString(file, StandardCharsets.UTF_8))
          .filter(report -> report.get("exitCode") instanceof Number);
    } catch (IOException e) {
      return Optional.empty();
    }
  }
}
