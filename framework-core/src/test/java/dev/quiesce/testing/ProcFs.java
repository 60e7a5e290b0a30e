package dev.quiesce.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reading /proc in tests, e.g. which processes carry a test tag in {@code /proc/<pid>/environ}. */
public final class ProcFs {

  private ProcFs() {
  }

  /**
   * The live processes (zombies aside) whose environment has the entry {@code name=value}, as
   * tests tag the processes they start; processes that end or cannot be read meanwhile are left out.
   */
  public static List<Integer> liveTagged(String name, String value) {
    byte[] needle = (name + "=" + value).getBytes(StandardCharsets.US_ASCII);
    List<Integer> out = new ArrayList<>();
    try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"))) {
      for (Path p : procs) {
        String pid = p.getFileName().toString();
        if (!pid.chars().allMatch(Character::isDigit)) {
          continue;
        }
        try {
          if (contains(Files.readAllBytes(p.resolve("environ")), needle) && !isZombie(Integer.parseInt(pid))) {
            out.add(Integer.parseInt(pid));
          }
        } catch (IOException | RuntimeException e) {
          // gone meanwhile, or not ours to read
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot list /proc", e);
    }
    return out;
  }

  /**
   * What a test says of a process it did not expect: its {@code /proc/<pid>/stat} (pid, command,
   * state, parent, group, session, …) and its command line, or that it is gone.
   *
   * @param pid a process id
   * @return one line
   */
  public static String describe(int pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Integer.toString(pid), "stat")).trim();
      byte[] cmdline = Files.readAllBytes(Path.of("/proc", Integer.toString(pid), "cmdline"));
      String command = new String(cmdline, StandardCharsets.UTF_8).replace('\0', ' ').trim();
      return stat.substring(0, Math.min(stat.length(), 120)) + " | " + command;
    } catch (IOException | RuntimeException e) {
      return pid + " (gone)";
    }
  }

  /** True when {@code pid} is a zombie, or gone (state Z or X, or no stat to read). */
  public static boolean isZombie(int pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Integer.toString(pid), "stat"));
      char state = stat.charAt(stat.lastIndexOf(')') + 2);
      return state == 'Z' || state == 'X';
    } catch (IOException | RuntimeException e) {
      return true;
    }
  }

  /** The process group of {@code pid} (field 5 of {@code /proc/<pid>/stat}), or -1 when it is gone. */
  public static long processGroup(int pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Integer.toString(pid), "stat"));
      return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[2]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** True when {@code needle} occurs in {@code hay}. */
  public static boolean contains(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i <= hay.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }
}
