package dev.quiesce.process;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.testing.Await;
import dev.quiesce.testing.Timing;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Many children stop in parallel, not one after another. */
@Tag("slow")
class FanOutTest extends ProcessTestBase {

  @Test
  void twoHundredChildrenThatEachNeedOneSecondToCleanUpAllStopWithinStopTimeout() {
    FakeCoordinator coordinator = new FakeCoordinator(vertx);
    long t0 = System.nanoTime();
    deploy(ChildFixture.config(children.group("fleet", 200, Map.of("CHILD_CLEANUP", "1")).put("stopTimeout", "5s")
        .put("outputEvents", 0)), options().setLifecycleParticipant(true));
    Await.until("200 children run", Duration.ofSeconds(60), () -> children.byRole().size() == 200);
    long startMs = (System.nanoTime() - t0) / 1_000_000;

    long t1 = System.nanoTime();
    long seq = coordinator.publish("terminate", Duration.ofSeconds(10), false, null);
    JsonObject ack = coordinator.awaitAck(seq, Duration.ofSeconds(10));
    long stopMs = (System.nanoTime() - t1) / 1_000_000;
    System.out.println("200 children: started in " + startMs + " ms, stopped in " + stopMs + " ms");

    JsonObject detail = ack.getJsonObject("detail");
    JsonArray list = detail.getJsonArray("children");
    assertThat(list).hasSize(200);
    assertThat(detail.getInteger("killed")).isZero();
    assertThat(detail.getBoolean("forced")).isFalse();
    long slowest = 0;
    for (Object o : list) {
      JsonObject c = (JsonObject) o;
      assertThat(c.getJsonObject("exit")).isEqualTo(new JsonObject().put("code", 0));
      assertThat(c.getString("step")).isEqualTo("TERM");
      assertThat(c.getLong("durationMs")).isGreaterThanOrEqualTo(1000L);
      slowest = Math.max(slowest, c.getLong("durationMs"));
    }
    System.out.println("slowest child: " + slowest + " ms");
    assertThat(stopMs).isGreaterThanOrEqualTo(1000L).isLessThanOrEqualTo(Timing.upTo(5000L));
    Await.until("no child is left", Duration.ofSeconds(5), () -> children.pids().isEmpty());
  }
}
