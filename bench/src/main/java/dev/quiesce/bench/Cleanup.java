package dev.quiesce.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Kills the processes a harness run left behind (the harness was itself killed, say): every
 * process whose environment carries {@code BENCH_TAG} (or {@code BENCH_TAG=<tag>} with
 * {@code --tag}), by pid, never by name. The harness's own JVM is spared.
 */
final class Cleanup {

  private Cleanup() {
  }

  static void run(Options o) throws IOException {
    List<Long> found = tagged(o.string("tag", null));
    for (long pid : found) {
      ProcessHandle.of(pid).ifPresent(h -> {
        System.out.println("killing " + pid + " " + h.info().commandLine().orElse(""));
        h.destroyForcibly();
      });
    }
    System.out.println(found.isEmpty() ? "no tagged process left" : "killed " + found.size() + " process(es)");
  }

  /**
   * Ends, by pid, every process still carrying this run's tag (the harness's own JVM and its parent
   * spared): TERM, then KILL to those still there after {@code graceMs}. For the processes a server
   * started outside the harness's view (a successor, a daemonized master). Returns what it found,
   * "pid command line" each: nothing, when every server was stopped as it should be.
   */
  static List<String> endLeftovers(long graceMs) throws IOException, InterruptedException {
    List<String> ended = new ArrayList<>();
    List<ProcessHandle> handles = new ArrayList<>();
    for (long pid : tagged(Bench.TAG)) {
      ProcessHandle.of(pid).ifPresent(h -> {
        ended.add(pid + " " + h.info().commandLine().orElse("?"));
        handles.add(h);
        h.destroy();
      });
    }
    long until = System.nanoTime() + graceMs * 1_000_000;
    for (ProcessHandle h : handles) {
      while (h.isAlive() && !Server.gone(h.pid()) && System.nanoTime() < until) {
        Thread.sleep(10);
      }
      if (h.isAlive() && !Server.gone(h.pid())) {
        h.destroyForcibly();
      }
    }
    return ended;
  }

  /** The pids of the processes whose environment has BENCH_TAG={@code tag} (any BENCH_TAG when null). */
  static List<Long> tagged(String tag) throws IOException {
    long self = ProcessHandle.current().pid();
    long parent = ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L);
    List<Long> found = new ArrayList<>();
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path p : (Iterable<Path>) procs::iterator) {
        String name = p.getFileName().toString();
        if (!name.chars().allMatch(Character::isDigit)) {
          continue;
        }
        long pid = Long.parseLong(name);
        if (pid == self || pid == parent) {
          continue;
        }
        try {
          String env = new String(Files.readAllBytes(p.resolve("environ")), StandardCharsets.UTF_8);
          for (String kv : env.split("\0")) {
            if (tag == null ? kv.startsWith("BENCH_TAG=") : kv.equals("BENCH_TAG=" + tag)) {
              found.add(pid);
              break;
            }
          }
        } catch (IOException e) {
          // gone, or not ours to read
        }
      }
    }
    return found;
  }
}
