package dev.quiesce.lifecycle.impl;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.file.CopyOptions;
import io.vertx.core.json.JsonObject;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Writes the stop report to {@code lifecycle.reportFile}: whole (temporary file, then move), bounded in time. */
final class ReportFile {

  private static final long TIMEOUT_MS = 2000;

  private ReportFile() {
  }

  /** Never fails: a report that cannot be written is logged, the stop goes on. */
  static Future<Void> write(Vertx vertx, Optional<String> path, JsonObject report) {
    if (path.isEmpty()) {
      return Future.succeededFuture();
    }
    String target = path.get();
    String temp = target + ".tmp";
    return vertx.fileSystem().writeFile(temp, report.toBuffer())
        .compose(v -> vertx.fileSystem().move(temp, target, new CopyOptions().setReplaceExisting(true)))
        .timeout(TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .onFailure(e -> Coordinator.LOG.error("could not write the stop report to {}: {}", target, e.getMessage()))
        .otherwiseEmpty();
  }
}
