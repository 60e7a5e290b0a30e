package dev.quiesce.launcher.impl;

import dev.quiesce.lifecycle.EventBusContract;
import dev.quiesce.lifecycle.EventBusContract.LifecycleEvent;
import dev.quiesce.lifecycle.EventBusContract.ReloadOutcome;
import dev.quiesce.lifecycle.EventBusContract.SignalAction;
import dev.quiesce.lifecycle.EventBusContract.UpgradeOutcome;
import dev.quiesce.lifecycle.LifecycleCommand;
import dev.quiesce.lifecycle.LifecycleState;
import dev.quiesce.lifecycle.WireNamed;
import dev.quiesce.systemd.SdNotify;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells systemd (or any service manager speaking {@code sd_notify}) what the service is doing, when
 * {@code NOTIFY_SOCKET} is set; when it is not, nothing is made: no consumer, no timer, no thread.
 * It listens to the coordinator's events on {@link EventBusContract#EVENTS}, on an event-loop
 * context of its own (no deployment, so a stop does not undeploy it), and sends:
 * <ul>
 *   <li>{@code READY=1} when the state becomes {@code RUNNING} (the application's start, its ports
 *       bound, then markRunning) and when a reload ends, with the reload's failure in {@code STATUS};</li>
 *   <li>{@code RELOADING=1} with {@code MONOTONIC_USEC} (the {@code CLOCK_MONOTONIC} time that
 *       {@code Type=notify-reload} compares with its reload request) when a reload begins, and also when
 *       a signal that triggers a reload comes again within {@code lifecycle.signalDebounce} (the signal
 *       bridge drops it as a duplicate, but {@code systemctl reload} waits for an answer): then
 *       {@code READY=1} at once when no reload is running, else the running reload's {@code READY=1}
 *       answers both;</li>
 *   <li>{@code STOPPING=1} when a stop begins, then, at most once a second until it ends and only when
 *       the line changed, the phase, the participants it waits for and the time left in {@code STATUS} with {@code EXTEND_TIMEOUT_USEC} = the time left before the
 *       deadline + {@link #EXTEND_MARGIN}, so systemd's {@code TimeoutStopSec} never cuts a stop that
 *       is within Quiesce's deadline;</li>
 *   <li>{@code WATCHDOG=1} at half of {@code WATCHDOG_USEC} (when {@code WATCHDOG_PID} is unset or
 *       this process) from its own event loop, one of Vert.x's: when that loop is blocked the pings stop
 *       and systemd restarts the service; a block of another event loop is not seen.</li>
 * </ul>
 * A {@code STATUS} is cut to {@link #STATUS_MAX_BYTES} (a reload's error can be long): systemd drops a
 * datagram over 4096 bytes whole, with the {@code READY=1} in it. Sends never wait (a full queue drops the
 * message), so the event loop is never blocked by systemd.
 * A message that cannot be sent is dropped (systemd gone or not listening): the service is not
 * affected.
 */
final class SystemdNotifier {

  private static final Logger LOG = LoggerFactory.getLogger("quiesce.launcher");
  /**
   * Added to the time left before the stop's deadline in {@code EXTEND_TIMEOUT_USEC}: the stop
   * watchdog's half second after the deadline, closing Vert.x and the JVM's exit.
   */
  static final Duration EXTEND_MARGIN = Duration.ofSeconds(5);
  private static final long STOP_STATUS_EVERY_MS = 1000;
  /** The most bytes of a {@code STATUS=} line, {@code STATUS=} included; a longer one is cut and ends in "…". */
  static final int STATUS_MAX_BYTES = 1024;
  private static final String STATUS = "STATUS=";
  private static final String CUT = "…";

  private final Vertx vertx;
  private final SdNotify notify;
  private String lastReload = "";
  private String stopReason = "";
  private long stopTimer = -1;
  private String lastStopStatus;
  private LifecycleState state = LifecycleState.STARTING;
  /** What each signal did when it last was not a duplicate, from {@link EventBusContract#SIGNALS}. */
  private final Map<String, SignalAction> signalActions = new HashMap<>();

  private SystemdNotifier(Vertx vertx, SdNotify notify) {
    this.vertx = vertx;
    this.notify = notify;
  }

  /**
   * Starts telling systemd when {@code env} has {@code NOTIFY_SOCKET}; sends {@code STATUS=starting}.
   *
   * @return completes when the notifier listens (before the application starts, so no state change is
   *     missed); at once, having made nothing, without {@code NOTIFY_SOCKET}
   */
  static Future<Void> startIfAsked(Vertx vertx, Map<String, String> env) {
    Optional<SdNotify> notify = SdNotify.fromEnvironment(env);
    if (notify.isEmpty()) {
      return Future.succeededFuture();
    }
    // half of the watchdog's period, as sd_watchdog_enabled(3) advises
    Optional<Long> pingEveryMs = SdNotify.watchdogPeriod(env).map(period -> Math.max(1, period.toMillis() / 2));
    SystemdNotifier notifier = new SystemdNotifier(vertx, notify.get());
    Context context = vertx.getOrCreateContext();
    Promise<Void> listening = Promise.promise();
    context.runOnContext(v -> {
      MessageConsumer<JsonObject> consumer = vertx.eventBus().localConsumer(EventBusContract.EVENTS,
          m -> notifier.onEvent(m.body()));
      vertx.eventBus().<JsonObject>localConsumer(EventBusContract.SIGNALS, m -> notifier.onSignal(m.body()));
      pingEveryMs.ifPresent(every -> vertx.setPeriodic(every, id -> notifier.send("WATCHDOG=1")));
      notifier.send("STATUS=starting");
      LOG.info("sd_notify: telling {} the service's states{}", notify.get().socket(),
          pingEveryMs.map(every -> ", WATCHDOG=1 every " + every + " ms").orElse(""));
      consumer.completion().onComplete(listening);
    });
    return listening.future();
  }

  /** Set once an upgrade handed the service over to the successor: nothing more is sent. */
  private volatile boolean handedOver;

  private void onEvent(JsonObject event) {
    Optional<LifecycleEvent> type = LifecycleEvent.fromWire(event.getString("type", ""));
    if (type.isEmpty()) {
      return;
    }
    switch (type.get()) {
      case STATE -> onState(event);
      case RELOAD -> lastReload = reloadStatus(event);
      case PHASE_START -> stopStatus();
      case UPGRADE -> {
        if (UpgradeOutcome.DONE.wireName().equals(event.getString("outcome"))) {
          // the successor is the service's main process now (MAINPID=, sent when it said ready): this
          // process's own stop is not the service's, so systemd hears nothing more from it
          handedOver = true;
        } else if (UpgradeOutcome.FAILED.wireName().equals(event.getString("outcome"))) {
          // a stop ended a successor accepted an instant before: this process is the main one again
          handedOver = false;
        }
      }
      default -> {
        // the other events change nothing systemd is told
      }
    }
  }

  /**
   * A signal that triggers a reload, again within the debounce: the bridge drops it, but the service
   * manager that sent it waits for {@code RELOADING=1} and {@code READY=1}.
   */
  private void onSignal(JsonObject signal) {
    String name = signal.getString("signal", "");
    Optional<SignalAction> action = SignalAction.fromWire(signal.getString("action", ""));
    if (action.isEmpty()) {
      return;
    }
    if (action.get() != SignalAction.DUPLICATE) {
      signalActions.put(name, action.get());
    } else if (signalActions.get(name) == SignalAction.RELOAD && (state == LifecycleState.RUNNING
        || state == LifecycleState.DRAINING || state == LifecycleState.RELOADING)) {
      send("RELOADING=1", "MONOTONIC_USEC=" + monotonicMicros());
      if (state != LifecycleState.RELOADING) {
        send("READY=1");
      }
    }
  }

  private void onState(JsonObject event) {
    LifecycleState from = LifecycleState.valueOf(event.getString("from"));
    LifecycleState to = LifecycleState.valueOf(event.getString("to"));
    state = to;
    String reason = event.getString("reason", "");
    switch (to) {
      case RUNNING -> send("READY=1", "STATUS=running" + lastReload);
      case DRAINING -> send(from == LifecycleState.RELOADING ? "READY=1" : null,
          "STATUS=draining (" + reason + ")" + lastReload);
      case RELOADING -> {
        lastReload = "";
        send("RELOADING=1", "MONOTONIC_USEC=" + monotonicMicros(), "STATUS=reloading (" + reason + ")");
      }
      case STOPPING -> {
        stopReason = reason;
        send("STOPPING=1", "STATUS=stopping (" + reason + ")");
        stopStatus();
        stopTimer = vertx.setPeriodic(STOP_STATUS_EVERY_MS, id -> stopStatus());
      }
      case STOPPED -> {
        vertx.cancelTimer(stopTimer);
        send("STATUS=stopped: " + reason);
      }
      default -> {
        // STARTING is where it begins
      }
    }
  }

  /**
   * Asks the coordinator for its status and, when the line changed, tells the phase and the time
   * left, extending systemd's stop timeout to the deadline and the margin.
   */
  private void stopStatus() {
    vertx.eventBus().<JsonObject>request(EventBusContract.COMMANDS,
            new JsonObject().put("command", LifecycleCommand.STATUS.wireName()),
            EventBusContract.nodeLocal().setSendTimeout(STOP_STATUS_EVERY_MS))
        .onSuccess(reply -> {
          JsonObject status = reply.body();
          Long left = status.getLong("timeLeftMs");
          if (left == null) {
            return;
          }
          JsonArray waiting = status.getJsonArray("waitingFor", new JsonArray());
          String line = "STATUS=stopping (" + stopReason + "): phase " + status.getString("phase")
              + (waiting.isEmpty() ? "" : " waiting for " + String.join(", ", waiting.stream().map(String::valueOf)
                  .toList())) + ", " + (left + 999) / 1000 + " s left";
          if (!line.equals(lastStopStatus)) {
            lastStopStatus = line;
            send(line, "EXTEND_TIMEOUT_USEC=" + TimeUnit.MILLISECONDS.toMicros(left + EXTEND_MARGIN.toMillis()));
          }
        });
  }

  private static String reloadStatus(JsonObject event) {
    ReloadOutcome outcome = WireNamed.fromWire(ReloadOutcome.class, event.getString("outcome", "done"))
        .orElse(ReloadOutcome.FAILED);
    return switch (outcome) {
      case DONE -> "";
      // a suffix of a STATUS= line, which send() flattens to one line
      case FAILED -> "; the last reload failed: " + event.getString("error", "unknown error");
      case PARTIAL -> "; the last reload was partial: " + notDone(event);
    };
  }

  /** The participants that did not answer {@code done} to a reload, with their outcomes. */
  private static String notDone(JsonObject event) {
    List<String> out = new ArrayList<>();
    event.getJsonArray("participants", new JsonArray()).forEach(p -> {
      JsonObject participant = (JsonObject) p;
      String outcome = participant.getString("outcome", "");
      if (!"done".equals(outcome) && !"unregistered".equals(outcome)) {
        out.add(participant.getString("participant", "?") + " " + outcome);
      }
    });
    return String.join(", ", out);
  }

  private static String oneLine(String text) {
    return text.replaceAll("\\s+", " ").strip();
  }

  /** {@code line} if it is no {@code STATUS} over {@link #STATUS_MAX_BYTES}; else cut on a character boundary. */
  static String capStatus(String line) {
    if (!line.startsWith(STATUS) || line.length() * 3L <= STATUS_MAX_BYTES
        || line.getBytes(StandardCharsets.UTF_8).length <= STATUS_MAX_BYTES) {
      return line;
    }
    CharBuffer in = CharBuffer.wrap(line);
    // the encoder stops before a character (a surrogate pair whole) that does not fit
    StandardCharsets.UTF_8.newEncoder().encode(in,
        ByteBuffer.allocate(STATUS_MAX_BYTES - CUT.getBytes(StandardCharsets.UTF_8).length), true);
    return line.substring(0, in.position()) + CUT;
  }

  /** {@code CLOCK_MONOTONIC} in µs: HotSpot's {@code System.nanoTime()} reads that clock on Linux. */
  private static long monotonicMicros() {
    return System.nanoTime() / 1000;
  }

  /**
   * One datagram of the non-null assignments, a {@code STATUS} cut to {@link #STATUS_MAX_BYTES}; a
   * failure is dropped, as {@code sd_notify} callers do.
   */
  private void send(String... assignments) {
    if (handedOver) {
      return;
    }
    String[] lines = Arrays.stream(assignments).filter(Objects::nonNull).map(SystemdNotifier::oneLine)
        .map(SystemdNotifier::capStatus).toArray(String[]::new);
    if (!notify.send(lines)) {
      LOG.debug("sd_notify: could not send {} to {}", String.join(" ", lines), notify.socket());
    }
  }
}
