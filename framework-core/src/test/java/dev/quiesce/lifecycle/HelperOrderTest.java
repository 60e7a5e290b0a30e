package dev.quiesce.lifecycle;

import static dev.quiesce.lifecycle.CoordinatorFixture.outcome;
import static dev.quiesce.lifecycle.CoordinatorFixture.phases;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.testing.Await;
import dev.quiesce.testing.RecordingParticipant;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServerOptions;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code after} declared by the built-in helpers: {@code closeOn}, {@code closeBlockingOn},
 * {@link BlockingWork}, {@link PeriodicTimers}, draining consumers and {@link DrainingNetServer}, with the
 * real coordinator.
 */
@ExtendWith(VertxExtension.class)
class HelperOrderTest {

  private static final Set<String> AFTER_HTTP = Set.of("http");

  /** What happened, in order: "http heard/answered drain", "to X" (a phase message for X), "X closing". */
  private final List<String> journal = new CopyOnWriteArrayList<>();

  private void journalPhaseMessages(Vertx vertx) {
    vertx.eventBus().<JsonObject>consumer(EventBusContract.PHASE, m -> {
      if (m.body().getValue("participants") instanceof JsonArray to) {
        to.forEach(name -> journal.add("to " + name));
      }
    });
  }

  @Test
  void everyHelperHearsThePhaseOnlyOnceTheParticipantItIsAfterAnswered(Vertx vertx) {
    CoordinatorFixture f = new CoordinatorFixture(vertx, phases("drain", "5s")).deploy();
    journalPhaseMessages(vertx);
    Await.result(Participants.register(vertx,
        new RecordingParticipant(vertx, "http", "drain").delay("drain", 300).journal(journal)));
    Await.result(Participants.closeOn(vertx, "drain", "db-pool", AFTER_HTTP, () -> {
      journal.add("db-pool closing");
      return Future.succeededFuture();
    }));
    Await.result(Participants.closeBlockingOn(vertx, "drain", "kafka", AFTER_HTTP,
        () -> journal.add("kafka closing")));
    Await.result(Participants.register(vertx, BlockingWork.create(vertx, "imports", "drain", AFTER_HTTP)));
    PeriodicTimers timers = PeriodicTimers.create(vertx, "refresh", "drain", AFTER_HTTP);
    Await.result(Participants.register(vertx, timers));
    timers.setPeriodic(Duration.ofHours(1), id -> { });
    DrainingConsumer<String> jobs = QuiesceEventBus.consumer(vertx, "jobs", msg -> msg.reply("ok"),
        new DrainingConsumerOptions().setAfter(AFTER_HTTP));
    Await.result(jobs.completion());
    Await.result(DrainingNetServer.create(vertx, new NetServerOptions().setHost("127.0.0.1").setPort(0),
        socket -> { }, new DrainingNetServerOptions().setName("tcp").setAfter(AFTER_HTTP)).listen());

    JsonObject report = f.stopAndAwaitReport();

    int httpAnswered = journal.indexOf("http answered drain");
    assertThat(httpAnswered).as("journal %s", journal).isNotNegative();
    for (String helper : List.of("db-pool", "kafka", "imports", "refresh", "eventbus:jobs", "tcp")) {
      assertThat(journal.indexOf("to " + helper)).as("%s in %s", helper, journal).isGreaterThan(httpAnswered);
      assertThat(outcome(report, "drain", helper).getString("outcome")).as(helper).isEqualTo("done");
      assertThat(outcome(report, "drain", helper).getLong("durationMs")).as(helper).isGreaterThanOrEqualTo(300);
    }
    assertThat(journal.indexOf("db-pool closing")).isGreaterThan(httpAnswered);
    assertThat(journal.indexOf("kafka closing")).isGreaterThan(httpAnswered);
    assertThat(outcome(report, "drain", "refresh").getJsonObject("detail")).isEqualTo(new JsonObject().put("cancelled", 1));
    assertThat(report.getString("outcome")).isEqualTo("graceful");
  }

  @Test
  void aHelperAfterANameNobodyRegisteredIsRefusedAtStartWithTheName(Vertx vertx) {
    CoordinatorFixture f = new CoordinatorFixture(vertx, phases("close", "2s")).deployStarting();
    Await.result(Participants.closeOn(vertx, "close", "db-pool", Set.of("htp"), Future::succeededFuture));
    f.participant("http", "close");

    Throwable refused = Await.failure(f.coordinator.markRunning());

    assertThat(refused).hasMessageContaining("participant db-pool is after [htp], which no participant registered");
    assertThat(f.coordinator.state()).isEqualTo(LifecycleState.STARTING);
  }

  @Test
  void helpersAfterEachOtherInACycleAreRefusedAtStartWithTheCycle(Vertx vertx) {
    CoordinatorFixture f = new CoordinatorFixture(vertx, phases("drain", "2s")).deployStarting();
    Await.result(Participants.register(vertx, BlockingWork.create(vertx, "imports", "drain", Set.of("jobs"))));
    DrainingConsumer<String> jobs = QuiesceEventBus.consumer(vertx, "jobs", msg -> msg.reply("ok"),
        new DrainingConsumerOptions().setName("jobs").setAfter(Set.of("imports")));
    Await.result(jobs.completion());

    Throwable refused = Await.failure(f.coordinator.markRunning());

    assertThat(refused.getMessage()).containsAnyOf("cycle: imports after jobs after imports",
        "cycle: jobs after imports after jobs");
    assertThat(f.coordinator.state()).isEqualTo(LifecycleState.STARTING);
  }
}
