package dev.quiesce.signal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.lifecycle.EventBusContract;
import dev.quiesce.lifecycle.LifecycleConfig;
import dev.quiesce.lifecycle.LifecycleCoordinator;
import dev.quiesce.lifecycle.LifecycleState;
import dev.quiesce.testing.Await;
import dev.quiesce.testing.JvmProcess;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Real signals sent with {@code kill} to this test JVM. Only WINCH and USR1 are used: TERM,
 * INT and HUP handlers would change how the test JVM itself stops.
 */
@ExtendWith(VertxExtension.class)
class SignalBridgeTest {

  @Test
  void mappedSignalBecomesACommandAndEverySignalIsPublished(Vertx vertx) throws Exception {
    LifecycleCoordinator coordinator = new LifecycleCoordinator(LifecycleConfig.defaults());
    Await.result(vertx.deployVerticle(coordinator));
    coordinator.markRunning();
    Await.until("running", Duration.ofSeconds(5), () -> coordinator.state() == LifecycleState.RUNNING);
    List<JsonObject> published = new CopyOnWriteArrayList<>();
    Await.result(vertx.eventBus().<JsonObject>consumer(EventBusContract.SIGNALS, m -> published.add(m.body()))
        .completion());

    SignalBridge.Installed installed = SignalBridge.install(vertx, coordinator,
        Map.of("USR1", "drain", "INT", "default"), Set.of("WINCH"), Duration.ZERO);

    assertThat(installed.handled()).containsOnlyKeys("USR1", "WINCH");
    assertThat(installed.reducedSignals()).isFalse();
    long pid = ProcessHandle.current().pid();
    JvmProcess.kill("WINCH", pid);
    Await.until("WINCH published", Duration.ofSeconds(5), () -> published.stream()
        .anyMatch(e -> "WINCH".equals(e.getString("signal"))));
    assertThat(coordinator.state()).isEqualTo(LifecycleState.RUNNING);

    JvmProcess.kill("USR1", pid);
    Await.until("drained by USR1", Duration.ofSeconds(5), () -> coordinator.state() == LifecycleState.DRAINING);
    assertThat(published).anySatisfy(e -> {
      assertThat(e.getString("signal")).isEqualTo("USR1");
      assertThat(e.getString("action")).isEqualTo("drain");
      assertThat(e.getLong("count")).isEqualTo(1L);
    });
    assertThat(published).anySatisfy(e -> assertThat(e.getString("action")).isEqualTo("none"));
  }
}
