package dev.quiesce.lifecycle.impl;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
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

  /**
   * Why a report could not be written to {@code file} the way {@link #write} writes it (a temporary
   * file beside it, then a move), or null when it can: checked by creating and deleting a file in its
   * directory, so permissions, a read-only mount and a full disk's missing inode all show. Blocking,
   * but only for one create and one delete in one directory.
   */
  static String whyNotWritable(String file) {
    Path target = Path.of(file).toAbsolutePath();
    if (Files.isDirectory(target)) {
      return "is a directory; name a file in it";
    }
    Path directory = target.getParent();
    if (!Files.exists(directory)) {
      return "cannot be written: the directory " + directory + " does not exist";
    }
    if (!Files.isDirectory(directory)) {
      return "cannot be written: " + directory + " is not a directory";
    }
    try {
      Files.delete(Files.createTempFile(directory, "." + target.getFileName(), ".check"));
      return null;
    } catch (IOException e) {
      String reason = e instanceof AccessDeniedException ? "permission denied"
          : e instanceof FileSystemException f && f.getReason() != null ? f.getReason() : e.toString();
      return "cannot be written in " + directory + ": " + reason;
    }
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
