package dev.quiesce.lifecycle;

import static dev.quiesce.lifecycle.CoordinatorFixture.outcome;
import static dev.quiesce.lifecycle.CoordinatorFixture.phases;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.testing.Await;
import dev.quiesce.testing.Timing;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link Participants#closeOn} and {@link Participants#closeBlockingOn} with the real coordinator. */
@ExtendWith(VertxExtension.class)
class CloseOnTest {

  @Test
  void closesThatCompleteAreDoneOncePerStop(Vertx vertx) {
    CoordinatorFixture f = new CoordinatorFixture(vertx, phases("drain", "2s", "close", "2s")).deploy();
    AtomicInteger poolCloses = new AtomicInteger();
    AtomicInteger clientCloses = new AtomicInteger();
    Await.result(Participants.closeOn(vertx, "close", "db-pool", () -> {
      poolCloses.incrementAndGet();
      Promise<Void> closed = Promise.promise();
      vertx.setTimer(50, t -> closed.complete());
      return closed.future();
    }));
    Await.result(Participants.closeBlockingOn(vertx, "close", "client", clientCloses::incrementAndGet));

    JsonObject report = f.stopAndAwaitReport();

    for (String name : new String[] {"db-pool", "client"}) {
      JsonObject closed = outcome(report, "close", name);
      assertThat(closed.getString("outcome")).isEqualTo("done");
      assertThat(closed.getJsonObject("detail")).isEqualTo(new JsonObject().put("closed", true));
    }
    assertThat(outcome(report, "close", "db-pool").getLong("durationMs")).isGreaterThanOrEqualTo(50);
    assertThat(poolCloses).hasValue(1);
    assertThat(clientCloses).hasValue(1);
    assertThat(report.getString("outcome")).isEqualTo("graceful");
  }

  @Test
  void closesThatFailOrThrowAreFailedWithTheirMessage(Vertx vertx) {
    CoordinatorFixture f = new CoordinatorFixture(vertx, phases("close", "2s")).deploy();
    Await.result(Participants.closeOn(vertx, "close", "failing-pool", () -> Future.failedFuture("pool broken")));
    Await.result(Participants.closeOn(vertx, "close", "throwing-client", () -> {
      throw new IllegalStateException("client already closed");
    }));
    Await.result(Participants.closeBlockingOn(vertx, "close", "socket", () -> {
      throw new IOException("socket stuck");
    }));

    JsonObject report = f.stopAndAwaitReport();

    assertThat(outcome(report, "close", "failing-pool").getString("reason")).isEqualTo("pool broken");
    assertThat(outcome(report, "close", "throwing-client").getString("reason")).isEqualTo("client already closed");
    assertThat(outcome(report, "close", "socket").getString("reason")).isEqualTo("socket stuck");
    for (String name : new String[] {"failing-pool", "throwing-client", "socket"}) {
      assertThat(outcome(report, "close", name).getString("outcome")).isEqualTo("failed");
    }
    assertThat(report.getInteger("exitCode")).isEqualTo(3);
  }

  @Test
  void closesThatNeverCompleteAreTimedOutAtTheBudgetAndTheStopEnds(Vertx vertx) {
    CoordinatorFixture f = new CoordinatorFixture(vertx, phases("close", "400ms")).deploy();
    CountDownLatch never = new CountDownLatch(1);
    try {
      Await.result(Participants.closeOn(vertx, "close", "hung-pool", () -> Promise.promise().future()));
      Await.result(Participants.closeBlockingOn(vertx, "close", "hung-client",
          () -> never.await(Timing.upTo(30_000), TimeUnit.MILLISECONDS)));

      long start = System.currentTimeMillis();
      JsonObject report = f.stopAndAwaitReport();
      long took = System.currentTimeMillis() - start;

      for (String name : new String[] {"hung-pool", "hung-client"}) {
        JsonObject hung = outcome(report, "close", name);
        assertThat(hung.getString("outcome")).isEqualTo("timed-out");
        assertThat(hung.getLong("durationMs")).isGreaterThanOrEqualTo(400).isLessThan(Timing.upTo(400 + 1000));
      }
      assertThat(took).isGreaterThanOrEqualTo(400).isLessThan(Timing.upTo(400 + 2000));
      assertThat(report.getString("outcome")).isEqualTo("forced");
      assertThat(report.getJsonArray("problems").encode()).contains("hung-pool timed out in phase close")
          .contains("hung-client timed out in phase close");
    } finally {
      never.countDown();
    }
  }
}
