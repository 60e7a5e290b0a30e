package dev.quiesce.process.impl;

import dev.quiesce.signal.PosixSignal;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The children a supervisor has started, recorded in a state directory so that a later run can
 * kill what a crashed run left behind.
 *
 * <p>Each supervisor appends to its own file {@code <jvm pid>-<id>.children}: a first line
 * {@code owner <pid> <start time>} naming the JVM, then {@code + <pid> <start time> <instance> <group>}
 * for each child started and {@code - <pid> <start time>} for each one gone. A clean stop deletes the
 * file. {@link #sweep(Path)} reads the files of owners that no longer run and kills each child
 * still running with the recorded start time, with its process group, and the rest of the group of a
 * child that is gone; a pid now used by another process is left alone.
 *
 * <p>Not thread-safe: used from the {@link Spawner} thread only.
 */
public final class ChildRecords {

  private static final Logger LOG = LoggerFactory.getLogger(ChildRecords.class);
  static final String SUFFIX = ".children";

  private final Path file;
  private final OutputStream out;
  private boolean closed;

  private ChildRecords(Path file, OutputStream out) {
    this.file = file;
    this.out = out;
  }

  /**
   * Creates this supervisor's file in {@code dir} (made, private to the user, when missing).
   *
   * @throws IOException when the directory or file cannot be written
   */
  public static ChildRecords open(Path dir) throws IOException {
    createDir(dir);
    long self = ProcessHandle.current().pid();
    long start = ProcStat.startTime((int) self).orElse(-1);
    Path file = dir.resolve(self + "-" + UUID.randomUUID().toString().substring(0, 8) + SUFFIX);
    OutputStream out = new FileOutputStream(file.toFile(), true);
    ChildRecords records = new ChildRecords(file, out);
    records.write("owner " + self + " " + start);
    return records;
  }


  /** Records a child started. */
  public void add(int pid, long startTime, String group, int instance) {
    write("+ " + pid + " " + startTime + " " + instance + " " + group);
  }

  /** Records a child gone (its process group empty). */
  public void remove(int pid, long startTime) {
    write("- " + pid + " " + startTime);
  }

  /**
   * Closes the file, and deletes it when {@code delete} (nothing of this supervisor is left to
   * sweep); a file kept is swept by the next run once this JVM is gone.
   */
  public void close(boolean delete) {
    closed = true;
    try {
      out.close();
      if (delete) {
        Files.deleteIfExists(file);
      }
    } catch (IOException e) {
      LOG.warn("could not delete the child record file {}: {}", file, e.toString());
    }
  }

  private void write(String line) {
    if (closed) {
      return;
    }
    try {
      out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
    } catch (IOException e) {
      LOG.warn("could not record \"{}\" in {}: {}", line, file, e.toString());
    }
  }

  /** A recorded child found by a sweep, and what was done: {@code killed}, {@code gone} or {@code reused}. */
  public record Swept(int pid, long startTime, String group, int instance, String outcome) {
  }

  /**
   * Kills the leftovers of earlier runs recorded in {@code dir}: for each file whose owner JVM no
   * longer runs (pid and start time), SIGKILL to each recorded child's process group when the pid
   * still runs with the recorded start time, or when the child is a zombie with that start time
   * while its group still has members (its own children: a zombie's pid, and so its group's id, is
   * not given to anyone else); then deletes the file. Files of running owners are left alone. Never
   * throws; an unreadable file is logged and skipped.
   */
  public static List<Swept> sweep(Path dir) {
    return sweep(dir, -1);
  }

  /**
   * As {@link #sweep(Path)}, right after the owner JVM {@code exitedOwner} was seen to exit (an
   * upgrade's predecessor): then also the group of a recorded child that is gone but whose group still
   * has members is killed, since in the moments since the owner died (its children with it, by their
   * parent-death signal) the group's id cannot have been freed and taken again.
   */
  public static List<Swept> sweepAfterExit(Path dir, long exitedOwner) {
    return sweep(dir, exitedOwner);
  }

  private static List<Swept> sweep(Path dir, long exitedOwner) {
    List<Swept> out = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
      for (Path f : files) {
        try {
          sweepFile(f, exitedOwner, out);
        } catch (IOException | RuntimeException e) {
          LOG.warn("could not sweep the child record file {}: {}", f, e.toString());
        }
      }
    } catch (IOException e) {
      LOG.warn("could not list the state directory {}: {}", dir, e.toString());
    }
    return out;
  }

  private static void sweepFile(Path f, long exitedOwner, List<Swept> out) throws IOException {
    List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
    if (lines.isEmpty() || !lines.get(0).startsWith("owner ")) {
      LOG.warn("{} is not a child record file; left alone", f);
      return;
    }
    String[] owner = lines.get(0).split(" ");
    if (ProcStat.isSameProcess(Integer.parseInt(owner[1]), Long.parseLong(owner[2]))) {
      return; // its JVM still runs: those children are not leftovers
    }
    Map<String, String[]> live = new LinkedHashMap<>();
    for (String line : lines.subList(1, lines.size())) {
      String[] p = line.split(" ", 5);
      if (p.length >= 3 && p[0].equals("+") && p.length == 5) {
        live.put(p[1] + " " + p[2], p);
      } else if (p.length >= 3 && p[0].equals("-")) {
        live.remove(p[1] + " " + p[2]);
      }
    }
    for (String[] p : live.values()) {
      int pid = Integer.parseInt(p[1]);
      long start = Long.parseLong(p[2]);
      String outcome;
      ProcStat now = ProcStat.of(pid);
      boolean justExited = Long.parseLong(owner[1]) == exitedOwner;
      if (now != null && now.startTime() != start) {
        outcome = "reused";
        LOG.info("pid {} recorded by an earlier run now belongs to another process; left alone", pid);
      } else if (now != null && !now.zombie()) {
        Posix.killpg(pid, PosixSignal.KILL.number());
        Posix.kill(pid, PosixSignal.KILL.number());
        outcome = "killed";
        LOG.warn("killed pid {} (group {}, instance {}), left running by an earlier run (owner pid {})",
            pid, p[4], p[3], owner[1]);
      } else if ((now != null || justExited) && Posix.groupExists(pid)) {
        // the child (its group's leader) is a zombie, or gone since its owner died just now, killed by its
        // parent-death signal; what it started in its group runs on and is its own
        int errno = Posix.killpg(pid, PosixSignal.KILL.number());
        outcome = errno == 0 ? "killed" : errno == Posix.ESRCH ? "gone" : "reused";
        LOG.warn("{} what is left of the process group {} (group {}, instance {}), whose leader an earlier run"
            + " (owner pid {}) started{}", errno == 0 ? "killed" : "could not kill", pid, p[4], p[3], owner[1],
            errno == 0 ? "" : " (errno " + errno + ")");
      } else {
        outcome = "gone";
      }
      out.add(new Swept(pid, start, p[4], Integer.parseInt(p[3]), outcome));
    }
    Files.deleteIfExists(f);
  }

  private static void createDir(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      try {
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      } catch (UnsupportedOperationException e) {
        Files.createDirectories(dir);
      } catch (IOException e) {
        throw new IOException("cannot create the state directory " + dir + " (" + e + "); choose another with the"
            + " system property quiesce.process.stateDir or ProcessManagerOptions.setStateDir", e);
      }
    }
    if (!Files.isWritable(dir)) {
      throw new IOException("the state directory " + dir + " is not writable; choose another with the system"
          + " property quiesce.process.stateDir or ProcessManagerOptions.setStateDir");
    }
  }
}
