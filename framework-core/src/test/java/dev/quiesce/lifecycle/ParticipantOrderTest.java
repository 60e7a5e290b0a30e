package dev.quiesce.lifecycle;

import static dev.quiesce.lifecycle.CoordinatorFixture.outcome;
import static dev.quiesce.lifecycle.CoordinatorFixture.phase;
import static dev.quiesce.lifecycle.CoordinatorFixture.phases;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.testing.Await;
import dev.quiesce.testing.RecordingParticipant;
import dev.quiesce.testing.RecordingParticipant.Behaviour;
import dev.quiesce.testing.RecordingParticipant.Heard;
import dev.quiesce.testing.Timing;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link Participant#after()}: the order of phase messages within a phase, its budget shares, and its checks. */
@ExtendWith(VertxExtension.class)
class ParticipantOrderTest {

  private final List<String> journal = new CopyOnWriteArrayList<>();

  private RecordingParticipant register(CoordinatorFixture f, String name, String... after) {
    RecordingParticipant p = new RecordingParticipant(f.vertx, name, "drain").runsAfter(after).journal(journal);
    Await.result(Participants.register(f.vertx, p));
    return p;
  }

  /** Registers {@code http}, answering {@code phase} as {@code behaviour}, and {@code db} after it; returns db. */
  private RecordingParticipant dbAfterHttp(CoordinatorFixture f, String phase, Behaviour behaviour) {
    register(f, "http").on(phase, behaviour);
    return register(f, "db", "http");
  }

  /** Registers {@code http} and {@code pool} after it; returns http's registration, to unregister it. */
  private Participants.Registration httpAndPoolAfterIt(CoordinatorFixture f) {
    Participants.Registration http = Await.result(Participants.register(f.vertx,
        new RecordingParticipant(f.vertx, "http", "drain")));
    register(f, "pool", "http");
    return http;
  }

  private static List<JsonObject> phaseMessages(Vertx vertx) {
    List<JsonObject> messages = new CopyOnWriteArrayList<>();
    vertx.eventBus().<JsonObject>consumer(EventBusContract.PHASE, m -> messages.add(m.body()));
    return messages;
  }

  @Test
  void aParticipantHearsThePhaseOnlyAfterThoseItIsAfterHaveAnswered(Vertx vertx) {
    CoordinatorFixture f = new CoordinatorFixture(vertx, phases("drain", "5s")).deploy();
    List<JsonObject> messages = phaseMessages(vertx);
    register(f, "http").delay("drain", 300);
    register(f, "db", "http");
    register(f, "metrics", "db");
    register(f, "cache");

    JsonObject report = f.stopAndAwaitReport();

    assertThat(journal.indexOf("http answered drain")).isLessThan(journal.indexOf("db heard drain"));
    assertThat(journal.indexOf("db answered drain")).isLessThan(journal.indexOf("metrics heard drain"));
    // without an order, side by side: cache hears the phase with http, not after it
    assertThat(journal.indexOf("cache heard drain")).isLessThan(journal.indexOf("http answered drain"));
    assertThat(journal).filteredOn(line -> line.endsWith("heard drain")).hasSize(4);
    // one message per deadline: http (a third of the budget: two levels after it), cache (the whole
    // phase) at once; db (two thirds) once http answered; metrics (the whole phase) once db answered
    assertThat(messages).extracting(m -> m.getJsonArray("participants"))
        .containsExactly(new JsonArray().add("http"), new JsonArray().add("cache"), new JsonArray().add("db"),
            new JsonArray().add("metrics"));
    assertThat(messages).extracting(m -> m.getLong("seq")).containsOnly(messages.get(0).getLong("seq"));
    long budget = phase(report, "drain").getLong("budgetMs");
    long phaseStart = messages.get(1).getLong("deadline") - budget;
    assertThat(messages).extracting(m -> m.getLong("deadline") - phaseStart)
        .containsExactly(budget / 3, budget, budget * 2 / 3, budget);
    for (String name : List.of("http", "cache", "db", "metrics")) {
      assertThat(outcome(report, "drain", name).getString("outcome")).as(name).isEqualTo("done");
    }
    assertThat(outcome(report, "drain", "db").getLong("durationMs")).isGreaterThanOrEqualTo(300);
    assertThat(report.getString("outcome")).isEqualTo("graceful");
  }

  @Test
  void theBudgetIsSharedAlongTheChainAndOneAfterASilentParticipantStillHearsThePhaseInTime(Vertx vertx) {
    CoordinatorFixture f = new CoordinatorFixture(vertx, phases("drain", "2s")).deploy();
    List<JsonObject> messages = phaseMessages(vertx);
    RecordingParticipant http = register(f, "http").on("drain", Behaviour.NEVER_ANSWER);
    RecordingParticipant db = register(f, "db", "http");
    RecordingParticipant cache = register(f, "cache");

    JsonObject report = f.stopAndAwaitReport();

    long start = report.getLong("start");
    // at once: http, which must answer by half the budget, and cache (nobody after it: the whole phase)
    assertThat(messages).extracting(m -> m.getJsonArray("participants").getString(0))
        .containsExactly("http", "cache", "db");
    JsonObject toHttp = messages.get(0);
    long phaseDeadline = start + phase(report, "drain").getLong("budgetMs");
    assertThat(toHttp.getLong("deadline") - start).isBetween(950L, 1050L + Timing.upTo(100));
    assertThat(messages.get(1).getLong("deadline")).isBetween(phaseDeadline - 50, phaseDeadline + 50);
    // then db, once http missed its deadline, with the rest of the phase
    assertThat(messages.get(2).getLong("deadline")).isEqualTo(messages.get(1).getLong("deadline"));
    Heard dbHeard = db.heard().get(0);
    assertThat(dbHeard.at()).isGreaterThanOrEqualTo(toHttp.getLong("deadline"));
    assertThat(dbHeard.at() - start).isLessThan(Timing.upTo(1500));
    assertThat(dbHeard.forced()).isFalse();
    assertThat(cache.heardNames()).containsExactly("drain");
    assertThat(http.heardNames()).containsExactly("drain");
    assertThat(outcome(report, "drain", "http").getString("outcome")).isEqualTo("timed-out");
    assertThat(outcome(report, "drain", "http").getLong("durationMs")).isGreaterThanOrEqualTo(1000);
    assertThat(outcome(report, "drain", "db").getString("outcome")).isEqualTo("done");
    assertThat(phase(report, "drain").getLong("durationMs")).isLessThan(Timing.upTo(1500));
  }

  @Test
  void oneAfterAFailedParticipantHearsThePhaseAtOnce(Vertx vertx) {
    CoordinatorFixture f = new CoordinatorFixture(vertx, phases("drain", "4s")).deploy();
    dbAfterHttp(f, "drain", Behaviour.FAIL);

    JsonObject report = f.stopAndAwaitReport();

    assertThat(outcome(report, "drain", "http").getString("outcome")).isEqualTo("failed");
    assertThat(outcome(report, "drain", "db").getString("outcome")).isEqualTo("done");
    assertThat(phase(report, "drain").getLong("durationMs")).isLessThan(Timing.upTo(1000));
  }

  @Test
  void aForcedStopTellsThoseStillWaitingAtOnce(Vertx vertx) {
    CoordinatorFixture f = new CoordinatorFixture(vertx, phases("drain", "10s")).deploy();
    RecordingParticipant db = dbAfterHttp(f, "drain", Behaviour.NEVER_ANSWER);

    f.command("stop");
    Await.until("http hears drain", Timing.upTo(Duration.ofSeconds(5)), () -> journal.contains("http heard drain"));
    f.command("stop");
    JsonObject report = Await.result(f.coordinator.stopped().map(StopReport::toJson), Timing.upTo(Duration.ofSeconds(5)));

    Await.until("db hears drain", Timing.upTo(Duration.ofSeconds(5)), () -> !db.heard().isEmpty());
    assertThat(db.heard().get(0).forced()).isTrue();
    assertThat(outcome(report, "drain", "db").getString("outcome")).isEqualTo("forced");
    assertThat(phase(report, "drain").getLong("durationMs")).isLessThan(Timing.upTo(5000));
  }

  @Test
  void theStepsReachEveryParticipantAtOnce(Vertx vertx) {
    CoordinatorFixture f = new CoordinatorFixture(vertx, phases("drain", "2s")).deploy();
    RecordingParticipant db = dbAfterHttp(f, "suspend", Behaviour.NEVER_ANSWER);

    f.command("drain");

    Await.until("db hears suspend", Timing.upTo(Duration.ofSeconds(2)), () -> db.heardNames().contains("suspend"));
  }

  @Test
  void aCycleIsRefusedWhenTheApplicationIsMarkedRunningWithItsNames(Vertx vertx) {
    CoordinatorFixture f = new CoordinatorFixture(vertx, phases("drain", "2s")).deployStarting();
    register(f, "pool", "consumers");
    register(f, "consumers", "http");
    register(f, "http", "pool");

    assertThat(refusedAtStart(f)).contains("cycle: pool after consumers after http after pool");
  }

  @Test
  void aNameNobodyRegisteredIsRefusedWhenTheApplicationIsMarkedRunning(Vertx vertx) {
    CoordinatorFixture f = new CoordinatorFixture(vertx, phases("drain", "2s")).deployStarting();
    register(f, "pool", "htp");
    register(f, "http");

    assertThat(refusedAtStart(f)).contains("participant pool is after [htp], which no participant registered");
  }

  @Test
  void aParticipantMayNameOneThatRegistersLaterWhileTheApplicationStarts(Vertx vertx) {
    CoordinatorFixture f = new CoordinatorFixture(vertx, phases("drain", "2s")).deployStarting();
    register(f, "pool", "http");
    register(f, "http");

    Await.result(f.coordinator.markRunning());

    assertThat(f.coordinator.state()).isEqualTo(LifecycleState.RUNNING);
  }

  @Test
  void onceRunningARegistrationAfterAnUnknownNameOrClosingACycleIsRefusedWith409(Vertx vertx) {
    CoordinatorFixture f = new CoordinatorFixture(vertx, phases("drain", "2s")).deploy();
    Participants.Registration http = httpAndPoolAfterIt(f);

    assertThat(registrationFailure(vertx, "late", new JsonArray().add("nobody")))
        .satisfies(e -> assertThat(e.failureCode()).isEqualTo(409))
        .hasMessageContaining("participant late is after [nobody], which no participant registered");
    assertThat(registrationFailure(vertx, "self", new JsonArray().add("self")))
        .satisfies(e -> assertThat(e.failureCode()).isEqualTo(409))
        .hasMessageContaining("cycle: self after self");
    Await.result(http.unregister());
    assertThat(registrationFailure(vertx, "http", new JsonArray().add("pool")))
        .satisfies(e -> assertThat(e.failureCode()).isEqualTo(409))
        .hasMessageContaining("cycle: http after pool after http");
    assertThat(registrationFailure(vertx, "bad", "http"))
        .satisfies(e -> assertThat(e.failureCode()).isEqualTo(400))
        .hasMessageContaining("\"after\" must be an array of participant names");
    assertThat(f.command("status").getJsonArray("participants")).containsExactly("pool");
  }

  @Test
  void aParticipantAfterOneThatUnregisteredLeavesLaterRegistrationsFreeButNotThoseAfterAnUnknownName(Vertx vertx) {
    CoordinatorFixture f = new CoordinatorFixture(vertx, phases("drain", "2s")).deployStarting();
    Participants.Registration http = httpAndPoolAfterIt(f);
    Await.result(f.coordinator.markRunning());
    Await.result(http.unregister());

    // pool's "after http" now names nobody: that is pool's edge, not the newcomer's problem
    register(f, "metrics");
    register(f, "cache", "pool");

    assertThat(registrationFailure(vertx, "late", new JsonArray().add("http")))
        .satisfies(e -> assertThat(e.failureCode()).isEqualTo(409))
        .hasMessageContaining("participant late is after [http], which no participant registered")
        .hasMessageNotContaining("participant pool");
    assertThat(f.command("status").getJsonArray("participants")).containsExactly("pool", "metrics", "cache");
  }

  @Test
  void anAcknowledgementFromAParticipantNotToldYetIsIgnored(Vertx vertx) {
    CoordinatorFixture f = new CoordinatorFixture(vertx, phases("drain", "5s")).deploy();
    List<JsonObject> messages = phaseMessages(vertx);
    register(f, "http").delay("drain", 500);
    RecordingParticipant db = register(f, "db", "http");
    f.command("stop");
    Await.until("http hears drain", Timing.upTo(Duration.ofSeconds(5)), () -> journal.contains("http heard drain"));

    // a raw event-bus participant answering before its turn: not counted, so the phase still waits for
    // http, then tells db, whose own answer is the one recorded
    vertx.eventBus().send(EventBusContract.ACK, new JsonObject().put("participant", "db")
        .put("seq", messages.get(0).getLong("seq")).put("phase", "drain").put("outcome", "done"));
    JsonObject report = Await.result(f.coordinator.stopped().map(StopReport::toJson), Timing.upTo(Duration.ofSeconds(10)));

    assertThat(db.heardNames()).containsExactly("drain");
    assertThat(db.heard().get(0).forced()).isFalse();
    assertThat(journal.indexOf("http answered drain")).isNotNegative().isLessThan(journal.indexOf("db heard drain"));
    assertThat(outcome(report, "drain", "db").getString("outcome")).isEqualTo("done");
    assertThat(outcome(report, "drain", "db").getLong("durationMs")).isGreaterThanOrEqualTo(500);
  }

  /** Marks the application running, which must fail and leave it starting; the failure's message. */
  private static String refusedAtStart(CoordinatorFixture f) {
    Throwable refused = Await.failure(f.coordinator.markRunning());
    assertThat(f.coordinator.state()).isEqualTo(LifecycleState.STARTING);
    return refused.getMessage();
  }

  /** The failure a registration of {@code name} with {@code "after": after} is answered with. */
  private static ReplyException registrationFailure(Vertx vertx, String name, Object after) {
    JsonObject registration = new JsonObject().put("participant", name).put("phases", new JsonArray())
        .put("after", after);
    Throwable t = Await.failure(vertx.eventBus().request(EventBusContract.REGISTER, registration));
    assertThat(t).isInstanceOf(ReplyException.class);
    return (ReplyException) t;
  }
}
