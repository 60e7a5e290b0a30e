package dev.quiesce.launcher.impl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.config.ConfigException;
import dev.quiesce.lifecycle.LifecycleCommand;
import dev.quiesce.lifecycle.LifecycleConfig;
import dev.quiesce.lifecycle.LifecycleCoordinator;
import dev.quiesce.lifecycle.Participants;
import dev.quiesce.lifecycle.Steps;
import dev.quiesce.lifecycle.Trigger;
import dev.quiesce.testing.Await;
import dev.quiesce.testing.NotifyReceiver;
import dev.quiesce.testing.RecordingParticipant;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link SystemdNotifier} on a real Vert.x, read by a real datagram socket. */
class SystemdNotifierTest {

  private final Vertx vertx = Vertx.vertx();

  @TempDir
  Path dir;

  @AfterEach
  void close() {
    Await.result(vertx.close());
  }

  /** A coordinator running with a reload that reads {@code fresh} each time, and the notifier on {@code systemd}. */
  private LifecycleCoordinator running(NotifyReceiver systemd, Supplier<Future<JsonObject>> fresh) {
    LifecycleCoordinator coordinator = new LifecycleCoordinator(LifecycleConfig.from(new JsonObject()))
        .reloadWith(fresh::get);
    Await.result(vertx.deployVerticle(coordinator, new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER)));
    Await.result(SystemdNotifier.startIfAsked(vertx, Map.of("NOTIFY_SOCKET", systemd.path().toString())));
    Await.result(coordinator.markRunning());
    systemd.await("READY=1", Duration.ofSeconds(5), d -> d.has("READY=1"));
    return coordinator;
  }

  private static NotifyReceiver.Datagram readyAfterReload(NotifyReceiver systemd, LifecycleCoordinator coordinator) {
    coordinator.trigger(LifecycleCommand.RELOAD, Trigger.SIGNAL, "SIGHUP");
    NotifyReceiver.Datagram reloading = systemd.await("RELOADING=1", Duration.ofSeconds(5), d -> d.has("RELOADING=1"));
    return systemd.await("READY=1 after the reload", Duration.ofSeconds(5),
        d -> d.has("READY=1") && d.readAtNanos() > reloading.readAtNanos());
  }

  @Test
  void aFailedReloadIsReadyAgainWithItsErrorInTheStatus() throws Exception {
    try (NotifyReceiver systemd = NotifyReceiver.bind(dir.resolve("notify"))) {
      LifecycleCoordinator coordinator = running(systemd,
          () -> Future.failedFuture(new ConfigException("$.http.port", "must be a number,\n not \"x\"")));
      assertThat(readyAfterReload(systemd, coordinator).value("STATUS").orElseThrow())
          .startsWith("running; the last reload failed: ").contains("$.http.port").doesNotContain("\n");
    }
  }

  @Test
  void aPartialReloadNamesWhoDidNotApplyIt() throws Exception {
    try (NotifyReceiver systemd = NotifyReceiver.bind(dir.resolve("notify"))) {
      LifecycleCoordinator coordinator = running(systemd, () -> Future.succeededFuture(new JsonObject()));
      Await.result(Participants.register(vertx, new RecordingParticipant(vertx, "cache", "drain")
          .on(Steps.RELOAD, RecordingParticipant.Behaviour.FAIL)));
      assertThat(readyAfterReload(systemd, coordinator).value("STATUS").orElseThrow())
          .isEqualTo("running; the last reload was partial: cache failed");
    }
  }

  @Test
  void withoutNotifySocketNothingIsMadeAndNothingSent() throws Exception {
    try (NotifyReceiver systemd = NotifyReceiver.bind(dir.resolve("notify"))) {
      Future<Void> started = SystemdNotifier.startIfAsked(vertx, Map.of("WATCHDOG_USEC", "100000"));
      assertThat(started.succeeded()).as("done at once, nothing to wait for").isTrue();
      // a watchdog of 100 ms would have pinged about ten times in a second
      Thread.sleep(1000); // NOSONAR: proving silence needs a span of time
      assertThat(systemd.received()).isEmpty();
    }
  }

  @Test
  void aWatchdogMeantForAnotherProcessIsNotPinged() throws Exception {
    try (NotifyReceiver systemd = NotifyReceiver.bind(dir.resolve("notify"))) {
      Await.result(SystemdNotifier.startIfAsked(vertx, Map.of("NOTIFY_SOCKET", systemd.path().toString(),
          "WATCHDOG_USEC", "100000", "WATCHDOG_PID", "1")));
      systemd.await("STATUS=starting", Duration.ofSeconds(5), d -> d.has("STATUS=starting"));
      Thread.sleep(1000); // NOSONAR: proving silence needs a span of time
      assertThat(systemd.received()).noneMatch(d -> d.has("WATCHDOG=1"));
    }
  }
}
