package dev.quiesce.lifecycle;

import static dev.quiesce.lifecycle.CoordinatorFixture.phases;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.testing.Await;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The {@code upgrade} command in the coordinator: one at a time, refused during a stop, while starting
 * or where the {@link Upgrader} says it cannot run; a ready successor stops this process with trigger
 * {@code upgrade} and a report that names the successor's pid; a failed one leaves it running.
 * The successor is played by an {@link Upgrader} the test completes; the launcher's, which starts
 * real processes, is tested in {@code UpgradeEndToEndTest} and the example's {@code UpgradeIT}.
 */
@ExtendWith(VertxExtension.class)
class UpgradeCommandTest {

  /** An upgrader whose successor is ready (or fails) when the test says so. */
  static final class ScriptedUpgrader implements Upgrader {
    final Promise<Long> ready = Promise.promise();
    final AtomicInteger started = new AtomicInteger();
    final AtomicInteger aborted = new AtomicInteger();
    volatile Optional<String> unavailable = Optional.empty();

    @Override
    public Optional<String> unavailable() {
      return unavailable;
    }

    @Override
    public Future<Long> upgrade(String reason, LongConsumer onStarted) {
      started.incrementAndGet();
      onStarted.accept(4242);
      return ready.future();
    }

    @Override
    public Future<Void> abort(String reason) {
      aborted.incrementAndGet();
      ready.tryFail(new UpgradeFailedException("ended: " + reason, List.of()));
      return Future.succeededFuture();
    }
  }

  private static CoordinatorFixture running(Vertx vertx, ScriptedUpgrader upgrader) {
    CoordinatorFixture f = new CoordinatorFixture(vertx, phases("drain", "1s"));
    f.coordinator.upgradeWith(upgrader);
    return f.deploy();
  }

  @Test
  void aReadySuccessorStopsThisProcessWithTriggerUpgradeAndTheReportNamesItsPid(Vertx vertx) {
    ScriptedUpgrader upgrader = new ScriptedUpgrader();
    CoordinatorFixture f = running(vertx, upgrader);

    assertThat(f.command("upgrade").getBoolean("accepted")).isTrue();
    Await.until("the upgrade started", Duration.ofSeconds(5), () -> f.events("upgrade").size() == 1);
    assertThat(f.coordinator.state()).isEqualTo(LifecycleState.RUNNING);
    assertThat(f.command("status").getBoolean("upgrading")).isTrue();
    upgrader.ready.complete(4242L);

    StopReport report = Await.result(f.coordinator.stopped(), Duration.ofSeconds(10));
    assertThat(report.toJson().getString("trigger")).isEqualTo("upgrade");
    assertThat(report.reason()).isEqualTo("upgrade: successor pid 4242 is ready");
    // stopped() completes on the coordinator's thread; the events reach the fixture's consumer on another
    Await.until("the upgrade's done event", Duration.ofSeconds(5), () -> f.events("upgrade").size() == 2);
    assertThat(f.events("upgrade")).extracting(e -> e.getString("outcome")).containsExactly("started", "done");
    assertThat(f.events("upgrade").get(1).getLong("successorPid")).isEqualTo(4242L);
  }

  @Test
  void aFailedSuccessorLeavesThisProcessRunningAndTheEventSaysWhyWithItsOutput(Vertx vertx) {
    ScriptedUpgrader upgrader = new ScriptedUpgrader();
    CoordinatorFixture f = running(vertx, upgrader);

    f.command("upgrade");
    upgrader.ready.fail(new UpgradeFailedException("the successor exited with code 1", List.of("boom")));

    Await.until("the failure is published", Duration.ofSeconds(5), () -> f.events("upgrade").size() == 2);
    JsonObject failed = f.events("upgrade").get(1);
    assertThat(failed.getString("outcome")).isEqualTo("failed");
    assertThat(failed.getString("error")).isEqualTo("the successor exited with code 1");
    assertThat(failed.getJsonArray("output").getList()).containsExactly("boom");
    assertThat(f.coordinator.state()).isEqualTo(LifecycleState.RUNNING);
    assertThat(f.coordinator.stopped().isComplete()).isFalse();
    Await.until("a new upgrade is possible", Duration.ofSeconds(5),
        () -> !f.command("status").containsKey("upgrading"));
    assertThat(f.command("upgrade").getBoolean("accepted")).isTrue();
    assertThat(upgrader.started).hasValue(2);
  }

  @Test
  void oneUpgradeAtATime(Vertx vertx) {
    ScriptedUpgrader upgrader = new ScriptedUpgrader();
    CoordinatorFixture f = running(vertx, upgrader);
    f.command("upgrade");

    var refused = f.refused(new JsonObject().put("command", "upgrade"));
    assertThat(refused.failureCode()).isEqualTo(409);
    assertThat(refused.getMessage()).isEqualTo("upgrade refused: an upgrade is already running (successor process group 4242)");
    assertThat(upgrader.started).hasValue(1);
  }

  @Test
  void anUpgradeDuringAStopIsRefusedWith409(Vertx vertx) {
    ScriptedUpgrader upgrader = new ScriptedUpgrader();
    CoordinatorFixture f = new CoordinatorFixture(vertx, phases("drain", "2s"));
    f.coordinator.upgradeWith(upgrader);
    f.deploy();
    f.participant("slow", "drain").delay("drain", 1500);
    f.command("stop");

    var refused = f.refused(new JsonObject().put("command", "upgrade"));
    assertThat(refused.failureCode()).isEqualTo(409);
    assertThat(refused.getMessage()).isEqualTo("upgrade refused: the application is stopping");
    assertThat(upgrader.started).hasValue(0);
  }

  @Test
  void anUpgraderThatCannotRunRefusesWithItsReasonAndWithoutOneUpgradeIsRefused(Vertx vertx) {
    ScriptedUpgrader upgrader = new ScriptedUpgrader();
    upgrader.unavailable = Optional.of("the native epoll transport is not in use");
    CoordinatorFixture f = running(vertx, upgrader);
    var refused = f.refused(new JsonObject().put("command", "upgrade"));
    assertThat(refused.failureCode()).isEqualTo(409);
    assertThat(refused.getMessage()).isEqualTo("upgrade refused: the native epoll transport is not in use");

    CoordinatorFixture plain = new CoordinatorFixture(Vertx.vertx(), phases("drain", "1s")).deploy();
    try {
      assertThat(plain.refused(new JsonObject().put("command", "upgrade")).getMessage())
          .startsWith("upgrade refused: upgrade is not configured");
    } finally {
      Await.result(plain.vertx.close());
    }
  }

  @Test
  void aStopDuringAnUpgradeEndsTheSuccessorAndStops(Vertx vertx) {
    ScriptedUpgrader upgrader = new ScriptedUpgrader();
    CoordinatorFixture f = running(vertx, upgrader);
    f.command("upgrade");

    JsonObject report = f.stopAndAwaitReport();

    assertThat(upgrader.aborted).hasValue(1);
    assertThat(report.getString("trigger")).isEqualTo("event-bus");
    Await.until("the failure is published", Duration.ofSeconds(5), () -> f.events("upgrade").size() == 2);
    assertThat(f.events("upgrade").get(1).getString("outcome")).isEqualTo("failed");
  }
}
