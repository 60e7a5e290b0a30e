package dev.quiesce.example;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.launcher.ExitCodes;
import dev.quiesce.testing.Await;
import dev.quiesce.testing.JvmProcess;
import dev.quiesce.testing.ProcFs;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The child processes of an upgrade against the fat jar: a group marked {@code "upgrade": "exclusive"}
 * (a child holding a lock) starts in the successor only once the predecessor has stopped its own; a
 * predecessor killed (SIGKILL, its guardian too) during the handover leaves the successor serving, and
 * the successor kills what the predecessor left running, found through the state directory.
 */
class UpgradeHandoverIT {

  private static final String TOKEN = "example-token-change-me";

  @TempDir
  Path dir;

  private final String tag = UUID.randomUUID().toString();

  /** The workers plus {@code extra}, an upgrade section, the process manager's state directory of the test. */
  private ExampleAppFixture fixture(JsonObject extra) throws Exception {
    ExampleAppFixture f = new ExampleAppFixture(dir);
    f.config.put("upgrade", new JsonObject().put("stateDir", dir.resolve("state").toString()).put("timeout", "60s"));
    f.config.getJsonArray("processes").add(extra.put("env", new JsonObject().put("UPGRADE_IT_TAG", tag)));
    return f;
  }

  private static HttpResponse<String> upgrade(ExampleAppFixture f) throws Exception {
    return f.client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + f.managementPort
        + "/lifecycle/upgrade")).header("Authorization", "Bearer " + TOKEN)
        .POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void anExclusiveGroupHoldingALockStartsInTheSuccessorOnlyOnceThePredecessorStoppedIt() throws Exception {
    Path lock = dir.resolve("db.lock");
    ExampleAppFixture f = fixture(new JsonObject().put("name", "locked").put("upgrade", "exclusive")
        .put("restart", "never").put("stopTimeout", "3s")
        .put("command", new JsonArray().add("flock").add("-n").add(lock.toString())
            .add("sh").add("-c").add("echo holding the lock $$; exec sleep 600")));
    long successor = -1;
    try (f) {
      f.start();
      long old = f.app.pid();
      f.app.awaitLine("holding the lock \\d+", Duration.ofSeconds(20));

      assertThat(upgrade(f).statusCode()).isEqualTo(202);

      successor = Long.parseLong(f.app.awaitLine("upgrade: successor pid (\\d+) is ready", ExampleAppFixture.START)
          .group(1));
      assertThat(f.app.output()).contains("group locked waits for [upgrade predecessor (pid " + old + ")] before it"
          + " starts");
      assertThat(f.app.awaitExit(Duration.ofSeconds(60))).as(f.app.output()).isEqualTo(ExitCodes.GRACEFUL);
      f.app.awaitLineAlsoAfterExit("upgrade: the predecessor released locked", Duration.ofSeconds(10));
      Await.until("the successor's copy holds the lock", Duration.ofSeconds(30),
          () -> count(f.app.output(), "holding the lock \\d+") == 2);
      String out = f.app.output();
      assertThat(out.lastIndexOf("holding the lock")).as("the successor's copy started after the release")
          .isGreaterThan(out.indexOf("upgrade: the predecessor released locked"));
      assertThat(new ProcessBuilder("flock", "-n", lock.toString(), "true").start().waitFor())
          .as("the lock is held (by the successor's copy)").isEqualTo(1);
    } finally {
      stopSuccessor(successor);
    }
  }

  @Test
  void aPredecessorKilledDuringTheHandoverLeavesTheSuccessorServingAndItsLeftoversAreKilled() throws Exception {
    // ignores TERM, and so does the sleep it leaves in its process group: only a KILL of the group ends both
    ExampleAppFixture f = fixture(new JsonObject().put("name", "stubborn").put("stopTimeout", "2s")
        .put("command", new JsonArray().add("sh").add("-c").add("trap '' TERM; sleep 600 & wait")));
    f.env = java.util.Map.of("JAVA_TOOL_OPTIONS", "-Dquiesce.process.stateDir=" + dir.resolve("children"));
    long successor = -1;
    try (f) {
      f.start();
      long old = f.app.pid();
      Await.until("the predecessor's stubborn group runs", Duration.ofSeconds(20), () -> tagged().size() == 2);
      List<Integer> left = tagged();

      assertThat(upgrade(f).statusCode()).isEqualTo(202);
      successor = Long.parseLong(f.app.awaitLine("upgrade: successor pid (\\d+) is ready", ExampleAppFixture.START)
          .group(1));
      // a crash of the whole predecessor: its guardian first (else it kills the groups itself), then the JVM
      JvmProcess.kill("KILL", guardianOf(old));
      JvmProcess.kill("KILL", old);

      f.app.awaitLineAlsoAfterExit("upgrade: the predecessor \\(pid " + old + "\\) has exited", Duration.ofSeconds(20));
      Await.until("what the predecessor left is killed", Duration.ofSeconds(20),
          () -> left.stream().noneMatch(pid -> ProcFs.liveTagged("UPGRADE_IT_TAG", tag).contains(pid)));
      assertThat(f.app.output()).contains("killed what is left of the process group");
      assertThat(tagged()).as("the successor's own stubborn group runs on").hasSize(2).doesNotContainAnyElementsOf(left);
      for (int i = 0; i < 10; i++) {
        HttpResponse<String> hello = f.get("/hello");
        assertThat(hello.statusCode()).isEqualTo(200);
        assertThat(hello.headers().firstValue("X-Pid")).contains(String.valueOf(successor));
      }
    } finally {
      stopSuccessor(successor);
    }
  }

  private List<Integer> tagged() {
    return ProcFs.liveTagged("UPGRADE_IT_TAG", tag);
  }

  private static int count(String text, String regex) {
    Matcher m = Pattern.compile(regex).matcher(text);
    int n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }

  /** The process manager's guardian of the JVM {@code jvm}: its child running the guardian's script. */
  private static long guardianOf(long jvm) throws IOException {
    List<Long> found = new ArrayList<>();
    try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
      for (Path p : procs) {
        try {
          String stat = Files.readString(p.resolve("stat"));
          long ppid = Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[1]);
          String cmdline = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8);
          if (ppid == jvm && cmdline.contains("quiesce_pgid")) {
            found.add(Long.parseLong(p.getFileName().toString()));
          }
        } catch (IOException | RuntimeException e) {
          // gone meanwhile, or not ours to read
        }
      }
    }
    assertThat(found).as("the guardian of %d", jvm).hasSize(1);
    return found.get(0);
  }

  private static void stopSuccessor(long pid) throws Exception {
    Optional<ProcessHandle> p = pid < 0 ? Optional.empty() : ProcessHandle.of(pid);
    if (p.isPresent()) {
      JvmProcess.kill("TERM", pid);
      Await.until("the successor exits", Duration.ofSeconds(30), () -> !p.get().isAlive());
    }
  }
}
