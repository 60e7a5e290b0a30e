package dev.quiesce.process.impl;

import java.io.FileInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;

/**
 * What {@code /proc/<pid>/stat} tells about a process: its process group, state and start time
 * (field 22, clock ticks since boot), which together with the pid identifies a process for good —
 * a pid can be reused, a pid with its start time cannot. Reads files; call off the event loop when
 * scanning.
 *
 * @param pid the process id
 * @param state the state letter ({@code R}, {@code S}, {@code Z} for a zombie, …)
 * @param ppid the parent's pid
 * @param pgrp the process group
 * @param session the session
 * @param startTime field 22, in clock ticks after boot
 */
public record ProcStat(int pid, char state, int ppid, int pgrp, int session, long startTime) {

  private static final Path PROC = Path.of("/proc");
  /** Large enough for any stat line seen (about 300 bytes); a longer one grows it. */
  private static final int STAT_BUFFER = 1024;

  /** True for a process that has exited and waits to be reaped. */
  public boolean zombie() {
    return state == 'Z' || state == 'X';
  }

  /** The stat of {@code pid}, or null when there is no such process (or it cannot be read). */
  public static ProcStat of(int pid) {
    byte[] buf = new byte[STAT_BUFFER];
    int n = 0;
    try (FileInputStream in = new FileInputStream("/proc/" + pid + "/stat")) {
      for (int r; (r = in.read(buf, n, buf.length - n)) > 0; ) {
        n += r;
        if (n == buf.length) {
          buf = Arrays.copyOf(buf, buf.length * 2);
        }
      }
      return parse(pid, buf, n);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** The start time of {@code pid}, empty when there is no such process. */
  public static OptionalLong startTime(int pid) {
    ProcStat s = of(pid);
    return s == null ? OptionalLong.empty() : OptionalLong.of(s.startTime());
  }

  /** True when {@code pid} runs and started at {@code startTime}: the very process recorded then. */
  public static boolean isSameProcess(int pid, long startTime) {
    ProcStat s = of(pid);
    return s != null && !s.zombie() && s.startTime() == startTime;
  }


  /** A snapshot of every process visible in /proc. */
  public static List<ProcStat> all() {
    List<ProcStat> out = new ArrayList<>();
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(PROC)) {
      for (Path dir : dirs) {
        String name = dir.getFileName().toString();
        if (!name.isEmpty() && Character.isDigit(name.charAt(0))) {
          ProcStat s = of(Integer.parseInt(name));
          if (s != null) {
            out.add(s);
          }
        }
      }
    } catch (IOException | NumberFormatException e) {
      // a partial snapshot is the best there is
    }
    return out;
  }

  /** Parses one stat line; the command name (field 2) may hold spaces and parentheses. */
  static ProcStat parse(int pid, String line) {
    byte[] bytes = line.getBytes(StandardCharsets.ISO_8859_1);
    return parse(pid, bytes, bytes.length);
  }

  /**
   * Parses the first {@code n} bytes of a stat line without making strings: a scan reads the stat of
   * every process (hundreds while children exit together), and {@code String.split} of each line cost
   * about half of a scan's time. Field 2 (the command name) ends at the last {@code ')'}.
   *
   * @throws IllegalArgumentException when the line is cut short or a field is not a number
   */
  static ProcStat parse(int pid, byte[] b, int n) {
    int close = n - 1;
    while (close >= 0 && b[close] != ')') {
      close--;
    }
    int i = close + 2; // field 3 (state) starts after ") "
    if (close < 0 || i >= n) {
      throw new IllegalArgumentException("no state in the stat line of " + pid);
    }
    char state = (char) (b[i] & 0xff);
    long[] wanted = new long[4]; // fields 4, 5, 6 and 22
    int field = 3;
    long value = 0;
    boolean negative = false;
    boolean digits = false;
    for (i = i + 1; i <= n && field <= 22; i++) {
      byte c = i < n ? b[i] : (byte) ' ';
      if (c == ' ' || c == '\n') {
        if (isWanted(field)) {
          if (!digits) {
            throw new IllegalArgumentException("field " + field + " of the stat line of " + pid + " is empty");
          }
          wanted[field == 22 ? 3 : field - 4] = negative ? -value : value;
        }
        field++;
        value = 0;
        negative = false;
        digits = false;
      } else if (c >= '0' && c <= '9') {
        value = value * 10 + (c - '0');
        digits = true;
      } else if (c == '-' && !digits) {
        negative = true;
      } else if (isWanted(field)) {
        throw new IllegalArgumentException("field " + field + " of the stat line of " + pid + " is not a number");
      }
    }
    if (field <= 22) {
      throw new IllegalArgumentException("the stat line of " + pid + " ends before field 22");
    }
    return new ProcStat(pid, state, (int) wanted[0], (int) wanted[1], (int) wanted[2], wanted[3]);
  }

  private static boolean isWanted(int field) {
    return field == 4 || field == 5 || field == 6 || field == 22;
  }
}
