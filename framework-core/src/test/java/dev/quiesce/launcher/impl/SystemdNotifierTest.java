package dev.quiesce.launcher.impl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.config.ConfigException;
import dev.quiesce.lifecycle.EventBusContract;
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
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
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

  /**
   * An upgrade that said {@code done} makes this process silent (the successor is the main process);
   * a {@code failed} after it (a stop ended the successor accepted an instant before) makes it speak
   * for the service again: its stop says {@code STOPPING=1}.
   */
  @Test
  void aFailedUpgradeAfterADoneOneMakesThisProcessSpeakForTheServiceAgain() throws Exception {
    try (NotifyReceiver systemd = NotifyReceiver.bind(dir.resolve("notify"))) {
      LifecycleCoordinator coordinator = running(systemd, () -> Future.succeededFuture(new JsonObject()));
      vertx.eventBus().publish(EventBusContract.EVENTS, new JsonObject().put("type", "upgrade").put("outcome", "done"));
      vertx.eventBus().publish(EventBusContract.EVENTS, new JsonObject().put("type", "upgrade")
          .put("outcome", "failed"));

      coordinator.trigger(LifecycleCommand.STOP, Trigger.SIGNAL, "SIGTERM");

      systemd.await("STOPPING=1", Duration.ofSeconds(10), d -> d.has("STOPPING=1"));
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

  /**
   * Review finding 4: READY=1 went out in one datagram with a STATUS of any length; systemd drops a
   * datagram over 4096 bytes whole, so a long reload error lost the READY=1 (the receiver, as systemd,
   * drops what it would have to cut).
   */
  @Test
  void aLongReloadErrorStillGivesAReadyReceivedWhole() throws Exception {
    String error = "é".repeat(3000) + " 😀".repeat(1000);
    try (NotifyReceiver systemd = NotifyReceiver.bind(dir.resolve("notify"))) {
      LifecycleCoordinator coordinator = running(systemd,
          () -> Future.failedFuture(new ConfigException("$.http.port", error)));
      String status = readyAfterReload(systemd, coordinator).value("STATUS").orElseThrow();
      assertThat(status).startsWith("running; the last reload failed: ").endsWith("…");
      assertThat(("STATUS=" + status).getBytes(StandardCharsets.UTF_8).length)
          .isLessThanOrEqualTo(SystemdNotifier.STATUS_MAX_BYTES);
      assertThat(systemd.truncated()).isZero();
    }
  }

  /** A STATUS is cut on a character boundary: a surrogate pair stays whole or goes whole. */
  @Test
  void aLongStatusIsCutBetweenCharacters() {
    for (int prefix = 0; prefix < 4; prefix++) {
      String cut = SystemdNotifier.capStatus("STATUS=" + "x".repeat(prefix) + "😀".repeat(1000));
      assertThat(cut.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(SystemdNotifier.STATUS_MAX_BYTES);
      assertThat(cut).endsWith("😀…");
    }
    assertThat(SystemdNotifier.capStatus("READY=1")).isEqualTo("READY=1");
  }

  /** Review finding 7: the reload's outcome was read with the default locale's upper case ("FAİLED" in Turkish). */
  @Test
  void aFailedReloadIsToldUnderATurkishLocale() throws Exception {
    Locale before = Locale.getDefault();
    Locale.setDefault(new Locale("tr"));
    try (NotifyReceiver systemd = NotifyReceiver.bind(dir.resolve("notify"))) {
      LifecycleCoordinator coordinator = running(systemd,
          () -> Future.failedFuture(new ConfigException("$.http.port", "must be a number")));
      assertThat(readyAfterReload(systemd, coordinator).value("STATUS").orElseThrow())
          .startsWith("running; the last reload failed: ").contains("$.http.port");
    } finally {
      Locale.setDefault(before);
    }
  }

  /** Without NOTIFY_SOCKET no consumer is registered: the lifecycle events and the signals have no handler. */
  @Test
  void withoutNotifySocketNothingIsMade() {
    Future<Void> started = SystemdNotifier.startIfAsked(vertx, Map.of("WATCHDOG_USEC", "100000"));
    assertThat(started.succeeded()).as("done at once, nothing to wait for").isTrue();
    for (String address : List.of(EventBusContract.EVENTS, EventBusContract.SIGNALS)) {
      Throwable failure = Await.failure(vertx.eventBus().request(address, new JsonObject()));
      assertThat(failure).as(address).isInstanceOf(ReplyException.class);
      assertThat(((ReplyException) failure).failureType()).as(address).isEqualTo(ReplyFailure.NO_HANDLERS);
    }
  }
}
