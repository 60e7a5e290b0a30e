package dev.quiesce.process;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.process.impl.ChildRecords;
import dev.quiesce.process.impl.Posix;
import dev.quiesce.process.impl.ProcStat;
import dev.quiesce.testing.Await;
import dev.quiesce.testing.Timing;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** No child outlives the JVM: a JVM killed with SIGKILL, and the sweep of an earlier run's leftovers. */
@Tag("slow")
class OrphanTest extends ProcessTestBase {

  private final List<Process> started = new ArrayList<>();

  @AfterEach
  void killWhatThisTestStarted() {
    for (Process p : started) {
      Posix.killpg((int) p.pid(), 9);
      p.destroyForcibly();
    }
  }

  /** Runs {@link SupervisorMain} in a JVM of its own; returns it once it printed its children's pids. */
  private Process supervisorJvm(JsonObject config, boolean guardian, List<Integer> pids, long[] guardianPid)
      throws Exception {
    Path cfg = Files.writeString(temp.resolve("config.json"), config.encode());
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process jvm = new ProcessBuilder(java, "-Xmx128m", "-XX:TieredStopAtLevel=1", "-cp",
        System.getProperty("java.class.path"), SupervisorMain.class.getName(), cfg.toString(),
        temp.resolve("state").toString(), Boolean.toString(guardian))
        .redirectError(temp.resolve("jvm.err").toFile()).start();
    started.add(jvm);
    BufferedReader out = new BufferedReader(new InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8));
    String line = Await.result(Future.fromCompletionStage(CompletableFuture.supplyAsync(() -> {
      try {
        String l;
        while ((l = out.readLine()) != null) {
          if (l.startsWith("PIDS")) {
            return l;
          }
        }
        return null;
      } catch (java.io.IOException e) {
        return null;
      }
    })), Duration.ofSeconds(60));
    assertThat(line).as("the supervisor JVM's report (stderr: %s)", temp.resolve("jvm.err")).isNotNull();
    String[] words = line.split(" ");
    int g = Arrays.asList(words).indexOf("GUARDIAN");
    for (int i = 1; i < g; i++) {
      pids.add(Integer.parseInt(words[i]));
    }
    guardianPid[0] = Long.parseLong(words[g + 1]);
    return jvm;
  }

  private List<Integer> withRole(String role) {
    return children.byRole().entrySet().stream().filter(e -> e.getValue().equals(role)).map(Map.Entry::getKey)
        .toList();
  }

  @Test
  void jvmKilledWithSigkillLeavesNoChildOrGrandchildBehindWithinTwoSeconds() throws Exception {
    JsonObject config = ChildFixture.config(children.group("workers", 3,
        Map.of("CHILD_GRANDCHILD", "1", "CHILD_IGNORE", "TERM HUP", "CHILD_GRANDCHILD_IGNORE", "TERM HUP")));
    List<Integer> leaders = new ArrayList<>();
    long[] guardian = new long[1];
    Process jvm = supervisorJvm(config, true, leaders, guardian);
    assertThat(leaders).hasSize(3);
    Await.until("3 children and 3 grandchildren", Duration.ofSeconds(10), () -> children.byRole().size() == 6);
    assertThat(guardian[0]).isPositive();

    jvm.destroyForcibly(); // SIGKILL
    assertThat(jvm.waitFor(Timing.upTo(5000), TimeUnit.MILLISECONDS)).isTrue();
    long t0 = System.nanoTime();
    Await.until("every tagged process is gone", Duration.ofSeconds(2), () -> children.pids().isEmpty());
    long took = (System.nanoTime() - t0) / 1_000_000;
    System.out.println("all children and grandchildren gone " + took + " ms after the JVM died");
    Await.until("the guardian is gone", Duration.ofSeconds(2), () -> !ChildFixture.alive((int) guardian[0]));
  }

  @Test
  void withoutTheGuardianTheParentDeathSignalStillKillsEveryChildButNotTheGrandchildren() throws Exception {
    List<Integer> leaders = new ArrayList<>();
    List<Integer> grandchildren = grandchildrenLeftByAJvmKilledWithoutItsGuardian(leaders);

    // the documented limit: a parent-death signal reaches only the direct child
    assertThat(grandchildren).allMatch(ChildFixture::alive);
    for (int pid : leaders) {
      Posix.killpg(pid, 9);
    }
  }

  /**
   * A supervisor JVM without a guardian whose two children each start a grandchild in their group; the
   * JVM is killed and its children (the groups' leaders) with it, by their parent-death signal.
   *
   * @param leaders filled with the children's pids
   * @return the grandchildren's pids
   */
  private List<Integer> grandchildrenLeftByAJvmKilledWithoutItsGuardian(List<Integer> leaders) throws Exception {
    return grandchildrenLeftByAJvmKilledWithoutItsGuardian(leaders, new long[1]);
  }

  /** As above; {@code jvmPid[0]} is set to the killed JVM's pid. */
  private List<Integer> grandchildrenLeftByAJvmKilledWithoutItsGuardian(List<Integer> leaders, long[] jvmPid)
      throws Exception {
    JsonObject config = ChildFixture.config(children.group("workers", 2,
        Map.of("CHILD_GRANDCHILD", "1", "CHILD_IGNORE", "TERM")));
    Process jvm = supervisorJvm(config, false, leaders, new long[1]);
    jvmPid[0] = jvm.pid();
    Await.until("2 children and 2 grandchildren", Duration.ofSeconds(10), () -> children.byRole().size() == 4);
    List<Integer> grandchildren = withRole("grandchild");
    jvm.destroyForcibly();
    assertThat(jvm.waitFor(Timing.upTo(5000), TimeUnit.MILLISECONDS)).isTrue();
    Await.until("every child (group leader) is gone", Duration.ofSeconds(2),
        () -> leaders.stream().noneMatch(ChildFixture::alive));
    return grandchildren;
  }

  /**
   * The leftovers the parent-death signal cannot reach (a grandchild in the group of a child that the
   * signal killed) are swept right after their JVM is seen to exit, as an upgrade's successor sweeps
   * when its predecessor is killed: the recorded child is gone (or a zombie), its process group is not.
   */
  @Test
  void aSweepRightAfterTheOwnerExitedKillsTheGroupOfARecordedChildThatIsGone() throws Exception {
    long[] jvm = new long[1];
    List<Integer> grandchildren = grandchildrenLeftByAJvmKilledWithoutItsGuardian(new ArrayList<>(), jvm);
    assertThat(grandchildren).allMatch(ChildFixture::alive);

    List<ChildRecords.Swept> swept = ChildRecords.sweepAfterExit(temp.resolve("state"), jvm[0]);

    Await.until("the grandchildren are gone", Duration.ofSeconds(2),
        () -> grandchildren.stream().noneMatch(ChildFixture::alive));
    assertThat(swept).extracting(ChildRecords.Swept::outcome).containsExactly("killed", "killed");
  }

  /**
   * At an ordinary start, long after a crash, the group id of a recorded child that is gone (reaped)
   * may belong to someone else by now: its members are left alone.
   */
  @Test
  void anOrdinarySweepLeavesAloneTheGroupOfARecordedChildThatIsGoneAndReaped() throws Exception {
    // a leader that starts a member of its group, then exits (and is reaped by this JVM)
    ProcessBuilder pb = new ProcessBuilder("setsid", "sh", "-c", "sleep 600 & read x");
    pb.environment().put("QUIESCE_TEST_TAG", children.tag);
    Process leader = pb.start();
    started.add(leader);
    long leaderStart = startTime(leader.pid());
    Await.until("its member runs", Duration.ofSeconds(5), () -> children.pids().size() == 2);
    int member = children.pids().stream().filter(pid -> pid != leader.pid()).findFirst().orElseThrow();
    leader.getOutputStream().close();
    assertThat(leader.waitFor(Timing.upTo(5000), TimeUnit.MILLISECONDS)).isTrue();
    Path state = Files.createDirectories(temp.resolve("state"));
    Files.writeString(state.resolve("99999999-feedface.children"), String.join("\n",
        "owner 99999999 1", "+ " + leader.pid() + " " + leaderStart + " 0 workers", ""));

    List<ChildRecords.Swept> swept = ChildRecords.sweep(state);

    assertThat(swept).extracting(ChildRecords.Swept::outcome).containsExactly("gone");
    assertThat(ChildFixture.alive(member)).as("a member of a group whose id may have been reused").isTrue();
    Posix.killpg((int) leader.pid(), 9);
  }

  /**
   * A group whose {@code health.command} probe hangs: it writes its own pid to {@code probe.pid}, and
   * the pid of a sleep it leaves in its process group to {@code sleeper.pid}.
   */
  private JsonObject hangingProbe() {
    String probe = "echo $$ > \"$DIR/probe.pid\"; sleep 600 & echo $! > \"$DIR/sleeper.pid\"; wait";
    return children.group("probed", 1, Map.of("DIR", temp.toString()))
        .put("health", new JsonObject().put("command", new io.vertx.core.json.JsonArray().add("sh").add("-c").add(probe))
            .put("interval", "100ms").put("timeout", "10m"));
  }

  private int pidIn(String file) {
    Path p = temp.resolve(file);
    Await.until(file + " written", Duration.ofSeconds(20), () -> {
      try {
        return Files.exists(p) && Files.readString(p).endsWith("\n");
      } catch (java.io.IOException e) {
        return false;
      }
    });
    try {
      return Integer.parseInt(Files.readString(p).trim());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void aHealthProbeRunningWhenTheJvmIsKilledDiesWithItsProcessGroup() throws Exception {
    Process jvm = supervisorJvm(ChildFixture.config(hangingProbe()), true, new ArrayList<>(), new long[1]);
    int probe = pidIn("probe.pid");
    int sleeper = pidIn("sleeper.pid");
    assertThat(ChildFixture.alive(probe)).isTrue();

    jvm.destroyForcibly(); // SIGKILL
    assertThat(jvm.waitFor(Timing.upTo(5000), TimeUnit.MILLISECONDS)).isTrue();
    Await.until("the probe and what it left in its group are gone (the guardian)", Duration.ofSeconds(2),
        () -> !ChildFixture.alive(probe) && !ChildFixture.alive(sleeper));
    Await.until("every tagged process is gone", Duration.ofSeconds(2), () -> children.pids().isEmpty());
  }

  @Test
  void withoutTheGuardianTheParentDeathSignalStillKillsAHealthProbe() throws Exception {
    List<Integer> leaders = new ArrayList<>();
    Process jvm = supervisorJvm(ChildFixture.config(hangingProbe()), false, leaders, new long[1]);
    int probe = pidIn("probe.pid");
    pidIn("sleeper.pid");

    jvm.destroyForcibly();
    assertThat(jvm.waitFor(Timing.upTo(5000), TimeUnit.MILLISECONDS)).isTrue();
    Await.until("the probe (its group's leader) is gone", Duration.ofSeconds(2), () -> !ChildFixture.alive(probe));
    // the documented limit: what the probe and the child forked is not reached without the guardian
    Posix.killpg(probe, 9);
    for (int pid : leaders) {
      Posix.killpg(pid, 9);
    }
  }

  @Test
  void leftoverOfAnEarlierRunIsSweptButAProcessThatReusedARecordedPidIsLeftAlone() throws Exception {
    Process leftover = startAlone();
    Process unrelated = startAlone();
    Process otherLiveJvmsChild = startAlone();
    long leftoverStart = startTime(leftover.pid());
    long unrelatedStart = startTime(unrelated.pid());
    long otherStart = startTime(otherLiveJvmsChild.pid());
    Path state = Files.createDirectories(temp.resolve("state"));
    // a crashed run: its JVM (pid 99999999 cannot exist) is gone
    Files.writeString(state.resolve("99999999-deadbeef.children"), String.join("\n",
        "owner 99999999 1",
        "+ " + leftover.pid() + " " + leftoverStart + " 0 workers",
        "+ " + unrelated.pid() + " " + (unrelatedStart - 1) + " 1 workers",
        "+ 4000000 5 2 workers",
        "+ 4000001 5 3 workers",
        "- 4000001 5", ""));
    // a run that is still going (this very JVM): its children are not leftovers
    long self = ProcessHandle.current().pid();
    Path live = Files.writeString(state.resolve(self + "-cafebabe.children"), String.join("\n",
        "owner " + self + " " + startTime(self),
        "+ " + otherLiveJvmsChild.pid() + " " + otherStart + " 0 other", ""));

    deploy(new JsonObject());

    Await.until("the leftover is gone", Duration.ofSeconds(2), () -> !ChildFixture.alive((int) leftover.pid()));
    assertThat(ChildFixture.alive((int) unrelated.pid())).as("the process that reused a pid").isTrue();
    assertThat(ChildFixture.alive((int) otherLiveJvmsChild.pid())).as("a child of a running JVM").isTrue();
    JsonObject list = command(new JsonObject().put("command", "list"));
    assertThat(list.getJsonArray("swept").stream().map(o -> ((JsonObject) o).getString("outcome")))
        .containsExactlyInAnyOrder("killed", "reused", "gone");
    assertThat(state.resolve("99999999-deadbeef.children")).doesNotExist();
    assertThat(live).exists();
  }

  /** A tagged test child in a session of its own, as a child of a crashed run would be. */
  private Process startAlone() throws Exception {
    ProcessBuilder pb = new ProcessBuilder("setsid", "sh", children.script.toString());
    pb.environment().put("QUIESCE_TEST_TAG", children.tag);
    pb.environment().put("CHILD_LOG_DIR", children.logDir.toString());
    Process p = pb.start();
    started.add(p);
    Await.until("it runs", Duration.ofSeconds(5), () -> children.timeOf((int) p.pid(), "start") > 0);
    return p;
  }

  private static long startTime(long pid) {
    return ProcStat.startTime((int) pid).orElseThrow(() -> new AssertionError("no process " + pid));
  }
}
