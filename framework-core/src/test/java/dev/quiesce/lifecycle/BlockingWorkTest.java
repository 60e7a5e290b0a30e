package dev.quiesce.lifecycle;

import static dev.quiesce.lifecycle.CoordinatorFixture.outcome;
import static dev.quiesce.lifecycle.CoordinatorFixture.phases;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiesce.testing.Await;
import dev.quiesce.testing.Timing;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link BlockingWork} with a real Vert.x worker pool and the real coordinator. */
@ExtendWith(VertxExtension.class)
class BlockingWorkTest {

  @Test
  void blockingTasksInProgressAtAStopCompleteBeforeTheDrainEndsAndAreCounted(Vertx vertx) {
    CoordinatorFixture f = new CoordinatorFixture(vertx, phases("drain", "10s", "close", "2s")).deploy();
    BlockingWork work = BlockingWork.create(vertx, "imports");
    CountDownLatch drainHeard = new CountDownLatch(1);
    Await.result(Participants.register(vertx, new SignallingParticipant(work, drainHeard)));
    WorkerExecutor pool = vertx.createSharedWorkerExecutor("imports-pool", 2);
    CountDownLatch gate = new CountDownLatch(1);
    List<Future<String>> tasks = List.of(
        work.executeBlocking("import-1", () -> passGate(gate, "one"), false),
        work.executeBlocking("import-2", () -> passGate(gate, "two"), false),
        work.executeBlocking(pool, "import-3", () -> passGate(gate, "three"), false),
        work.executeBlocking(pool, "import-4", () -> {
          passGate(gate, "four");
          throw new IllegalStateException("bad file");
        }, false));
    assertThat(work.running()).isEqualTo(4);

    f.command("stop");
    // the coordinator's phase-start event and the participant's phase message travel separately:
    // wait until the participant itself has taken its snapshot of the tasks in progress
    Await.until("the participant heard the drain phase", Duration.ofSeconds(5), () -> drainHeard.getCount() == 0);
    assertThat(f.coordinator.stopped().isComplete()).as("the stop waits for the blocking tasks").isFalse();
    Future<String> duringDrain = work.executeBlocking("import-5", () -> passGate(gate, "five"), false);
    long released = System.currentTimeMillis();
    gate.countDown();
    JsonObject report = Await.result(f.coordinator.stopped().map(StopReport::toJson), Duration.ofSeconds(10));

    // the stop is over once each task has ended; the futures returned to the submitter complete right
    // after that on the task's own thread, which may not have run yet when the report is out
    assertThat(tasks.subList(0, 3).stream().map(t -> Await.result(t, Duration.ofSeconds(5))))
        .containsExactly("one", "two", "three");
    assertThat(Await.result(duringDrain, Duration.ofSeconds(5))).as("a task submitted during the drain is run")
        .isEqualTo("five");
    assertThat(Await.failure(tasks.get(3))).hasMessage("bad file");
    JsonObject imports = outcome(report, "drain", "imports");
    assertThat(imports.getString("outcome")).isEqualTo("done");
    assertThat(imports.getJsonObject("detail")).isEqualTo(new JsonObject().put("inProgressAtStart", 4)
        .put("submittedDuring", 1).put("completed", 4).put("failed", 1).put("stillRunning", 0));
    assertThat(report.getLong("end")).isGreaterThanOrEqualTo(released);
    assertThat(report.getString("outcome")).isEqualTo("graceful");
    assertThat(work.running()).isZero();
    pool.close();
  }

  @Test
  void aTaskThatOutlastsTheBudgetIsReportedByItsLabelAndTheStopGoesOn(Vertx vertx) {
    CoordinatorFixture f = new CoordinatorFixture(vertx, phases("drain", "500ms", "close", "2s")).deploy();
    BlockingWork work = BlockingWork.create(vertx, "reports");
    Await.result(Participants.register(vertx, work));
    CountDownLatch never = new CountDownLatch(1);
    try {
      work.executeBlocking("monthly-report", () -> passGate(never, "late"), false);
      work.executeBlocking(null, () -> "quick", false);
      Await.until("the quick task ended", Duration.ofSeconds(5), () -> work.running() == 1);

      JsonObject report = f.stopAndAwaitReport();

      JsonObject reports = outcome(report, "drain", "reports");
      assertThat(reports.getString("outcome")).isEqualTo("done");
      // the answer leaves a tenth of the budget (at most 250 ms) for itself to arrive in time
      assertThat(reports.getLong("durationMs")).isGreaterThanOrEqualTo(500 - 50).isLessThan(Timing.upTo(500 + 1000));
      JsonObject detail = reports.getJsonObject("detail");
      assertThat(detail.getInteger("inProgressAtStart")).isEqualTo(1);
      assertThat(detail.getInteger("completed")).isZero();
      assertThat(detail.getInteger("stillRunning")).isEqualTo(1);
      assertThat(detail.getJsonArray("running").getList()).containsExactly("monthly-report");
      assertThat(report.getString("outcome")).isEqualTo("forced");
      assertThat(report.getInteger("exitCode")).isEqualTo(3);
      assertThat(report.getJsonArray("problems").encode()).contains("still running at the end of phase drain: "
          + "monthly-report");
    } finally {
      never.countDown();
    }
  }

  @Test
  void aSubmissionThatThrowsAtOnceIsNotLeftRunning(Vertx vertx) {
    CoordinatorFixture f = new CoordinatorFixture(vertx, phases("drain", "10s")).deploy();
    BlockingWork work = BlockingWork.create(vertx, "closed-pool");
    Await.result(Participants.register(vertx, work));
    WorkerExecutor pool = vertx.createSharedWorkerExecutor("closed-pool", 1);
    Await.result(pool.close());

    assertThatThrownBy(() -> work.executeBlocking(pool, "never-started", () -> 1, false))
        .as("thrown as Vert.x throws it").isInstanceOf(RejectedExecutionException.class);
    assertThat(work.running()).as("a task the pool refused is not running").isZero();

    JsonObject report = f.stopAndAwaitReport();
    JsonObject detail = outcome(report, "drain", "closed-pool").getJsonObject("detail");
    assertThat(detail.getInteger("stillRunning")).isZero();
    assertThat(detail.getInteger("failed")).as("counted when it was refused, before the drain").isZero();
    assertThat(detail.containsKey("running")).isFalse();
    assertThat(report.getString("outcome")).isEqualTo("graceful");
  }

  @Test
  void withNothingRunningTheDrainAnswersAtOnce(Vertx vertx) {
    CoordinatorFixture f = new CoordinatorFixture(vertx, phases("drain", "10s")).deploy();
    BlockingWork work = BlockingWork.create(vertx, "idle");
    Await.result(Participants.register(vertx, work));
    Await.result(work.executeBlocking("done-before", () -> 1));

    JsonObject report = f.stopAndAwaitReport();

    JsonObject idle = outcome(report, "drain", "idle");
    assertThat(idle.getLong("durationMs")).isLessThan(Timing.upTo(1000));
    assertThat(idle.getJsonObject("detail").getInteger("inProgressAtStart")).isZero();
    assertThat(idle.getJsonObject("detail").getInteger("completed")).isZero();
  }

  /**
   * Hands its phases to {@code delegate} and counts {@code heard} down once the delegate has been
   * handed one (its snapshot of the tasks in progress is taken synchronously in {@code onPhase}).
   */
  private record SignallingParticipant(Participant delegate, CountDownLatch heard) implements Participant {

    @Override
    public String name() {
      return delegate.name();
    }

    @Override
    public Set<String> phases() {
      return delegate.phases();
    }

    @Override
    public Future<JsonObject> onPhase(PhaseContext phase) {
      Future<JsonObject> answer = delegate.onPhase(phase);
      heard.countDown();
      return answer;
    }
  }

  private static String passGate(CountDownLatch gate, String result) throws InterruptedException {
    if (!gate.await(Timing.upTo(30_000), TimeUnit.MILLISECONDS)) {
      throw new IllegalStateException("the test never opened the gate");
    }
    return result;
  }
}
