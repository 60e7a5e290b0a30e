package dev.quiesce.lifecycle.impl;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * Writes the stop report to {@code lifecycle.reportFile}: whole (a temporary file, then an
 * atomic move), on a worker thread, bounded in time. Plain java.nio rather than Vert.x's file
 * system, which is already closing when the stop runs from the JVM shutdown hook.
 */
final class ReportFile {

  private static final long TIMEOUT_MS = 2000;

  private ReportFile() {
  }

  /** Never fails: a report that cannot be written is logged, the stop goes on. */
  static Future<Void> write(Vertx vertx, CoordinatorTimers timers, Optional<String> path, JsonObject report) {
    if (path.isEmpty()) {
      return Future.succeededFuture();
    }
    Path target = Path.of(path.get());
    return timers.bound(vertx.<Void>executeBlocking(() -> {
      Path temp = target.resolveSibling(target.getFileName() + ".tmp");
      Files.writeString(temp, report.encode() + "\n", StandardCharsets.UTF_8);
      Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return null;
    }, false), TIMEOUT_MS)
        .onFailure(e -> Coordinator.LOG.error("could not write the stop report to {}: {}", target, e.toString()))
        .otherwiseEmpty();
  }
}
