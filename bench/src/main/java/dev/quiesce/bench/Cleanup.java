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
    String tag = o.string("tag", null);
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
    for (long pid : found) {
      ProcessHandle.of(pid).ifPresent(h -> {
        System.out.println("killing " + pid + " " + h.info().commandLine().orElse(""));
        h.destroyForcibly();
      });
    }
    System.out.println(found.isEmpty() ? "no tagged process left" : "killed " + found.size() + " process(es)");
  }
}
