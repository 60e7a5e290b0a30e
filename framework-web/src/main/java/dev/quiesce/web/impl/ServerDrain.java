package dev.quiesce.web.impl;

import dev.quiesce.web.impl.RequestTracker.Tracked;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.ServerWebSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One drain of one server, from its start to its result: the {@code Connection: close} window,
 * the shutdown at a quiet moment, the streams and WebSockets told to go, the cut at the budget,
 * and the counts of {@link DrainResult}. Runs on the server's event loop, with the
 * {@link RequestTracker} whose connections and requests it drains.
 */
final class ServerDrain {

  private static final Logger LOG = LoggerFactory.getLogger(ServerDrain.class);

  private static final long CHECK_PERIOD_MS = 20;
  private static final long QUIET_WAIT_MS = 250;
  private static final long FRESH_NANOS = 250_000_000L;

  private final RequestTracker tracker;
  private final Vertx vertx;
  private final long start = System.currentTimeMillis();
  private final Promise<DrainResult> result = Promise.promise();
  private final long inFlightAtStart;
  /** The plan; a stop reaching this drain may tighten its budget ({@link #tighten}). */
  private DrainPlan plan;
  private long accepted;
  private long completed;
  private long aborted;
  private long connectionsClosed;
  private long websockets;
  private long streams;
  private Future<Void> shutdown;
  private boolean finished;
  /** Set while {@link #abortAll} counts requests: their ends must not end the drain midway. */
  private boolean checking;
  private final List<Long> timers = new ArrayList<>();
  /** The timers that end the drain: the abort at the budget and the settle time after it. */
  private final List<Long> deadlineTimers = new ArrayList<>(2);

  ServerDrain(RequestTracker tracker, DrainPlan plan) {
    this.tracker = tracker;
    this.vertx = tracker.vertx;
    this.plan = plan;
    this.inFlightAtStart = tracker.inFlight.size();
  }

  /** The drain's result: complete once everything is done, or cut at the budget and settled. */
  Future<DrainResult> result() {
    return result.future();
  }

  /** Starts the drain (see {@link RequestTracker#drain}). */
  void begin() {
    long budget = plan.budgetLeftMs();
    long window = Math.min(plan.windowMs(), budget / 2);
    if (window <= 0) {
      shutdownServer();
    }
    for (Tracked t : List.copyOf(tracker.inFlight.values())) {
      prepare(t);
      notifyStream(t);
    }
    for (ServerWebSocket ws : List.copyOf(tracker.webSockets.keySet())) {
      goAway(ws);
    }
    if (window > 0) {
      long quietUntil = System.currentTimeMillis() + window + Math.min(QUIET_WAIT_MS, (budget - window) / 4);
      timers.add(vertx.setTimer(window, id -> shutdownWhenQuiet(quietUntil)));
    }
    scheduleDeadline(budget);
    timers.add(vertx.setPeriodic(CHECK_PERIOD_MS, id -> {
      tracker.sweep();
      check();
    }));
    tracker.sweep();
    check();
  }

  private void scheduleDeadline(long budget) {
    deadlineTimers.forEach(vertx::cancelTimer);
    deadlineTimers.clear();
    if (budget > 0) {
      deadlineTimers.add(vertx.setTimer(budget, id -> abortRemaining()));
    } else {
      abortRemaining();
    }
    if (!finished) {
      deadlineTimers.add(vertx.setTimer(budget + Math.max(1, plan.settleMs()),
          id -> finish("the settle time after the budget ran out")));
    }
  }

  /**
   * A stop reached this drain: the stop's budget applies when it ends sooner, and without a window
   * of its own the server shuts down now rather than at the end of this drain's window.
   */
  void tighten(DrainPlan stop) {
    if (finished) {
      return;
    }
    if (stop.windowMs() <= 0) {
      shutdownServer();
    }
    if (stop.budgetDeadline() < plan.budgetDeadline()) {
      plan = new DrainPlan(plan.kind(), plan.windowMs(), stop.budgetDeadline(),
          Math.min(plan.settleMs(), stop.settleMs()));
      scheduleDeadline(plan.budgetLeftMs());
    }
  }

  /** A request arrived after the drain began: it is served, then its connection closes. */
  void accepted(Tracked t) {
    accepted++;
    prepare(t);
  }

  private void prepare(Tracked t) {
    if (!t.http1 || t.done) {
      return;
    }
    if (!t.response.headWritten() && !t.response.ended()) {
      tracker.sayClose(t);
    }
    if (shutdown == null && t.connection != null && tracker.closingAfterResponse.add(t.connection)) {
      // in the window: close this connection once its response is sent (the server shutdown does the rest later)
      t.connection.shutdown(plan.budgetLeftMs(), TimeUnit.MILLISECONDS);
    }
  }

  /** Ends a server-sent-event stream with the final event, or calls the application's drain handler. */
  void notifyStream(Tracked t) {
    if (t.done) {
      return;
    }
    if (t.drainHandler != null) {
      Handler<Void> handler = t.drainHandler;
      t.drainHandler = null;
      t.notified = true;
      streams++;
      try {
        handler.handle(null);
      } catch (RuntimeException e) {
        LOG.warn("a drain handler of {} {} threw", t.request.method(), t.request.path(), e);
      }
    } else if (!t.notified && t.response.headWritten() && !t.response.ended()
        && RequestTracker.isEventStream(t.response)) {
      t.notified = true;
      streams++;
      try {
        if (!tracker.sseFinalEvent.isEmpty()) {
          t.response.write(tracker.sseFinalEvent);
        }
        t.response.end();
      } catch (RuntimeException e) {
        LOG.debug("could not end an event stream: {}", e.toString());
      }
    }
  }

  /** Tells a WebSocket the server is going away (1001). */
  void goAway(ServerWebSocket ws) {
    if (ws.isClosed()) {
      return;
    }
    websockets++;
    ws.close((short) 1001, "going away").onFailure(e -> LOG.debug("WebSocket close failed: {}", e.toString()));
  }

  /**
   * Shuts the server down at a moment when no connection has just been accepted without its
   * first request read yet: a shutdown closes such a connection as idle while its request is on
   * the way. New connections keep coming (the other instances share the port), so this waits
   * at most until {@code quietUntil}, checking every millisecond.
   */
  private void shutdownWhenQuiet(long quietUntil) {
    if (shutdown != null || finished) {
      return;
    }
    long now = System.nanoTime();
    boolean fresh = tracker.connections.values().stream()
        .anyMatch(info -> info.requests == 0 && now - info.acceptedNanos < FRESH_NANOS);
    if (fresh && System.currentTimeMillis() < quietUntil) {
      timers.add(vertx.setTimer(1, id -> shutdownWhenQuiet(quietUntil)));
      return;
    }
    shutdownServer();
  }

  private void shutdownServer() {
    if (shutdown != null || finished) {
      return;
    }
    shutdown = tracker.server == null ? Future.succeededFuture()
        : tracker.server.shutdown(plan.budgetLeftMs(), TimeUnit.MILLISECONDS);
    shutdown.onComplete(ar -> check());
  }

  private void abortRemaining() {
    if (finished) {
      return;
    }
    shutdownServer();
    for (Tracked t : abortAll()) {
      if (t.connection != null) {
        t.connection.close();
      }
    }
    // WebSockets still open are closed by the server shutdown, whose timeout is this same budget
    check();
  }

  /** Counts every request still tracked as aborted; returns them. The drain does not end meanwhile. */
  private List<Tracked> abortAll() {
    List<Tracked> cut = List.copyOf(tracker.inFlight.values());
    checking = true;
    try {
      for (Tracked t : cut) {
        t.forcedAbort = true;
        tracker.finish(t);
      }
    } finally {
      checking = false;
    }
    return cut;
  }

  /** A request tracked by the drain ended: completed ({@code ok}) or aborted. */
  void requestEnded(boolean ok) {
    if (finished) {
      return;
    }
    if (ok) {
      completed++;
    } else {
      aborted++;
    }
    check();
  }

  /** A connection of the server closed while the drain ran. */
  void connectionClosed() {
    if (!finished) {
      connectionsClosed++;
      check();
    }
  }

  /**
   * Ends a stop's window once no connection is open, and the drain when all is done. O(1): called
   * on every request end and connection close, so the scan for what no handler reported is left
   * to the periodic sweep. While {@link #abortAll} runs it does nothing; its callers check after it.
   */
  void check() {
    if (finished || checking) {
      return;
    }
    if (shutdown == null && plan.kind() == DrainKind.STOP && tracker.connections.isEmpty()) {
      // a stop's window protects open keep-alive connections; with none open it has nothing to do
      shutdownServer();
    }
    if (tracker.inFlight.isEmpty() && tracker.webSockets.isEmpty() && tracker.connections.isEmpty()
        && shutdown != null && shutdown.isComplete()) {
      finish(null);
    }
  }

  private void finish(String cutShortBy) {
    if (finished) {
      return;
    }
    if (cutShortBy != null) {
      // anything still tracked was cut: count it, nothing stays unaccounted for
      abortAll();
      LOG.warn("HTTP drain ({}) ended by {} with {} WebSocket(s) still open", plan.kind(), cutShortBy,
          tracker.webSockets.size());
    }
    finished = true;
    timers.forEach(vertx::cancelTimer);
    deadlineTimers.forEach(vertx::cancelTimer);
    DrainResult r = new DrainResult(inFlightAtStart, accepted, completed, aborted, connectionsClosed, websockets,
        streams, System.currentTimeMillis() - start);
    result.complete(r);
  }
}
