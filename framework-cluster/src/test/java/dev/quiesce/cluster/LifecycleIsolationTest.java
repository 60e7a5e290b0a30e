package dev.quiesce.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.lifecycle.EventBusContract;
import dev.quiesce.lifecycle.LifecycleConfig;
import dev.quiesce.lifecycle.LifecycleCoordinator;
import dev.quiesce.lifecycle.LifecycleState;
import dev.quiesce.lifecycle.Participants;
import dev.quiesce.lifecycle.StopReport;
import dev.quiesce.testing.Await;
import dev.quiesce.testing.RecordingParticipant;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two clustered instances in one JVM on 127.0.0.1: a stop of node A (its coordinator, a participant)
 * publishes nothing that node B receives, even on cluster-wide {@code consumer()}s of every Quiesce
 * address (what a user who forgot {@code localConsumer} registers), while A's own participant hears
 * every phase.
 */
class LifecycleIsolationTest {

  private final InJvmNodes nodes = new InJvmNodes();

  @AfterEach
  void closeAll() {
    nodes.close();
  }

  @Test
  void aStopOfOneNodeReachesNoConsumerOnAnother() throws IOException {
    String name = "isolation-" + ProcessHandle.current().pid();
    int portA = InJvmNodes.freePort();
    Vertx a = nodes.node(name, portA, List.of());
    Vertx b = nodes.node(name, InJvmNodes.freePort(), List.of("127.0.0.1:" + portA));
    Map<String, List<Object>> heardOnB = new ConcurrentHashMap<>();
    for (String address : EventBusContract.ADDRESSES) {
      MessageConsumer<Object> c = b.eventBus().consumer(address,
          m -> heardOnB.computeIfAbsent(address, k -> new ArrayList<>()).add(m.body()));
      Await.result(c.completion(), Duration.ofSeconds(20));
    }
    List<String> markers = new ArrayList<>();
    b.eventBus().<String>consumer("isolation.marker", m -> markers.add(m.body()));
    Await.until("a reaches b's consumers across the cluster", Duration.ofSeconds(30), () -> {
      a.eventBus().publish("isolation.marker", "before");
      return markers.contains("before");
    });

    LifecycleCoordinator coordinator = new LifecycleCoordinator(LifecycleConfig.from(new JsonObject()
        .put("lifecycle", new JsonObject().put("phases", new JsonArray()
            .add(new JsonObject().put("name", "drain").put("timeout", "2s"))
            .add(new JsonObject().put("name", "close").put("timeout", "2s"))))));
    Await.result(a.deployVerticle(coordinator, new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER)));
    RecordingParticipant participant = new RecordingParticipant(a, "worker", "drain", "close");
    Await.result(Participants.register(a, participant));
    Await.result(coordinator.markRunning());
    JsonObject reply = Await.result(a.eventBus().<JsonObject>request(EventBusContract.COMMANDS,
        new JsonObject().put("command", "stop").put("reason", "isolation test"), EventBusContract.nodeLocal()))
        .body();
    StopReport report = Await.result(coordinator.stopped(), Duration.ofSeconds(30));
    a.eventBus().publish("isolation.marker", "after");
    Await.until("the marker sent after the stop reaches b", Duration.ofSeconds(30), () -> markers.contains("after"));

    assertThat(reply.getString("state")).isNotNull();
    assertThat(coordinator.state()).isEqualTo(LifecycleState.STOPPED);
    assertThat(participant.heardNames()).containsExactly("drain", "close");
    assertThat(report.toJson().getString("outcome")).isEqualTo("graceful");
    assertThat(heardOnB).as("what b's cluster-wide consumers of Quiesce's addresses received").isEmpty();
  }
}
