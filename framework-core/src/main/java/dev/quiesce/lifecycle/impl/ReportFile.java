package dev.quiesce.lifecycle.impl;

import dev.quiesce.config.Durations;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Writes the stop report to {@code lifecycle.reportFile}: whole (a temporary file, then an
 * atomic move), on a worker thread, bounded in time. Plain java.nio rather than Vert.x's file
 * system, which is already closing when the stop runs from the JVM shutdown hook.
 */
final class ReportFile {

  private static final long TIMEOUT_MS = 2000;

  private ReportFile() {
  }

  /** How long {@link #whyNotWritable(String)} waits for the file system before it gives up. */
  static final Duration CHECK_TIMEOUT = Duration.ofSeconds(2);

  /**
   * Why a report could not be written to {@code file} the way {@link #write} writes it (a temporary
   * file beside it, then a move), or null when it can: checked by creating and deleting a file in its
   * directory, so permissions, a read-only mount and a full disk's missing inode all show.
   *
   * <p>Bounded: the check runs on a thread of its own and the caller waits at most
   * {@link #CHECK_TIMEOUT}; a file system that does not answer by then (a hung network mount) is a
   * problem ({@code could not be checked within 2s: …}). A check that hangs keeps only its own daemon
   * thread. The caller still blocks for up to that time: call it on a worker thread, never an event loop.
   */
  static String whyNotWritable(String file) {
    return whyNotWritable(file, CHECK_TIMEOUT, ReportFile::onItsOwnThread);
  }

  /** {@link #whyNotWritable(String)} with the check run by {@code checker} and awaited at most {@code bound}. */
  static String whyNotWritable(String file, Duration bound, Executor checker) {
    CompletableFuture<String> check = CompletableFuture.supplyAsync(() -> check(file), checker);
    try {
      return check.get(bound.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      check.cancel(true);
      return "could not be checked within " + Durations.format(bound) + ": the file system of "
          + Path.of(file).toAbsolutePath().getParent() + " does not answer (a hung network mount?)";
    } catch (ExecutionException e) {
      return "could not be checked: " + e.getCause();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "could not be checked: interrupted";
    }
  }

  private static void onItsOwnThread(Runnable check) {
    Thread thread = new Thread(check, "quiesce-report-file-check");
    thread.setDaemon(true);
    thread.start();
  }

  private static String check(String file) {
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

  /**
   * Writes {@code report} (the report's JSON, encoded) and a newline to a temporary file beside
   * {@code path}, then moves it into place atomically, on a worker, within 2 s. Never fails: a report
   * that cannot be written is logged, the stop goes on.
   */
  static Future<Void> write(Vertx vertx, CoordinatorTimers timers, Optional<String> path, String report) {
    if (path.isEmpty()) {
      return Future.succeededFuture();
    }
    Path target = Path.of(path.get());
    return timers.bound(vertx.<Void>executeBlocking(() -> {
      Path temp = target.resolveSibling(target.getFileName() + ".tmp");
      Files.writeString(temp, report + "\n", StandardCharsets.UTF_8);
      Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return null;
    }, false), TIMEOUT_MS)
        .onFailure(e -> Coordinator.LOG.error("could not write the stop report to {}: {}", target, e.toString()))
        .otherwiseEmpty();
  }
}
