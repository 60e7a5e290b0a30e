package dev.quiesce.lifecycle;

import static dev.quiesce.lifecycle.CoordinatorFixture.outcome;
import static dev.quiesce.lifecycle.CoordinatorFixture.phases;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiesce.testing.Await;
import dev.quiesce.testing.RecordingParticipant;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link PeriodicTimers} with a real Vert.x and the real coordinator. Each stop is held open by a
 * participant that answers its phase late, so that an uncancelled timer would tick several more
 * times before the report: the window in which no tick may come is that stop, not a sleep.
 */
@ExtendWith(VertxExtension.class)
class PeriodicTimersTest {

  private static final long PERIOD_MS = 100;

  @Test
  void aPeriodicTimerStopsFiringWhenAnnounceBegins(Vertx vertx) {
    CoordinatorFixture f = new CoordinatorFixture(vertx, phases("announce", "2s", "drain", "2s")).deploy();
    PeriodicTimers timers = PeriodicTimers.create(vertx, "refresh");
    Await.result(Participants.register(vertx, timers));
    f.participant("slow-drain", "drain").delay("drain", 6 * PERIOD_MS);
    List<Long> ticks = new CopyOnWriteArrayList<>();
    // the stop is asked for from the third tick: the next one is a whole period away from the phase's start
    timers.setPeriodic(Duration.ofMillis(PERIOD_MS), id -> {
      ticks.add(System.currentTimeMillis());
      if (ticks.size() == 3) {
        // not f.command: that would block this event loop until the reply, which comes on it
        vertx.eventBus().request(EventBusContract.COMMANDS, new JsonObject().put("command", "stop"));
      }
    });
    long idle = timers.setPeriodic(Duration.ofHours(1), id -> ticks.add(-1L));
    assertThat(timers.active()).isEqualTo(2);

    JsonObject report = Await.result(f.coordinator.stopped().map(StopReport::toJson), Duration.ofSeconds(10));

    long announceBegan = phaseStart(f, "announce");
    // the stop is asked for at the third tick; on a loaded machine a fourth may come before its
    // round trip ends and announce begins, which is legitimate: what must not come is a tick after
    assertThat(ticks).hasSizeGreaterThanOrEqualTo(3).doesNotContain(-1L)
        .allSatisfy(t -> assertThat(t).isLessThanOrEqualTo(announceBegan));
    assertThat(report.getLong("end") - announceBegan).as("the stop lasted several periods")
        .isGreaterThanOrEqualTo(6 * PERIOD_MS);
    assertThat(outcome(report, "announce", "refresh").getJsonObject("detail"))
        .isEqualTo(new JsonObject().put("cancelled", 2));
    assertThat(timers.active()).isZero();
    assertThat(timers.cancel(idle)).isFalse();
    assertThatThrownBy(() -> timers.setPeriodic(Duration.ofMillis(PERIOD_MS), id -> ticks.add(-2L)))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("refresh").hasMessageContaining("announce");
  }

  @Test
  void timersNamedForALaterPhaseTickThroughAnnounceAndStopAtThatPhase(Vertx vertx) {
    CoordinatorFixture f = new CoordinatorFixture(vertx, phases("announce", "5s", "drain", "5s")).deploy();
    PeriodicTimers timers = PeriodicTimers.create(vertx, "poller", "drain");
    Await.result(Participants.register(vertx, timers));
    RecordingParticipant held = f.participant("held", "announce", "drain")
        .delay("announce", 4 * PERIOD_MS).delay("drain", 6 * PERIOD_MS);
    List<Long> ticks = new CopyOnWriteArrayList<>();
    timers.setPeriodic(Duration.ofMillis(PERIOD_MS), id -> ticks.add(System.currentTimeMillis()));
    long cancelledBefore = timers.setPeriodic(Duration.ofMillis(PERIOD_MS), id -> { });
    assertThat(timers.cancel(cancelledBefore)).isTrue();

    JsonObject report = f.stopAndAwaitReport();

    long announceBegan = phaseStart(f, "announce");
    long drainBegan = phaseStart(f, "drain");
    assertThat(ticks).as("ticks during announce").anySatisfy(t -> assertThat(t).isBetween(announceBegan, drainBegan));
    // a tick due in the moment the drain message travels to the timers may still run: at most that one
    assertThat(ticks).allSatisfy(t -> assertThat(t).isLessThan(drainBegan + PERIOD_MS));
    assertThat(outcome(report, "drain", "poller").getJsonObject("detail"))
        .isEqualTo(new JsonObject().put("cancelled", 1));
    assertThat(held.heardNames()).containsExactly("announce", "drain");
  }

  @Test
  void durationsUnderOneMillisecondAreRefused(Vertx vertx) {
    PeriodicTimers timers = PeriodicTimers.create(vertx, "bad");
    assertThatThrownBy(() -> timers.setPeriodic(Duration.ZERO, id -> { }))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("periodic timers bad: initialDelay must be at least"
            + " 1 ms, was PT0S");
  }

  /** When the coordinator began {@code phase}: its deadline less its budget, from the phase-start event. */
  private static long phaseStart(CoordinatorFixture f, String phase) {
    JsonObject start = Await.value("the phase-start event of " + phase, Duration.ofSeconds(5), () -> f.events(
        "phase-start").stream().filter(e -> phase.equals(e.getString("phase"))).findFirst().orElse(null));
    return start.getLong("deadline") - start.getLong("budgetMs");
  }
}
