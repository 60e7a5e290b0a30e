package dev.quiesce.process.impl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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

  /** True for a process that has exited and waits to be reaped. */
  public boolean zombie() {
    return state == 'Z' || state == 'X';
  }

  /** The stat of {@code pid}, or null when there is no such process (or it cannot be read). */
  public static ProcStat of(int pid) {
    try {
      return parse(pid, Files.readString(PROC.resolve(Integer.toString(pid)).resolve("stat"),
          StandardCharsets.ISO_8859_1));
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
    int close = line.lastIndexOf(')');
    String[] f = line.substring(close + 2).trim().split(" ");
    // f[0] is field 3 (state); field n is f[n - 3]
    return new ProcStat(pid, f[0].charAt(0), Integer.parseInt(f[1]), Integer.parseInt(f[2]),
        Integer.parseInt(f[3]), Long.parseLong(f[19]));
  }
}
