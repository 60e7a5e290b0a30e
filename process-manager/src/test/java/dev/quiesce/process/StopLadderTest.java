package dev.quiesce.process;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.lifecycle.EventBusContract;
import dev.quiesce.lifecycle.HaltHooks;
import dev.quiesce.testing.Await;
import dev.quiesce.testing.Timing;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Stopping children: the ladder, its timing, what is reported, stragglers and the halt hook. */
class StopLadderTest extends ProcessTestBase {

  @Test
  void childIgnoringTermIsKilledAtStopTimeout() {
    deploy(ChildFixture.config(children.group("stubborn", 1, Map.of("CHILD_IGNORE", "TERM"))
        .put("stopTimeout", "1s")));
    int pid = awaitRunning("stubborn", 1).get(0);

    long t0 = System.currentTimeMillis();
    JsonObject reply = command(new JsonObject().put("command", "stop").put("group", "stubborn"));
    long took = System.currentTimeMillis() - t0;

    JsonObject child = reply.getJsonArray("children").getJsonObject(0);
    assertThat(child.getInteger("pid")).isEqualTo(pid);
    assertThat(child.getJsonObject("exit")).isEqualTo(new JsonObject().put("signal", "KILL"));
    assertThat(child.getString("step")).isEqualTo("KILL");
    assertThat(child.getBoolean("forced")).isTrue();
    assertThat(child.getLong("durationMs")).isGreaterThanOrEqualTo(1000L).isLessThanOrEqualTo(Timing.upTo(3000L));
    assertThat(took).isGreaterThanOrEqualTo(1000L).isLessThanOrEqualTo(Timing.upTo(4000L));
    List<Map.Entry<String, Long>> signals = children.signals(pid);
    assertThat(signals).extracting(Map.Entry::getKey).containsExactly("TERM");
    assertThat(ChildFixture.alive(pid)).isFalse();
  }

  @Test
  void childThatCleansUpOnTermExitsAtTermStepWithoutForce() {
    deploy(ChildFixture.config(children.group("polite", 2, Map.of("CHILD_CLEANUP", "0.3"))
        .put("stopTimeout", "5s")));
    List<Integer> pids = awaitRunning("polite", 2);

    JsonObject reply = command(new JsonObject().put("command", "stop").put("group", "polite"));

    assertThat(reply.getJsonArray("children")).hasSize(2);
    for (Object o : reply.getJsonArray("children")) {
      JsonObject c = (JsonObject) o;
      assertThat(c.getJsonObject("exit")).isEqualTo(new JsonObject().put("code", 0));
      assertThat(c.getString("step")).isEqualTo("TERM");
      assertThat(c.getBoolean("forced")).isFalse();
      assertThat(c.getLong("durationMs")).isGreaterThanOrEqualTo(300L).isLessThanOrEqualTo(Timing.upTo(4000L));
    }
    for (int pid : pids) {
      assertThat(children.signalNames(pid)).containsExactly("TERM");
    }
  }

  @Test
  void ladderRunsItsStepsInOrder() {
    JsonArray ladder = new JsonArray()
        .add(new JsonObject().put("signal", "USR1").put("wait", "300ms"))
        .add(new JsonObject().put("signal", "INT").put("wait", "300ms"))
        .add(new JsonObject().put("signal", "TERM").put("wait", "2s"));
    deploy(ChildFixture.config(children.group("laddered", 1, Map.of("CHILD_IGNORE", "INT"))
        .put("stopLadder", ladder)));
    int pid = awaitRunning("laddered", 1).get(0);

    JsonObject child = command(new JsonObject().put("command", "stop").put("group", "laddered"))
        .getJsonArray("children").getJsonObject(0);

    List<Map.Entry<String, Long>> signals = children.signals(pid);
    assertThat(signals).extracting(Map.Entry::getKey).containsExactly("USR1", "INT", "TERM");
    assertThat(signals.get(1).getValue() - signals.get(0).getValue()).isGreaterThanOrEqualTo(250L).isLessThanOrEqualTo(Timing.upTo(2000L));
    assertThat(signals.get(2).getValue() - signals.get(1).getValue()).isGreaterThanOrEqualTo(250L).isLessThanOrEqualTo(Timing.upTo(2000L));
    assertThat(child.getString("step")).isEqualTo("TERM");
    assertThat(child.getJsonObject("exit")).isEqualTo(new JsonObject().put("code", 0));
    assertThat(child.getBoolean("forced")).isFalse();
  }

  @Test
  void membersLeftInTheGroupAfterTheLeaderExitsAreKilledAndReported() {
    deploy(ChildFixture.config(children.group("leader", 1,
        Map.of("CHILD_GRANDCHILD", "1", "CHILD_GRANDCHILD_IGNORE", "TERM")).put("stopTimeout", "5s")));
    awaitRunning("leader", 1);
    Await.until("the grandchild runs", Duration.ofSeconds(5), () -> children.byRole().containsValue("grandchild"));
    int grandchild = children.byRole().entrySet().stream().filter(e -> e.getValue().equals("grandchild"))
        .findFirst().orElseThrow().getKey();

    JsonObject child = command(new JsonObject().put("command", "stop").put("group", "leader"))
        .getJsonArray("children").getJsonObject(0);

    assertThat(child.getJsonObject("exit")).isEqualTo(new JsonObject().put("code", 0));
    assertThat(child.getString("step")).isEqualTo("TERM");
    assertThat(child.getInteger("stragglersKilled")).isGreaterThanOrEqualTo(1);
    assertThat(children.signalNames(grandchild)).containsExactly("TERM");
    Await.until("the grandchild is gone", Duration.ofSeconds(2), () -> !ChildFixture.alive(grandchild));
    awaitEvent("stragglers-killed");
    assertThat(events("stragglers-killed")).singleElement()
        .satisfies(e -> assertThat(e.getJsonArray("pids").stream().map(Integer.class::cast).toList())
            .contains(grandchild));
  }

  @Test
  void haltHookKillsEveryChildGroupAtOnce() {
    deploy(ChildFixture.config(children.group("doomed", 3, Map.of("CHILD_IGNORE", "TERM", "CHILD_GRANDCHILD", "1"))));
    awaitRunning("doomed", 3);
    Await.until("3 children and 3 grandchildren", Duration.ofSeconds(5), () -> children.byRole().size() == 6);

    long t0 = System.nanoTime();
    HaltHooks.of(vertx).runAll();
    assertThat((System.nanoTime() - t0) / 1_000_000).as("the hook does not block").isLessThan(Timing.upTo(500));

    Await.until("every tagged process is gone", Duration.ofSeconds(2), () -> children.pids().isEmpty());
  }

  /**
   * Review finding 2: the scan of descendants a ladder waits for before its first signal is bounded.
   * Here it cannot even begin (the manager's only worker thread is held, as by a read of /proc stuck
   * in the kernel): TERM goes out 250 ms after the stop began anyway, and the stop completes once the
   * worker is free again.
   */
  @Test
  void firstSignalGoesOutAfterABoundedWaitWhenTheScanBeforeItCannotRun() throws Exception {
    deploy(ChildFixture.config(children.group("held", 1)), options().setDescendantScanInterval(Duration.ZERO),
        new DeploymentOptions().setWorkerPoolName("held-scan").setWorkerPoolSize(1));
    int pid = awaitRunning("held", 1).get(0);
    WorkerExecutor sharedPool = vertx.createSharedWorkerExecutor("held-scan", 1);
    CountDownLatch holding = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    sharedPool.executeBlocking(() -> {
      holding.countDown();
      return release.await(Timing.upTo(30_000), TimeUnit.MILLISECONDS);
    });
    assertThat(holding.await(Timing.upTo(5_000), TimeUnit.MILLISECONDS)).isTrue();
    Future<Message<JsonObject>> stop;
    long stopBegan = System.currentTimeMillis();
    try {
      stop = vertx.eventBus().request(EventBusContract.PROCESS_COMMANDS,
          new JsonObject().put("command", "stop").put("group", "held"), new DeliveryOptions().setSendTimeout(60_000));
      Await.until("TERM reached the child while the scan cannot run", Duration.ofSeconds(5),
          () -> children.signalNames(pid).contains("TERM"));
    } finally {
      release.countDown();
    }
    long waited = children.signals(pid).get(0).getValue() - stopBegan;
    assertThat(waited).as("TERM waited for the bound").isGreaterThanOrEqualTo(245);
    JsonObject stopped = Await.result(stop, Duration.ofSeconds(20)).body()
        .getJsonArray("children").getJsonObject(0);
    assertThat(stopped.getString("step")).isEqualTo("TERM");
    sharedPool.close();
  }
}
