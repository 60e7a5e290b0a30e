package dev.quiesce.cluster.impl;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * Adds the {@code cluster} part to a stop report file once the node has left the cluster, which
 * happens after the report was written (the node leaves when Vert.x closes). The part gathers what
 * the issue of a leaving node asks for in one place: when the consumers were gone from the cluster
 * ({@code withdrawnAt}, and {@code confirmedAt} when every other node confirmed), what arrived after
 * that ({@code stragglers}, {@code lost}, counted until the leave), and when the node left
 * ({@code leftAt}, {@code leaveTookMs}; or {@code leaveFailure}).
 *
 * <p>The file is rewritten whole ({@code <file>.cluster.tmp} beside it, with the report's permissions,
 * then an atomic move), and only when it holds the report of this stop (its {@code start} is the one
 * this node published, checked when read and again just before the move): a report file left by an
 * earlier run, or written by another process meanwhile, is left as it is. Plain java.nio: Vert.x is
 * closing.
 */
final class ReportClusterPart {

  /** The key of the part in the report. */
  static final String KEY = "cluster";
  /** The temporary file beside the report: a fixed name, so an interrupted rewrite leaves one file, not one per stop. */
  static final String TEMP_SUFFIX = ".cluster.tmp";

  private ReportClusterPart() {
  }

  /**
   * Puts {@code part} under {@value #KEY} in the report in {@code file}, if that report began at
   * {@code reportStart}.
   *
   * @param file {@code lifecycle.reportFile}
   * @param reportStart the {@code start} of the report this node published
   * @param part the cluster part
   * @return why the file was left as it was; empty when the part was added
   */
  static Optional<String> add(Path file, long reportStart, JsonObject part) {
    JsonObject report;
    try {
      report = new JsonObject(Files.readString(file, StandardCharsets.UTF_8));
    } catch (NoSuchFileException e) {
      return Optional.of("there is no report file " + file + " (it could not be written?)");
    } catch (IOException e) {
      return Optional.of("the report file " + file + " could not be read: " + e);
    } catch (DecodeException e) {
      return Optional.of("the report file " + file + " is not a JSON object: " + e.getMessage());
    }
    if (!(report.getValue("start") instanceof Number start) || start.longValue() != reportStart) {
      return Optional.of("the report file " + file + " is not this stop's report (its start is "
          + report.getValue("start") + ", this stop's " + reportStart + ")");
    }
    report.put(KEY, part);
    Path temp = file.resolveSibling(file.getFileName() + TEMP_SUFFIX);
    try {
      Files.writeString(temp, report.encode() + "\n", StandardCharsets.UTF_8);
      keepPermissions(file, temp);
      // checked again just before the move: a report another process wrote meanwhile (an upgrade's
      // successor stopping at the same moment) is kept; only a write in the microseconds between the
      // check and the move could still be replaced
      if (!startOf(file).equals(Optional.of(reportStart))) {
        Files.deleteIfExists(temp);
        return Optional.of("the report file " + file + " was replaced by another report while the part was added");
      }
      Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return Optional.empty();
    } catch (IOException e) {
      deleteQuietly(temp);
      return Optional.of("the report file " + file + " could not be rewritten: " + e);
    }
  }

  /** The report file's start, if it can be read as a report. */
  private static Optional<Long> startOf(Path file) {
    try {
      return new JsonObject(Files.readString(file, StandardCharsets.UTF_8)).getValue("start") instanceof Number n
          ? Optional.of(n.longValue()) : Optional.empty();
    } catch (IOException | DecodeException e) {
      return Optional.empty();
    }
  }

  /** The rewritten file keeps the mode of the report (readable by whoever could read it before). */
  private static void keepPermissions(Path file, Path temp) throws IOException {
    try {
      Files.setPosixFilePermissions(temp, Files.getPosixFilePermissions(file));
    } catch (UnsupportedOperationException notPosix) {
      // a file system without POSIX modes: the new file has its defaults
    }
  }

  private static void deleteQuietly(Path temp) {
    if (temp != null) {
      try {
        Files.deleteIfExists(temp);
      } catch (IOException ignored) {
        // the write already failed and is said; a stray temporary file is all that is left
      }
    }
  }
}
