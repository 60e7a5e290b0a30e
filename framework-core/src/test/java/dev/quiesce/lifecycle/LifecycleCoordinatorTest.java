package dev.quiesce.lifecycle;

import static dev.quiesce.lifecycle.CoordinatorFixture.outcome;
import static dev.quiesce.lifecycle.CoordinatorFixture.phase;
import static dev.quiesce.lifecycle.CoordinatorFixture.phases;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.config.ConfigException;
import dev.quiesce.testing.Await;
import dev.quiesce.testing.RecordingParticipant.Behaviour;
import dev.quiesce.testing.RecordingParticipant;
import dev.quiesce.testing.Timing;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(VertxExtension.class)
class LifecycleCoordinatorTest {

  @Test
  void phasesRunInConfiguredOrderAndAGracefulStopReportsExitZero(Vertx vertx) {
    CoordinatorFixture f = new CoordinatorFixture(vertx, phases("announce", "0s", "drain", "2s", "terminate", "2s",
        "close", "2s")).deploy();
    RecordingParticipant all = f.participant("all", "announce", "drain", "terminate", "close");
    RecordingParticipant drainOnly = f.participant("drainer", "drain");

    JsonObject report = f.stopAndAwaitReport();

    assertThat(all.heardNames()).containsExactly("announce", "drain", "terminate", "close");
    assertThat(drainOnly.heardNames()).containsExactly("drain");
    assertThat(report.getString("outcome")).isEqualTo("graceful");
    assertThat(report.getInteger("exitCode")).isZero();
    assertThat(report.getJsonArray("phases").stream().map(p -> ((JsonObject) p).getString("phase")))
        .containsExactly("announce", "drain", "terminate", "close");
    assertThat(outcome(report, "drain", "drainer").getJsonObject("detail").getString("heard")).isEqualTo("drain");
    assertThat(f.coordinator.state()).isEqualTo(LifecycleState.STOPPED);
    // events reach the test's consumer asynchronously: stopped() may complete before the report event arrives
    Await.until("the report event", Duration.ofSeconds(5), () -> !f.events("report").isEmpty());
    assertThat(f.events("report")).hasSize(1);
    assertThat(f.events.get(f.events.size() - 1).getString("type")).isEqualTo("report");
  }

  @Test
  void participantThatNeverAnswersIsTimedOutNoEarlierThanItsBudgetAndTheNextPhaseStillRuns(Vertx vertx) {
    CoordinatorFixture f = new CoordinatorFixture(vertx, phases("drain", "400ms", "terminate", "2s")).deploy();
    f.participant("silent", "drain").on("drain", Behaviour.NEVER_ANSWER);
    RecordingParticipant next = f.participant("next", "terminate");

    JsonObject report = f.stopAndAwaitReport();

    JsonObject silent = outcome(report, "drain", "silent");
    assertThat(silent.getString("outcome")).isEqualTo("timed-out");
    assertThat(silent.getLong("durationMs")).isGreaterThanOrEqualTo(400).isLessThan(Timing.upTo(5000));
    assertThat(next.heardNames()).containsExactly("terminate");
    assertThat(report.getString("outcome")).isEqualTo("forced");
    assertThat(report.getInteger("exitCode")).isEqualTo(3);
    assertThat(report.getJsonArray("problems").encode()).contains("silent timed out in phase drain");
  }

  /**
   * The worst case for the coordinator's timers: one event loop, blocked by a participant for
   * longer than its budget (Vert.x runs a worker context's timers on an event loop too).
   */
  @Test
  void participantBlockingTheOnlyEventLoopIsTimedOutAtItsBudgetAndTheStopStillEnds() {
    Vertx single = Vertx.vertx(new io.vertx.core.VertxOptions().setEventLoopPoolSize(1));
    try {
      CoordinatorFixture f = new CoordinatorFixture(single, phases("drain", "300ms", "terminate", "300ms")).deploy();
      Participant blocker = new Participant() {
        @Override
        public String name() {
          return "blocker";
        }

        @Override
        public java.util.Set<String> phases() {
          return java.util.Set.of("drain");
        }

        @Override
        public Future<JsonObject> onPhase(PhaseContext phase) {
          try {
            Thread.sleep(3000); // blocks the only event loop
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return Future.succeededFuture(new JsonObject());
        }
      };
      Await.result(Participants.register(single, blocker));
      long t0 = System.nanoTime();
      // not through the event bus: a reply to this thread would be delivered on the blocked loop
      f.coordinator.trigger(LifecycleCommand.STOP, Trigger.APPLICATION, "blocked loop");
      JsonObject report = Await.result(f.coordinator.stopped().map(StopReport::toJson), Duration.ofSeconds(10));
      long tookMs = (System.nanoTime() - t0) / 1_000_000;

      JsonObject blocked = outcome(report, "drain", "blocker");
      assertThat(blocked.getString("outcome")).isEqualTo("timed-out");
      assertThat(blocked.getLong("durationMs")).isGreaterThanOrEqualTo(300).isLessThan(Timing.upTo(300 + 500));
      assertThat(tookMs).as("the report came while the loop was still blocked").isLessThan(Timing.upTo(3000));
      assertThat(report.getInteger("exitCode")).isEqualTo(3);
    } finally {
      Await.result(single.close(), Duration.ofSeconds(20));
    }
  }

  @Test
  void aPhaseNeverGetsMoreThanWhatIsLeftOfTheDeadline(Vertx vertx) {
    JsonObject lifecycle = phases("drain", "20s", "terminate", "20s").put("shutdownTimeout", "600ms");
    CoordinatorFixture f = new CoordinatorFixture(vertx, lifecycle).deploy();
    f.participant("silent", "drain").on("drain", Behaviour.NEVER_ANSWER);
    RecordingParticipant late = f.participant("late", "terminate");

    long start = System.currentTimeMillis();
    JsonObject report = f.stopAndAwaitReport();
    long took = System.currentTimeMillis() - start;

    assertThat(took).isGreaterThanOrEqualTo(600).isLessThan(Timing.upTo(5000));
    assertThat(phase(report, "drain").getLong("budgetMs")).isLessThanOrEqualTo(600);
    // the forced phase is published without a wait: it may reach the participant after the report
    Await.until("terminate heard", Duration.ofSeconds(5), () -> !late.heard().isEmpty());
    assertThat(late.heard()).singleElement().satisfies(h -> assertThat(h.forced()).isTrue());
    assertThat(report.getInteger("exitCode")).isEqualTo(3);
  }

  @Test
  void failingAndThrowingParticipantsAreRecordedWithTheirReasonAndTheStopGoesOn(Vertx vertx) {
    CoordinatorFixture f = new CoordinatorFixture(vertx, phases("drain", "2s", "close", "2s")).deploy();
    f.participant("failing", "drain").on("drain", Behaviour.FAIL);
    f.participant("throwing", "drain").on("drain", Behaviour.THROW);
    RecordingParticipant closer = f.participant("closer", "close");

    JsonObject report = f.stopAndAwaitReport();

    assertThat(outcome(report, "drain", "failing").getString("outcome")).isEqualTo("failed");
    assertThat(outcome(report, "drain", "failing").getString("reason")).isEqualTo("refused drain");
    assertThat(outcome(report, "drain", "throwing").getString("outcome")).isEqualTo("failed");
    assertThat(outcome(report, "drain", "throwing").getString("reason")).isEqualTo("boom in drain");
    assertThat(closer.heardNames()).containsExactly("close");
    assertThat(report.getInteger("exitCode")).isEqualTo(3);
  }

  @Test
  void verticleWhoseStopNeverCompletesIsAbandonedAtTheCloseBudget(Vertx vertx) {
    CoordinatorFixture f = new CoordinatorFixture(vertx, phases("close", "500ms")).deploy();
    String stuck = Await.result(vertx.deployVerticle(new VerticleBase() {
      @Override
      public Future<?> stop() {
        return Promise.promise().future();
      }
    }));
    String fine = Await.result(vertx.deployVerticle(new VerticleBase() { }));
    f.coordinator.nameDeployment(stuck, "StuckVerticle");

    long start = System.currentTimeMillis();
    JsonObject report = f.stopAndAwaitReport();

    assertThat(System.currentTimeMillis() - start).isGreaterThanOrEqualTo(500).isLessThan(Timing.upTo(5000));
    JsonArray undeployed = report.getJsonArray("undeployed");
    assertThat(undeployed.stream().map(JsonObject.class::cast))
        .anySatisfy(u -> {
          assertThat(u.getString("verticle")).isEqualTo("StuckVerticle");
          assertThat(u.getString("outcome")).isEqualTo("timed-out");
        })
        .anySatisfy(u -> {
          assertThat(u.getString("deployment")).isEqualTo(fine);
          assertThat(u.getString("outcome")).isEqualTo("done");
        });
    assertThat(report.getJsonArray("problems").encode()).contains("StuckVerticle did not undeploy");
    assertThat(report.getInteger("exitCode")).isEqualTo(3);
  }

  @Test
  void childDeploymentsGoWithTheirParentAndDoNotMakeTheStopForced(Vertx vertx) {
    CoordinatorFixture f = new CoordinatorFixture(vertx, phases("close", "2s")).deploy();
    Await.result(vertx.deployVerticle(new VerticleBase() {
      @Override
      public Future<?> start() {
        return vertx.deployVerticle(new VerticleBase() { });
      }
    }));

    JsonObject report = f.stopAndAwaitReport();

    assertThat(report.getString("outcome")).as(report.encodePrettily()).isEqualTo("graceful");
    assertThat(report.getJsonArray("undeployed")).hasSize(2);
    assertThat(vertx.deploymentIDs()).hasSize(1);
  }

  @Test
  void participantThatAsksToBeRetainedOutlivesTheClosePhase(Vertx vertx) {
    CoordinatorFixture f = new CoordinatorFixture(vertx, phases("close", "2s")).deploy();
    String kept = Await.result(vertx.deployVerticle(new VerticleBase() {
      @Override
      public Future<?> start() {
        return Participants.register(vertx, new RecordingParticipant(vertx, "kept", "close").retained());
      }
    }));
    String other = Await.result(vertx.deployVerticle(new VerticleBase() { }));
    f.coordinator.nameDeployment(other, "Other");

    JsonObject report = f.stopAndAwaitReport();

    assertThat(report.getString("outcome")).isEqualTo("graceful");
    assertThat(vertx.deploymentIDs()).contains(kept).doesNotContain(other);
  }

  @Test
  void secondTriggerSkipsRemainingWaitsButStillAnnouncesEveryPhase(Vertx vertx) {
    CoordinatorFixture f = new CoordinatorFixture(vertx, phases("drain", "20s", "terminate", "20s", "close", "20s"))
        .deploy();
    RecordingParticipant slow = f.participant("slow", "drain", "terminate", "close")
        .on("drain", Behaviour.NEVER_ANSWER);

    long start = System.currentTimeMillis();
    f.command("stop");
    Await.until("drain has begun", Duration.ofSeconds(5), () -> slow.heardNames().contains("drain"));
    JsonObject second = f.command("stop");
    JsonObject report = Await.result(f.coordinator.stopped().map(StopReport::toJson));

    assertThat(second.getString("escalation")).isEqualTo("force");
    assertThat(System.currentTimeMillis() - start).isLessThan(Timing.upTo(5000));
    Await.until("every phase heard", Duration.ofSeconds(5), () -> slow.heardNames().size() >= 3);
    assertThat(slow.heardNames()).containsExactly("drain", "terminate", "close");
    assertThat(slow.heard().subList(1, 3)).allSatisfy(h -> assertThat(h.forced()).isTrue());
    assertThat(outcome(report, "drain", "slow").getString("outcome")).isEqualTo("forced");
    assertThat(report.getJsonObject("forcedBy").getString("trigger")).isEqualTo("event-bus");
    assertThat(report.getInteger("exitCode")).isEqualTo(3);
  }

  @Test
  void thirdTriggerHaltsAtOnce(Vertx vertx) {
    CoordinatorFixture f = new CoordinatorFixture(vertx, phases("drain", "20s"));
    AtomicInteger halts = new AtomicInteger();
    f.coordinator.onHalt(halts::incrementAndGet);
    f.deploy();
    f.participant("slow", "drain").on("drain", Behaviour.NEVER_ANSWER);

    f.coordinator.trigger(LifecycleCommand.STOP, Trigger.SIGNAL, "SIGTERM");
    f.coordinator.trigger(LifecycleCommand.STOP, Trigger.SIGNAL, "SIGTERM");
    assertThat(halts).hasValue(0);
    f.coordinator.trigger(LifecycleCommand.STOP, Trigger.SIGNAL, "SIGTERM");

    assertThat(halts).hasValue(1);
  }

  @Test
  void drainThenResumeReturnsToRunningAndEveryParticipantHearsBoth(Vertx vertx) {
    CoordinatorFixture f = new CoordinatorFixture(vertx, phases("drain", "1s")).deploy();
    RecordingParticipant p = f.participant("p", "drain");

    assertThat(f.command("drain").getString("state")).isEqualTo("DRAINING");
    Await.until("suspend heard", Duration.ofSeconds(5), () -> p.heardNames().contains("suspend"));
    assertThat(f.refused(new JsonObject().put("command", "drain")).failureCode()).isEqualTo(409);
    assertThat(f.command("resume").getString("state")).isEqualTo("RUNNING");
    Await.until("resume heard", Duration.ofSeconds(5), () -> p.heardNames().contains("resume"));
    assertThat(f.refused(new JsonObject().put("command", "resume")).getMessage()).contains("not draining");
    assertThat(p.heardNames()).containsExactly("suspend", "resume");
  }

  @Test
  void reloadWithAnInvalidConfigurationKeepsTheOldOneAndSaysWhy(Vertx vertx) {
    CoordinatorFixture f = new CoordinatorFixture(vertx, phases("drain", "1s").put("shutdownTimeout", "30s"));
    f.coordinator.reloadWith(() -> Future.failedFuture(
        new ConfigException("lifecycle.shutdownTimeout", "\"5 sec\" is not a duration")));
    f.deploy();
    RecordingParticipant p = f.participant("p", "drain");

    f.command("reload");
    Await.until("a reload event", Duration.ofSeconds(5), () -> !f.events("reload").isEmpty());

    JsonObject event = f.events("reload").get(0);
    assertThat(event.getString("outcome")).isEqualTo("failed");
    assertThat(event.getJsonArray("problems").encode()).contains("lifecycle.shutdownTimeout");
    assertThat(p.heardNames()).doesNotContain("reload");
    Await.until("running again", Duration.ofSeconds(5), () -> f.coordinator.state() == LifecycleState.RUNNING);
    assertThat(f.coordinator.status().getLong("shutdownTimeoutMs")).isEqualTo(30000);
  }

  @Test
  void validReloadReachesEveryParticipantWithTheNewConfiguration(Vertx vertx) {
    JsonObject fresh = new JsonObject().put("lifecycle", new JsonObject().put("shutdownTimeout", "45s"))
        .put("app", new JsonObject().put("greeting", "hi"));
    CoordinatorFixture f = new CoordinatorFixture(vertx, phases("drain", "1s"));
    f.coordinator.reloadWith(() -> Future.succeededFuture(fresh));
    f.deploy();
    RecordingParticipant p = f.participant("p", "drain");

    f.command("reload");
    Await.until("a reload event", Duration.ofSeconds(5), () -> !f.events("reload").isEmpty());

    assertThat(f.events("reload").get(0).getString("outcome")).isEqualTo("done");
    assertThat(p.heard()).singleElement().satisfies(h -> {
      assertThat(h.name()).isEqualTo("reload");
      assertThat(h.config().getJsonObject("app").getString("greeting")).isEqualTo("hi");
    });
    assertThat(f.coordinator.status().getLong("shutdownTimeoutMs")).isEqualTo(45000);
  }

  @Test
  void reloadsAskedForDuringAReloadCoalesceIntoOne(Vertx vertx) {
    AtomicInteger reads = new AtomicInteger();
    CoordinatorFixture f = new CoordinatorFixture(vertx, phases("drain", "1s"));
    f.coordinator.reloadWith(() -> {
      reads.incrementAndGet();
      return Future.succeededFuture(new JsonObject());
    });
    f.deploy();
    f.participant("slow", "drain").delay("reload", 300);

    f.command("reload");
    assertThat(f.command("reload").getBoolean("queued")).isTrue();
    assertThat(f.command("reload").getBoolean("queued")).isTrue();
    Await.until("two reload events", Duration.ofSeconds(5), () -> f.events("reload").size() >= 2);

    assertThat(reads).hasValue(2);
  }

  @Test
  void reloadDuringAStopIsRefusedWithAReason(Vertx vertx) {
    CoordinatorFixture f = new CoordinatorFixture(vertx, phases("drain", "5s")).deploy();
    RecordingParticipant slow = f.participant("slow", "drain").delay("drain", 1000);
    f.command("stop");
    Await.until("drain has begun", Duration.ofSeconds(5), () -> slow.heardNames().contains("drain"));

    var refused = f.refused(new JsonObject().put("command", "reload"));

    assertThat(refused.failureCode()).isEqualTo(409);
    assertThat(refused.getMessage()).contains("stopping");
  }

  @Test
  void malformedCommandsGetErrorRepliesAndChangeNothing(Vertx vertx) {
    CoordinatorFixture f = new CoordinatorFixture(vertx, phases("drain", "1s")).deploy();

    assertThat(f.refused("stop").getMessage()).contains("JSON object");
    assertThat(f.refused(new JsonObject()).getMessage()).contains("\"command\" must be a string");
    assertThat(f.refused(new JsonObject().put("command", 7)).failureCode()).isEqualTo(400);
    assertThat(f.refused(new JsonObject().put("command", "explode")).getMessage()).contains("unknown command");
    assertThat(f.refused(new JsonObject().put("command", "stop").put("reason", 5)).getMessage()).contains("reason");
    assertThat(f.refused(new JsonObject().put("command", "stop").put("extra", 1)).getMessage())
        .contains("unknown field \"extra\"");
    assertThat(f.refused(new JsonObject().put("command", "stop").put("reason", "x".repeat(10_000))).failureCode())
        .isEqualTo(400);
    assertThat(f.refused(Buffer.buffer(new byte[] {1, 2, 3})).failureCode()).isEqualTo(400);

    assertThat(f.command("status").getString("state")).isEqualTo("RUNNING");
    assertThat(f.events("state")).noneMatch(e -> "STOPPING".equals(e.getString("to")));
  }

  @Test
  void stopReportIsWrittenToTheReportFile(Vertx vertx, @TempDir Path dir) throws Exception {
    Path file = dir.resolve("report.json");
    CoordinatorFixture f = new CoordinatorFixture(vertx, phases("drain", "1s").put("reportFile", file.toString()))
        .deploy();
    f.participant("p", "drain");

    JsonObject report = f.stopAndAwaitReport();

    assertThat(new JsonObject(Files.readString(file))).isEqualTo(report);
  }

  @Test
  void statusShowsTheCurrentPhaseAndTimeLeftDuringAStop(Vertx vertx) {
    CoordinatorFixture f = new CoordinatorFixture(vertx, phases("drain", "5s").put("shutdownTimeout", "30s")).deploy();
    RecordingParticipant slow = f.participant("slow", "drain").delay("drain", 800);
    f.command("stop");
    Await.until("drain has begun", Duration.ofSeconds(5), () -> slow.heardNames().contains("drain"));

    JsonObject status = f.command("status");

    assertThat(status.getString("state")).isEqualTo("STOPPING");
    assertThat(status.getString("phase")).isEqualTo("drain");
    assertThat(status.getLong("timeLeftMs")).isPositive().isLessThanOrEqualTo(30000);
    assertThat(status.getJsonArray("participants")).contains("slow");
    assertThat(status.getJsonArray("waitingFor")).containsExactly("slow");
  }
}
