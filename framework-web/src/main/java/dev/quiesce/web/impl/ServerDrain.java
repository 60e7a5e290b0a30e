package dev.quiesce.web.impl;

import dev.quiesce.web.impl.RequestTracker.Tracked;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.ServerWebSocket;
import java.util.ArrayList;
import java.util.List;
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

  ServerDrain(RequestTracker tracker, Vertx vertx, DrainPlan plan) {
    this.tracker = tracker;
    this.vertx = vertx;
    this.plan = plan;
    this.inFlightAtStart = tracker.inFlightCount();
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
    for (Tracked t : tracker.inFlightRequests()) {
      prepare(t);
      notifyStream(t);
    }
    for (ServerWebSocket ws : tracker.openWebSockets()) {
      goAway(ws);
    }
    if (window > 0) {
      scheduleShutdown(window, budget);
    }
    scheduleDeadline(budget);
    timers.add(vertx.setPeriodic(CHECK_PERIOD_MS, id -> {
      tracker.sweep();
      check();
    }));
    tracker.sweep();
    check();
  }

  /** The server shuts down at the end of a window of {@code window} ms, at a quiet moment ({@link #shutdownWhenQuiet}). */
  private void scheduleShutdown(long window, long budget) {
    long quietUntil = System.currentTimeMillis() + window + Math.min(QUIET_WAIT_MS, (budget - window) / 4);
    timers.add(vertx.setTimer(Math.max(1, window), id -> shutdownWhenQuiet(quietUntil)));
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
   * A stop reached this drain: the stop's budget applies when it ends sooner (whatever is still
   * open at that budget is closed then), and the server shuts down with that budget at the end of
   * the stop's window (now when it has none) when that comes before the end of this drain's window.
   */
  void tighten(DrainPlan stop) {
    if (finished) {
      return;
    }
    if (stop.budgetDeadline() < plan.budgetDeadline()) {
      plan = new DrainPlan(plan.kind(), plan.windowMs(), stop.budgetDeadline(),
          Math.min(plan.settleMs(), stop.settleMs()));
      scheduleDeadline(plan.budgetLeftMs());
    }
    if (stop.windowMs() <= 0) {
      shutdownServer();
    } else if (shutdown == null) {
      scheduleShutdown(Math.min(stop.windowMs(), plan.budgetLeftMs() / 2), plan.budgetLeftMs());
    }
  }

  /** A request arrived after the drain began: it is served, then its connection closes. */
  void accepted(Tracked t) {
    accepted++;
    prepare(t);
  }

  private void prepare(Tracked t) {
    if (!t.http1() || t.over()) {
      return;
    }
    if (t.responseNotStarted()) {
      tracker.sayClose(t);
    }
    if (shutdown == null) {
      // in the window: close this connection once its response is sent (the server shutdown does the rest later)
      tracker.closeAfterResponse(t, plan.budgetLeftMs());
    }
  }

  /** Ends a server-sent-event stream with the final event, or calls the application's drain handler. */
  void notifyStream(Tracked t) {
    if (t.over()) {
      return;
    }
    Handler<Void> handler = t.takeDrainHandler();
    if (handler != null) {
      streams++;
      try {
        handler.handle(null);
      } catch (RuntimeException e) {
        LOG.warn("a drain handler of {} threw", t.describe(), e);
      }
    } else if (t.takeOpenEventStream()) {
      streams++;
      try {
        tracker.endEventStream(t);
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
    if (tracker.freshConnectionWithin(FRESH_NANOS) && System.currentTimeMillis() < quietUntil) {
      timers.add(vertx.setTimer(1, id -> shutdownWhenQuiet(quietUntil)));
      return;
    }
    shutdownServer();
  }

  private void shutdownServer() {
    if (shutdown != null || finished) {
      return;
    }
    shutdown = tracker.shutdownServer(plan.budgetLeftMs());
    shutdown.onComplete(ar -> check());
  }

  /**
   * The budget ran out: every request still tracked is counted as aborted, and every connection
   * still open (busy, idle, or carrying a WebSocket) is closed now, not left to the timeout of a
   * server shutdown that may have begun with a longer budget (a reload's, before a stop tightened
   * it). Their closes are counted as they are seen.
   */
  private void abortRemaining() {
    if (finished) {
      return;
    }
    shutdownServer();
    abortAll();
    int closed = tracker.closeAll();
    if (closed > 0) {
      LOG.debug("HTTP drain ({}) closed {} connection(s) still open at the end of its budget", plan.kind(), closed);
    }
    check();
  }

  /** Counts every request still tracked as aborted. The drain does not end meanwhile. */
  private void abortAll() {
    List<Tracked> cut = tracker.inFlightRequests();
    checking = true;
    try {
      for (Tracked t : cut) {
        t.markForcedAbort();
        tracker.finish(t);
      }
    } finally {
      checking = false;
    }
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
    if (shutdown == null && plan.kind() == DrainKind.STOP && tracker.noConnections()) {
      // a stop's window protects open keep-alive connections; with none open it has nothing to do
      shutdownServer();
    }
    if (tracker.nothingOpen() && shutdown != null && shutdown.isComplete()) {
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
      // a WebSocket told 1001 whose client never answers cannot be cut through Vert.x's API: Vert.x
      // closes it at the end of http.webSocketCloseGrace
      LOG.warn("HTTP drain ({}) ended by {} with {} WebSocket(s) still waiting for the answer to their 1001"
          + " (closed by Vert.x at the end of http.webSocketCloseGrace)", plan.kind(), cutShortBy,
          tracker.webSocketCount());
    }
    finished = true;
    timers.forEach(vertx::cancelTimer);
    deadlineTimers.forEach(vertx::cancelTimer);
    DrainResult r = new DrainResult(inFlightAtStart, accepted, completed, aborted, connectionsClosed, websockets,
        streams, System.currentTimeMillis() - start);
    result.complete(r);
  }
}
