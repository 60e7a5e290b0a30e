package dev.quiesce.process;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.testing.Await;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The reload step: rolling restarts, reload signals, scaling, groups added and removed. */
class ReloadTest extends ProcessTestBase {

  private FakeCoordinator coordinator;

  @BeforeEach
  void fakeCoordinator() {
    coordinator = new FakeCoordinator(vertx);
  }

  private ProcessManagerOptions participating() {
    return options().setLifecycleParticipant(true);
  }

  private JsonObject web(int instances) {
    return children.group("web", instances, Map.of("CHILD_READY_AFTER", "0.3"))
        .put("ready", new JsonObject().put("logLine", "^ready to serve$"));
  }

  @Test
  void rollingRestartOnReloadKeepsAtLeastInstancesMinusOneReady() {
    JsonObject config = ChildFixture.config(web(3));
    deploy(config, participating());
    List<Integer> old = awaitRunning("web", 3);
    Await.until("3 ready", Duration.ofSeconds(10), () -> events("ready").size() == 3);
    int mark = events.size();

    long seq = coordinator.publish("reload", Duration.ofSeconds(30), false, config);
    JsonObject ack = coordinator.awaitAck(seq, Duration.ofSeconds(30));

    assertThat(ack.getString("outcome")).isEqualTo("done");
    assertThat(ack.getJsonObject("detail").getJsonArray("groups").getJsonObject(0).getInteger("restarted"))
        .isEqualTo(3);
    // the manager's own view: from its events, in order
    int ready = 3;
    int lowest = 3;
    for (JsonObject e : new ArrayList<>(events.subList(mark, events.size()))) {
      if ("stopping".equals(e.getString("type"))) {
        ready--;
      } else if ("ready".equals(e.getString("type"))) {
        ready++;
      }
      lowest = Math.min(lowest, ready);
    }
    assertThat(lowest).isEqualTo(2);
    assertThat(ready).isEqualTo(3);
    // the children's own view: instance i+1 heard TERM only after the new instance i had said ready
    List<Integer> renewed = pidsOf("web");
    assertThat(renewed).doesNotContainAnyElementsOf(old);
    for (int i = 0; i < 3; i++) {
      assertThat(children.signalNames(old.get(i))).containsExactly("TERM");
    }
    for (int i = 0; i < 2; i++) {
      long newReady = children.timeOf(renewed.get(i), "ready");
      long nextTerm = children.timeOf(old.get(i + 1), "signal TERM");
      assertThat(newReady).isPositive().isLessThanOrEqualTo(nextTerm);
    }
  }

  @Test
  void rollingRestartStopsAtAnInstanceThatDoesNotBecomeReady() {
    JsonObject config = ChildFixture.config(web(2));
    deploy(config, participating());
    List<Integer> old = awaitRunning("web", 2);
    Await.until("2 ready", Duration.ofSeconds(10), () -> events("ready").size() == 2);

    JsonObject broken = children.group("web", 2).put("restart", "never")
        .put("ready", new JsonObject().put("logLine", "never printed").put("timeout", "300ms"));
    long seq = coordinator.publish("reload", Duration.ofSeconds(30), false, ChildFixture.config(broken));
    JsonObject ack = coordinator.awaitAck(seq, Duration.ofSeconds(30));

    assertThat(ack.getString("outcome")).isEqualTo("failed");
    assertThat(ack.getString("reason")).contains("group web").contains("instance 0");
    assertThat(ChildFixture.alive(old.get(1))).as("instance 1 was left alone").isTrue();
    assertThat(children.signalNames(old.get(1))).isEmpty();
  }

  @Test
  void signalReloadSendsTheSignalAndScales() {
    JsonObject workers = children.group("workers", 2).put("reload", "signal:HUP");
    deploy(ChildFixture.config(workers), participating());
    List<Integer> old = awaitRunning("workers", 2);

    JsonObject more = children.group("workers", 3).put("reload", "signal:HUP");
    long seq = coordinator.publish("reload", Duration.ofSeconds(30), false, ChildFixture.config(more));
    JsonObject ack = coordinator.awaitAck(seq, Duration.ofSeconds(10));

    assertThat(ack.getString("outcome")).isEqualTo("done");
    JsonObject g = ack.getJsonObject("detail").getJsonArray("groups").getJsonObject(0);
    assertThat(g.getString("action")).isEqualTo("signal:HUP");
    assertThat(g.getInteger("signalled")).isEqualTo(2);
    assertThat(g.getBoolean("changed")).isTrue();
    Await.until("both heard HUP", Duration.ofSeconds(5),
        () -> old.stream().allMatch(p -> children.signalNames(p).contains("HUP")));
    List<Integer> now = awaitRunning("workers", 3);
    assertThat(now.subList(0, 2)).isEqualTo(old);
  }

  @Test
  void reloadStopsRemovedGroupsAndStartsNewOnes() {
    deploy(ChildFixture.config(children.group("old", 1)), participating());
    int oldPid = awaitRunning("old", 1).get(0);

    long seq = coordinator.publish("reload", Duration.ofSeconds(30), false,
        ChildFixture.config(children.group("fresh", 1)));
    JsonObject ack = coordinator.awaitAck(seq, Duration.ofSeconds(10));

    assertThat(ack.getString("outcome")).isEqualTo("done");
    assertThat(ack.getJsonObject("detail").getJsonArray("groups").stream().map(o -> ((JsonObject) o).getString("action")))
        .containsExactlyInAnyOrder("started", "removed");
    assertThat(children.signalNames(oldPid)).containsExactly("TERM");
    awaitRunning("fresh", 1);
    assertThat(command(new JsonObject().put("command", "list")).getJsonArray("groups")).hasSize(1);
  }
}
