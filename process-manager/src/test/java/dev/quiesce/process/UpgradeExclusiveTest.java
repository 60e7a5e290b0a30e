package dev.quiesce.process;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.lifecycle.UpgradeHandover;
import dev.quiesce.process.impl.ProcStat;
import dev.quiesce.testing.Await;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The process manager's side of an upgrade ({@link UpgradeHandover}, driven here as the launcher
 * drives it): in the successor, a group marked {@code "upgrade": "exclusive"} starts only once the
 * predecessor has released it, or has exited and what it left running has been killed; in the
 * predecessor, the terminate phase releases each group once its processes are gone. The predecessor
 * and its orphan are real processes of this test (tagged); the children are real.
 */
class UpgradeExclusiveTest extends ProcessTestBase {

  /** A tagged process that runs until ended: a stand-in for the predecessor JVM, or for a child it left. */
  private Process standIn(boolean ownSession) throws IOException {
    List<String> argv = ownSession ? List.of("setsid", "sleep", "120") : List.of("sleep", "120");
    ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
    pb.environment().put("QUIESCE_TEST_TAG", children.tag);
    return pb.start();
  }

  /**
   * Writes {@code owner}'s record of its child {@code child} (group {@code locked}) in the state
   * directory, as the owner's process manager does; returns the directory.
   */
  private Path recordChild(Process owner, Process child) throws IOException {
    Path state = Files.createDirectories(temp.resolve("state"));
    Files.writeString(state.resolve(owner.pid() + "-test.children"), String.join("\n",
        "owner " + owner.pid() + " " + ProcStat.startTime((int) owner.pid()).orElseThrow(),
        "+ " + child.pid() + " " + ProcStat.startTime((int) child.pid()).orElseThrow() + " 0 locked", ""));
    return state;
  }

  private JsonObject status(String group) {
    return command(new JsonObject().put("command", "status").put("group", group));
  }

  @Test
  void anExclusiveGroupOfASuccessorStartsOnlyOnceThePredecessorReleasedIt() throws Exception {
    Process predecessor = standIn(false);
    try {
      UpgradeHandover handover = UpgradeHandover.of(vertx);
      handover.awaitPredecessor(predecessor.pid());
      deploy(ChildFixture.config(children.group("locked", 1).put("upgrade", "exclusive"), children.group("free", 1)));

      awaitRunning("free", 1);
      JsonObject locked = status("locked");
      assertThat(locked.getString("state")).isEqualTo("waiting");
      assertThat(locked.getJsonArray("waitingFor")).containsExactly("upgrade predecessor (pid " + predecessor.pid() + ")");
      assertThat(events("started")).noneMatch(e -> e.getString("group").equals("locked"));

      long released = System.currentTimeMillis();
      handover.predecessorReleased("locked");

      int pid = awaitRunning("locked", 1).get(0);
      assertThat(children.timeOf(pid, "start")).isGreaterThanOrEqualTo(released);
      assertThat(status("locked").getString("state")).isEqualTo("running");
    } finally {
      predecessor.destroyForcibly().waitFor();
    }
  }

  @Test
  void aPredecessorThatDiesWithoutReleasingHasItsLeftoversKilledBeforeTheExclusiveGroupStarts() throws Exception {
    Process predecessor = standIn(false);
    Process orphan = standIn(true);
    try {
      // the predecessor's record of its children, as its process manager writes it in the shared state directory
      Path state = recordChild(predecessor, orphan);
      int orphanPid = (int) orphan.pid();
      UpgradeHandover.of(vertx).awaitPredecessor(predecessor.pid());
      deploy(ChildFixture.config(children.group("locked", 1).put("upgrade", "exclusive")));
      assertThat(status("locked").getString("state")).isEqualTo("waiting");
      assertThat(orphan.isAlive()).as("the predecessor runs: its children are not leftovers").isTrue();

      predecessor.destroyForcibly();

      JsonObject swept = awaitEvent("the orphan swept", Duration.ofSeconds(20),
          e -> e.getString("type").equals("swept") && e.getInteger("pid") == orphanPid);
      assertThat(swept.getString("outcome")).isEqualTo("killed");
      assertThat(swept.getString("group")).isEqualTo("locked");
      Await.until("the orphan is gone", Duration.ofSeconds(10), () -> !orphan.isAlive());
      int pid = awaitRunning("locked", 1).get(0);
      assertThat(children.timeOf(pid, "start")).isGreaterThanOrEqualTo(swept.getLong("at"));
      assertThat(Files.exists(state.resolve(predecessor.pid() + "-test.children"))).isFalse();
    } finally {
      predecessor.destroyForcibly().waitFor();
      orphan.destroyForcibly().waitFor();
    }
  }

  @Test
  void theSuccessorsHandoverWaitsForItsGroupsToBeReadyButNotForItsExclusiveOnesOrTheirDependents() throws Exception {
    Process predecessor = standIn(false);
    try {
      UpgradeHandover handover = UpgradeHandover.of(vertx);
      handover.awaitPredecessor(predecessor.pid());
      deploy(ChildFixture.config(
          children.group("slow", 1, Map.of("CHILD_READY_AFTER", "0.8")).put("ready",
              new JsonObject().put("logLine", "^ready to serve$")),
          children.group("locked", 1).put("upgrade", "exclusive"),
          children.group("web", 1).put("dependsOn", new io.vertx.core.json.JsonArray().add("locked")),
          // started by the pass after slow is ready, and ready at once with no event to say so
          children.group("agg", 0).put("dependsOn", new io.vertx.core.json.JsonArray().add("slow"))));
      assertThat(handover.handoverHeldBy()).containsExactly("the child processes' readiness");

      Await.result(handover.whenHoldsReleased(), Duration.ofSeconds(20));

      // the release follows slow's readiness in the process manager; its event reaches this test's consumer
      // asynchronously, so it is awaited rather than expected already there
      assertThat(status("slow").getInteger("ready")).as("slow's instance is ready (the hold waited for it)").isEqualTo(1);
      awaitEvent("ready", "slow");
      assertThat(status("locked").getString("state")).isEqualTo("waiting");
      assertThat(status("web").getString("state")).isEqualTo("waiting");
      handover.predecessorReleased("locked");
      awaitRunning("web", 1);
    } finally {
      predecessor.destroyForcibly().waitFor();
    }
  }

  @Test
  void aPredecessorAlreadyGoneAtTheSuccessorsStartIsSweptBeforeTheExclusiveGroupStarts() throws Exception {
    Process predecessor = standIn(false);
    Process orphan = standIn(true);
    try {
      recordChild(predecessor, orphan);
      int orphanPid = (int) orphan.pid();
      UpgradeHandover.of(vertx).awaitPredecessor(predecessor.pid());
      predecessor.destroyForcibly().waitFor(); // dies while the successor starts

      deploy(ChildFixture.config(children.group("locked", 1).put("upgrade", "exclusive")));

      Await.until("the orphan is gone", Duration.ofSeconds(10), () -> !orphan.isAlive());
      awaitRunning("locked", 1);
      awaitEvent("the orphan's swept event", Duration.ofSeconds(5),
          e -> "swept".equals(e.getString("type")) && e.getInteger("pid") == orphanPid);
      assertThat(events("swept")).anyMatch(e -> e.getInteger("pid") == orphanPid && e.getString("outcome").equals("killed"));
    } finally {
      predecessor.destroyForcibly().waitFor();
      orphan.destroyForcibly().waitFor();
    }
  }

  @Test
  void outsideAnUpgradeAnExclusiveGroupStartsAtOnce() {
    deploy(ChildFixture.config(children.group("locked", 1).put("upgrade", "exclusive")));

    awaitRunning("locked", 1);
    assertThat(status("locked").getJsonArray("waitingFor", new io.vertx.core.json.JsonArray())).isEmpty();
  }

  @Test
  void theTerminatePhaseOfAPredecessorReleasesEachGroupOnceItsProcessesAreGone() {
    FakeCoordinator coordinator = new FakeCoordinator(vertx);
    deploy(ChildFixture.config(children.group("web", 2, Map.of("CHILD_CLEANUP", "0.3")),
        children.group("cache", 1, Map.of("CHILD_CLEANUP", "0.1"))), options().setLifecycleParticipant(true));
    Map<String, List<Integer>> pids = Map.of("web", awaitRunning("web", 2), "cache", awaitRunning("cache", 1));
    List<String> released = new CopyOnWriteArrayList<>();
    List<Integer> aliveAtRelease = new CopyOnWriteArrayList<>();
    UpgradeHandover.of(vertx).forwardReleases(name -> {
      released.add(name);
      pids.get(name).stream().filter(ChildFixture::alive).forEach(aliveAtRelease::add);
    });

    long seq = coordinator.publish("terminate", Duration.ofSeconds(20), false, null);
    coordinator.awaitAck(seq, Duration.ofSeconds(20));

    Await.until("both groups released", Duration.ofSeconds(10), () -> released.size() == 2);
    assertThat(released).containsExactlyInAnyOrder("web", "cache");
    assertThat(aliveAtRelease).as("a group is released only once its processes are gone").isEmpty();
  }
}
