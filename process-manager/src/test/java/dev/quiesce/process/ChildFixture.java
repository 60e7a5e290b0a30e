package dev.quiesce.process;

import dev.quiesce.testing.ProcFs;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Test children: groups running {@code children/signal-logger.sh}, a POSIX sh script that logs
 * every signal it receives with a timestamp to {@code <logDir>/<pid>.log}. Every child carries
 * {@code QUIESCE_TEST_TAG=<uuid of this fixture>}, so a test finds exactly its own processes
 * (grandchildren included) by scanning /proc/<pid>/environ, and kills only those, by pid.
 */
final class ChildFixture {

  final String tag = UUID.randomUUID().toString();
  final Path logDir;
  final Path script;

  ChildFixture(Path dir) {
    try {
      this.logDir = Files.createDirectories(dir.resolve("child-logs"));
      this.script = Path.of(ChildFixture.class.getResource("/children/signal-logger.sh").toURI());
    } catch (IOException | URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A group running the script, with the tag and log directory set, plus {@code env}. */
  JsonObject group(String name, int instances, Map<String, String> env) {
    JsonObject e = new JsonObject().put("QUIESCE_TEST_TAG", tag).put("CHILD_LOG_DIR", logDir.toString());
    env.forEach(e::put);
    return new JsonObject().put("name", name).put("instances", instances)
        .put("command", new JsonArray().add("sh").add(script.toString())).put("env", e);
  }

  JsonObject group(String name, int instances) {
    return group(name, instances, Map.of());
  }

  /** The whole configuration with these groups. */
  static JsonObject config(JsonObject... groups) {
    JsonArray list = new JsonArray();
    for (JsonObject g : groups) {
      list.add(g);
    }
    return new JsonObject().put("processes", list);
  }

  /** Every live process (zombies aside) that carries this fixture's tag. */
  List<Integer> pids() {
    return ProcFs.liveTagged("QUIESCE_TEST_TAG", tag);
  }

  static boolean alive(int pid) {
    return Files.exists(Path.of("/proc", Integer.toString(pid))) && !ProcFs.isZombie(pid);
  }

  /** Sends SIGKILL to every tagged process; returns how many there were. */
  int killLeftovers() {
    List<Integer> left = pids();
    for (int pid : left) {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
    return left.size();
  }

  /** The events logged by the child {@code pid}: {@code [time ms, words…]}. */
  List<String[]> log(int pid) {
    Path f = logDir.resolve(pid + ".log");
    List<String[]> out = new ArrayList<>();
    try {
      if (Files.exists(f)) {
        for (String line : Files.readAllLines(f)) {
          if (!line.isBlank()) {
            out.add(line.split(" "));
          }
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return out;
  }

  /** When the child {@code pid} logged each signal, in order: signal name → epoch ms. */
  List<Map.Entry<String, Long>> signals(int pid) {
    List<Map.Entry<String, Long>> out = new ArrayList<>();
    for (String[] l : log(pid)) {
      if (l.length >= 3 && l[1].equals("signal")) {
        out.add(Map.entry(l[2], Long.parseLong(l[0])));
      }
    }
    return out;
  }

  List<String> signalNames(int pid) {
    return signals(pid).stream().map(Map.Entry::getKey).toList();
  }

  /** The time of the first log line of {@code pid} whose words start with {@code words}, or -1. */
  long timeOf(int pid, String words) {
    for (String[] l : log(pid)) {
      String rest = String.join(" ", java.util.Arrays.copyOfRange(l, 1, l.length));
      if (rest.startsWith(words)) {
        return Long.parseLong(l[0]);
      }
    }
    return -1;
  }

  /** The pids of every process that wrote a log with the role {@code role} ("child", "grandchild"). */
  Map<Integer, String> byRole() {
    Map<Integer, String> out = new LinkedHashMap<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(logDir, "*.log")) {
      for (Path f : files) {
        int pid = Integer.parseInt(f.getFileName().toString().replace(".log", ""));
        for (String[] l : log(pid)) {
          if (l.length >= 3 && l[1].equals("start")) {
            out.put(pid, l[2]);
          }
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return out;
  }
}
