package dev.quiesce.process;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.lifecycle.EventBusContract;
import dev.quiesce.lifecycle.LifecycleConfig;
import dev.quiesce.lifecycle.LifecycleCoordinator;
import dev.quiesce.lifecycle.LifecycleState;
import dev.quiesce.lifecycle.StopReport;
import dev.quiesce.testing.Await;
import dev.quiesce.testing.Timing;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.ThreadingModel;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The terminate phase: what the acknowledgement says, deadlines, forcing, and the real coordinator. */
class LifecycleTest extends ProcessTestBase {

  private ProcessManagerOptions participating() {
    return options().setLifecycleParticipant(true);
  }

  @Test
  void terminatePhaseAcknowledgesEveryChildExitAndSaysWhatWasForced() {
    FakeCoordinator coordinator = new FakeCoordinator(vertx);
    JsonObject polite = children.group("polite", 2, Map.of("CHILD_CLEANUP", "0.2"));
    JsonObject stubborn = children.group("stubborn", 1, Map.of("CHILD_IGNORE", "TERM")).put("stopTimeout", "500ms");
    deploy(ChildFixture.config(polite, stubborn), participating());
    assertThat(coordinator.registrations).singleElement().satisfies(r -> {
      assertThat(r.getString("participant")).isEqualTo("processes");
      assertThat(r.getJsonArray("phases")).containsExactly("terminate");
    });
    awaitRunning("polite", 2);
    int stubbornPid = awaitRunning("stubborn", 1).get(0);

    long seq = coordinator.publish("terminate", Duration.ofSeconds(10), false, null);
    JsonObject ack = coordinator.awaitAck(seq, Duration.ofSeconds(10));

    assertThat(ack.getString("participant")).isEqualTo("processes");
    assertThat(ack.getString("outcome")).isEqualTo("done");
    JsonObject detail = ack.getJsonObject("detail");
    JsonArray list = detail.getJsonArray("children");
    assertThat(list).hasSize(3);
    assertThat(detail.getInteger("killed")).isEqualTo(1);
    assertThat(detail.getBoolean("forced")).isTrue();
    assertThat(detail.getString("forcedReason")).contains("1 child of group stubborn killed");
    JsonObject s = list.stream().map(JsonObject.class::cast).filter(c -> c.getString("group").equals("stubborn"))
        .findFirst().orElseThrow();
    assertThat(s.getInteger("pid")).isEqualTo(stubbornPid);
    assertThat(s.getJsonObject("exit")).isEqualTo(new JsonObject().put("signal", "KILL"));
    assertThat(s.getString("step")).isEqualTo("KILL");
    assertThat(s.getLong("durationMs")).isGreaterThanOrEqualTo(500L).isLessThanOrEqualTo(Timing.upTo(3000L));
    list.stream().map(JsonObject.class::cast).filter(c -> c.getString("group").equals("polite")).forEach(c -> {
      assertThat(c.getJsonObject("exit")).isEqualTo(new JsonObject().put("code", 0));
      assertThat(c.getString("step")).isEqualTo("TERM");
      assertThat(c.getBoolean("forced")).isFalse();
      assertThat(c.getLong("durationMs")).isGreaterThanOrEqualTo(200L).isLessThanOrEqualTo(Timing.upTo(3000L));
    });
    // stopped for good: no restarts, and start is refused
    assertThat(refused(new JsonObject().put("command", "start").put("group", "polite")).failureCode()).isEqualTo(409);
  }

  @Test
  void ladderLongerThanThePhaseIsCutSoThatKillComesBeforeTheDeadline() {
    FakeCoordinator coordinator = new FakeCoordinator(vertx);
    deploy(ChildFixture.config(children.group("slow", 1, Map.of("CHILD_IGNORE", "TERM")).put("stopTimeout", "10s")),
        participating());
    awaitRunning("slow", 1);

    long t0 = System.currentTimeMillis();
    long seq = coordinator.publish("terminate", Duration.ofMillis(1500), false, null);
    JsonObject ack = coordinator.awaitAck(seq, Duration.ofSeconds(5));
    long took = System.currentTimeMillis() - t0;

    assertThat(took).isGreaterThanOrEqualTo(1000L).isLessThanOrEqualTo(Timing.upTo(1500L));
    JsonObject c = ack.getJsonObject("detail").getJsonArray("children").getJsonObject(0);
    assertThat(c.getString("step")).isEqualTo("KILL");
    assertThat(c.getJsonObject("exit")).isEqualTo(new JsonObject().put("signal", "KILL"));
  }

  @Test
  void forcedStopKillsAtOnce() {
    FakeCoordinator coordinator = new FakeCoordinator(vertx);
    deploy(ChildFixture.config(children.group("slow", 2, Map.of("CHILD_IGNORE", "TERM")).put("stopTimeout", "10s")),
        participating());
    awaitRunning("slow", 2);

    long seq = coordinator.publish("terminate", Duration.ofSeconds(10), false, null);
    Await.until("TERM was sent", Duration.ofSeconds(5), () -> events("stopping").size() == 2);
    long t0 = System.currentTimeMillis();
    // the coordinator announces the next phase forced when a second trigger arrives
    vertx.eventBus().publish(EventBusContract.EVENTS, new JsonObject().put("type", "phase-start")
        .put("phase", "close").put("forced", true));
    JsonObject ack = coordinator.awaitAck(seq, Duration.ofSeconds(5));

    assertThat(System.currentTimeMillis() - t0).isLessThan(Timing.upTo(2000));
    assertThat(ack.getJsonObject("detail").getInteger("killed")).isEqualTo(2);
  }

  @Test
  void terminateDuringAStopCommandStillEndsByItsDeadline() {
    FakeCoordinator coordinator = new FakeCoordinator(vertx);
    deploy(ChildFixture.config(children.group("slow", 1, Map.of("CHILD_IGNORE", "TERM")).put("stopTimeout", "10s")),
        participating());
    awaitRunning("slow", 1);
    var stopCommand = vertx.eventBus().request(EventBusContract.PROCESS_COMMANDS,
        new JsonObject().put("command", "stop").put("group", "slow"));
    Await.until("TERM was sent", Duration.ofSeconds(5), () -> events("stopping").size() == 1);

    long t0 = System.currentTimeMillis();
    long seq = coordinator.publish("terminate", Duration.ofMillis(1500), false, null);
    JsonObject ack = coordinator.awaitAck(seq, Duration.ofSeconds(5));

    assertThat(System.currentTimeMillis() - t0).isGreaterThanOrEqualTo(1000L).isLessThanOrEqualTo(Timing.upTo(1500L));
    assertThat(ack.getJsonObject("detail").getJsonArray("children").getJsonObject(0).getString("step"))
        .isEqualTo("KILL");
    Await.result(stopCommand, Duration.ofSeconds(5));
  }

  @Test
  void forcedTerminatePhaseSendsKillWithoutWaiting() {
    FakeCoordinator coordinator = new FakeCoordinator(vertx);
    deploy(ChildFixture.config(children.group("slow", 1, Map.of("CHILD_IGNORE", "TERM"))), participating());
    int pid = awaitRunning("slow", 1).get(0);

    long seq = coordinator.publish("terminate", Duration.ZERO, true, null);
    JsonObject ack = coordinator.awaitAck(seq, Duration.ofSeconds(5));

    JsonObject c = ack.getJsonObject("detail").getJsonArray("children").getJsonObject(0);
    assertThat(c.getString("step")).isEqualTo("KILL");
    assertThat(c.getLong("durationMs")).isLessThan(Timing.upTo(1000));
    assertThat(children.signalNames(pid)).isEmpty();
  }

  private LifecycleCoordinator deployCoordinator(JsonObject config) {
    LifecycleCoordinator coordinator = new LifecycleCoordinator(LifecycleConfig.from(config));
    Await.result(vertx.deployVerticle(coordinator, new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER)),
        Duration.ofSeconds(10));
    coordinator.markRunning();
    Await.until("the coordinator runs", Duration.ofSeconds(5), () -> coordinator.state() == LifecycleState.RUNNING);
    return coordinator;
  }

  @Test
  void realCoordinatorStopRunsTheTerminatePhaseAndReportsEveryChild() {
    JsonObject config = ChildFixture.config(children.group("workers", 2, Map.of("CHILD_CLEANUP", "0.2",
        "CHILD_GRANDCHILD", "1")));
    LifecycleCoordinator coordinator = deployCoordinator(config);
    deploy(config, participating());
    List<Integer> pids = awaitRunning("workers", 2);

    vertx.eventBus().request(EventBusContract.COMMANDS, new JsonObject().put("command", "stop").put("reason", "test"));
    JsonObject report = Await.result(coordinator.stopped().map(StopReport::toJson), Duration.ofSeconds(30));

    assertThat(report.getString("outcome")).as(report.encodePrettily()).isEqualTo("graceful");
    assertThat(report.getInteger("exitCode")).isZero();
    assertThat(report.getJsonArray("children")).hasSize(2);
    assertThat(report.getJsonArray("children").stream().map(o -> ((JsonObject) o).getInteger("pid")))
        .containsExactlyInAnyOrderElementsOf(pids);
    assertThat(children.pids()).isEmpty();
    for (int pid : pids) {
      assertThat(children.signalNames(pid)).containsExactly("TERM");
    }
  }

  @Test
  void realCoordinatorReportsAForcedStopWhenAChildHadToBeKilled() {
    JsonObject config = ChildFixture.config(children.group("stubborn", 1, Map.of("CHILD_IGNORE", "TERM"))
        .put("stopTimeout", "300ms"));
    LifecycleCoordinator coordinator = deployCoordinator(config);
    deploy(config, participating());
    awaitRunning("stubborn", 1);

    vertx.eventBus().request(EventBusContract.COMMANDS, new JsonObject().put("command", "stop").put("reason", "test"));
    JsonObject report = Await.result(coordinator.stopped().map(StopReport::toJson), Duration.ofSeconds(30));

    assertThat(report.getString("outcome")).as(report.encodePrettily()).isEqualTo("forced");
    assertThat(report.getInteger("exitCode")).isEqualTo(3);
    assertThat(report.getJsonArray("children").getJsonObject(0).getString("step")).isEqualTo("KILL");
  }
}
