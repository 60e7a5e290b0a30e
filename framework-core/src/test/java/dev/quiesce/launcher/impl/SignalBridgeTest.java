package dev.quiesce.launcher.impl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.lifecycle.EventBusContract;
import dev.quiesce.lifecycle.LifecycleConfig;
import dev.quiesce.lifecycle.LifecycleCoordinator;
import dev.quiesce.lifecycle.LifecycleState;
import dev.quiesce.lifecycle.SignalMapping;
import dev.quiesce.signal.PosixSignal;
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

  private static LifecycleCoordinator runningCoordinator(Vertx vertx) {
    LifecycleCoordinator coordinator = new LifecycleCoordinator(LifecycleConfig.defaults());
    Await.result(vertx.deployVerticle(coordinator));
    coordinator.markRunning();
    Await.until("running", Duration.ofSeconds(5), () -> coordinator.state() == LifecycleState.RUNNING);
    return coordinator;
  }

  /** Every message on {@link EventBusContract#SIGNALS} from now on. */
  private static List<JsonObject> published(Vertx vertx) {
    List<JsonObject> published = new CopyOnWriteArrayList<>();
    Await.result(vertx.eventBus().<JsonObject>consumer(EventBusContract.SIGNALS, m -> published.add(m.body()))
        .completion());
    return published;
  }

  @Test
  void mappedSignalBecomesACommandAndEverySignalIsPublished(Vertx vertx) throws Exception {
    LifecycleCoordinator coordinator = runningCoordinator(vertx);
    List<JsonObject> published = published(vertx);

    SignalBridge.Installed installed = SignalBridge.start(vertx, coordinator,
        Map.of(PosixSignal.USR1, SignalMapping.DRAIN, PosixSignal.INT, SignalMapping.DEFAULT), Set.of(PosixSignal.WINCH),
        Duration.ZERO).installed();

    assertThat(installed.handled()).containsOnlyKeys(PosixSignal.USR1, PosixSignal.WINCH);
    assertThat(installed.reducedSignals()).isFalse();
    long pid = ProcessHandle.current().pid();
    JvmProcess.kill("WINCH", pid);
    Await.until("WINCH published", Duration.ofSeconds(5), () -> published.stream()
        .anyMatch(e -> "WINCH".equals(e.getString("signal"))));
    assertThat(coordinator.state()).isEqualTo(LifecycleState.RUNNING);

    JvmProcess.kill("USR1", pid);
    Await.until("drained by USR1", Duration.ofSeconds(5), () -> coordinator.state() == LifecycleState.DRAINING);
    // published from the signal thread to a consumer on another event loop than the coordinator's
    Await.until("USR1 published", Duration.ofSeconds(5), () -> published.stream()
        .anyMatch(e -> "USR1".equals(e.getString("signal"))));
    assertThat(published).anySatisfy(e -> {
      assertThat(e.getString("signal")).isEqualTo("USR1");
      assertThat(e.getString("action")).isEqualTo("drain");
      assertThat(e.getLong("count")).isEqualTo(1L);
    });
    assertThat(published).anySatisfy(e -> assertThat(e.getString("action")).isEqualTo("none"));
  }

  /** Issue 11: a reload's lifecycle.signals and signalDebounce take effect at once, with real signals. */
  @Test
  void remapChangesTheActionAndTheDebounceOfTheNextSignal(Vertx vertx) throws Exception {
    LifecycleCoordinator coordinator = runningCoordinator(vertx);
    List<JsonObject> published = published(vertx);
    long pid = ProcessHandle.current().pid();

    SignalBridge bridge = SignalBridge.start(vertx, coordinator, Map.of(PosixSignal.USR1, SignalMapping.DRAIN), Set.of(),
        Duration.ofMinutes(1));
    JvmProcess.kill("USR1", pid);
    Await.until("drained by USR1", Duration.ofSeconds(5), () -> coordinator.state() == LifecycleState.DRAINING);
    JvmProcess.kill("USR1", pid);
    Await.until("the second USR1 published", Duration.ofSeconds(5), () -> published.size() == 2);

    SignalBridge.Installed now = bridge.remap(Map.of(PosixSignal.USR1, SignalMapping.RESUME), Set.of(), Duration.ZERO);
    assertThat(now.handled()).containsExactly(Map.entry(PosixSignal.USR1, SignalMapping.RESUME));
    assertThat(bridge.installed()).isEqualTo(now);
    JvmProcess.kill("USR1", pid);
    Await.until("resumed by USR1", Duration.ofSeconds(5), () -> coordinator.state() == LifecycleState.RUNNING);
    Await.until("the third USR1 published", Duration.ofSeconds(5), () -> published.size() == 3);
    assertThat(published).extracting(e -> e.getString("action")).containsExactly("drain", "duplicate", "resume");
    assertThat(published).extracting(e -> e.getLong("count")).containsExactly(1L, 2L, 3L);

    assertThat(bridge.remap(Map.of(PosixSignal.USR1, SignalMapping.DEFAULT), Set.of(PosixSignal.WINCH), Duration.ZERO)
        .handled()).containsExactly(Map.entry(PosixSignal.WINCH, SignalMapping.IGNORE));
  }
}
