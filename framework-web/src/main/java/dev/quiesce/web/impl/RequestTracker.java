package dev.quiesce.web.impl;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.internal.http.HttpServerRequestInternal;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tracks one server instance's connections, in-flight requests and WebSockets, and drains them.
 *
 * <p>Runs on the instance's event loop only (connections, requests and WebSockets of a server
 * are all handled on the event loop of the verticle that created it), so it needs no locks;
 * only the shared counters in {@link WebState} are atomic.
 *
 * <p>It adds nothing to the application's router: a request's end is seen through the
 * response's own end, close and headers-end handlers, set when the request arrives. When the
 * application (or a vertx-web handler, through {@code RoutingContext.addEndHandler} and its
 * kin) replaces those handlers, the end is still seen: when the request's connection closes
 * (at once during a drain, where every response carries {@code Connection: close}), or by the
 * sweep, every second while serving and every 20 ms while draining. The trackers of a context
 * are kept in its context data, where {@code HttpDrain} finds the request of a
 * {@link RoutingContext}.
 */
public final class RequestTracker {

  private static final Logger LOG = LoggerFactory.getLogger(RequestTracker.class);
  private static final long MAINTENANCE_PERIOD_MS = 1000;
  /** Context-data key of the list of trackers serving on a context (two while an in-loop reload overlaps). */
  private static final String TRACKERS_KEY = "quiesce.http.trackers";

  private final Vertx vertx;
  private final Context context;
  private final WebState state;
  private final String sseFinalEvent;
  private final Map<HttpServerResponse, Tracked> inFlight = new IdentityHashMap<>();
  /** Open connections, each with what is known of it. */
  private final Map<HttpConnection, Conn> connections = new IdentityHashMap<>();
  private final Set<HttpConnection> closingAfterResponse = Collections.newSetFromMap(new IdentityHashMap<>());
  private final Map<ServerWebSocket, HttpConnection> webSockets = new IdentityHashMap<>();
  private HttpServer server;
  private Drain drain;
  private int pruneWebSocketsAt = 64;
  private long maintenanceTimer = -1;

  /** One open connection: how many requests it carried, when it was accepted, its requests in flight. */
  private static final class Conn {
    final long acceptedNanos = System.nanoTime();
    long requests;
    /**
     * A response on it carries {@code Connection: close}: the connection closes once that response
     * is sent, and no request after it is dispatched (RFC 9112 section 9.6).
     */
    boolean saidClose;
    /** Usually none or one; more with HTTP/1.1 pipelining or HTTP/2 streams. */
    final List<Tracked> inFlight = new ArrayList<>(1);
  }

  /** One request being served. */
  static final class Tracked {
    final HttpServerRequest request;
    final HttpServerResponse response;
    final HttpConnection connection;
    Conn conn;
    final boolean http1;
    Handler<Void> drainHandler;
    boolean upgraded;
    boolean forcedAbort;
    boolean done;
    /** Its drain handler was called, or its event stream ended, by the drain: never twice. */
    boolean notified;
    final RequestTracker tracker;

    Tracked(HttpServerRequest request, RequestTracker tracker) {
      this.request = request;
      this.response = request.response();
      this.connection = request.connection();
      this.http1 = request.version() != HttpVersion.HTTP_2;
      this.tracker = tracker;
    }
  }

  RequestTracker(Vertx vertx, Context context, WebState state, String sseFinalEvent) {
    this.vertx = vertx;
    this.context = context;
    this.state = state;
    this.sseFinalEvent = sseFinalEvent;
  }

  /** Starts tracking for {@code server}; on this tracker's context. */
  void attach(HttpServer server) {
    this.server = server;
    maintenanceTimer = vertx.setPeriodic(MAINTENANCE_PERIOD_MS, id -> sweep());
    trackersOf(context).add(this);
  }

  /** Stops the periodic sweep and forgets this tracker; on this tracker's context. */
  void detach() {
    if (maintenanceTimer >= 0) {
      vertx.cancelTimer(maintenanceTimer);
      maintenanceTimer = -1;
    }
    trackersOf(context).remove(this);
  }

  private static List<RequestTracker> trackersOf(Context context) {
    List<RequestTracker> list = context.get(TRACKERS_KEY);
    if (list == null) {
      list = new ArrayList<>(2);
      context.put(TRACKERS_KEY, list);
    }
    return list;
  }

  /** The tracked request whose response is {@code ctx}'s, if a tracker of the current context serves it. */
  private static Tracked trackedOf(RoutingContext ctx) {
    Context current = Vertx.currentContext();
    if (current == null) {
      return null;
    }
    List<RequestTracker> trackers = current.get(TRACKERS_KEY);
    if (trackers == null) {
      return null;
    }
    for (RequestTracker tracker : trackers) {
      Tracked t = tracker.inFlight.get(ctx.response());
      if (t != null) {
        return t;
      }
    }
    return null;
  }

  /**
   * Finishes requests whose end no handler reported (the application replaced the response's
   * handlers), tells event streams that began during a drain without the headers-end hook
   * seeing them, and forgets closed WebSockets, so the counts stay right. O(requests in flight):
   * runs from timers, never per request.
   */
  private void sweep() {
    for (Tracked t : List.copyOf(inFlight.values())) {
      if (t.response.ended() || t.response.closed()) {
        finish(t);
      } else if (drain != null && !t.notified && t.response.headWritten() && isEventStream(t.response)) {
        drain.notifyStream(t);
      }
    }
    List<ServerWebSocket> closed = new ArrayList<>();
    webSockets.keySet().forEach(ws -> {
      if (ws.isClosed()) {
        closed.add(ws);
      }
    });
    for (ServerWebSocket ws : closed) {
      HttpConnection connection = webSockets.remove(ws);
      if (connection != null && connections.containsKey(connection)) {
        connectionClosed(connection);
      }
    }
    pruneWebSocketsAt = Math.max(64, 2 * webSockets.size());
  }

  // ---------------------------------------------------------------- connections and requests

  void onConnection(HttpConnection connection) {
    connections.put(connection, new Conn());
    connection.closeHandler(v -> connectionClosed(connection));
  }

  private void connectionClosed(HttpConnection connection) {
    closingAfterResponse.remove(connection);
    Conn info = connections.remove(connection);
    if (info != null) {
      // requests whose response handlers the application replaced end here at the latest
      for (Tracked t : List.copyOf(info.inFlight)) {
        finish(t);
      }
    }
    if (info != null && drain != null) {
      if (info.requests == 0) {
        LOG.debug("a connection closed during the drain without having sent a request");
      }
      drain.connectionClosed();
    }
  }

  void onRequest(HttpServerRequest raw, Handler<HttpServerRequest> next) {
    HttpConnection connection = raw.connection();
    Conn sent = connection == null ? null : connections.get(connection);
    if (sent != null && sent.saidClose) {
      // pipelined behind a response that said close: the client retries it elsewhere; never run it here
      LOG.debug("a request pipelined behind a response that said close is not served: {} {}", raw.method(),
          raw.path());
      connection.close();
      return;
    }
    Tracked t = new Tracked(raw, this);
    Conn info = t.connection == null ? null : connections.get(t.connection);
    if (info != null) {
      info.requests++;
      info.inFlight.add(t);
      t.conn = info;
    }
    inFlight.put(t.response, t);
    state.requestStarted();
    t.response.endHandler(v -> finish(t));
    t.response.closeHandler(v -> finish(t));
    t.response.headersEndHandler(v -> beforeHeaders(t));
    if (drain != null) {
      drain.accepted(t);
    }
    // only a request that asks for a WebSocket is wrapped, so that the drain learns of the
    // WebSocket made from it; every other request reaches the router as Vert.x made it
    HttpServerRequest request = raw instanceof HttpServerRequestInternal internal && t.http1
        && raw.headers().contains(HttpHeaders.UPGRADE) ? new TrackingRequest(internal, t) : raw;
    next.handle(request);
  }

  private void beforeHeaders(Tracked t) {
    if (drain == null) {
      return;
    }
    if (t.http1) {
      sayClose(t);
    }
    if (isEventStream(t.response)) {
      // a stream that starts during the drain is told at once, once its head is out
      Drain d = drain;
      context.runOnContext(v -> d.notifyStream(t));
    }
  }

  /** Puts {@code Connection: close} on an HTTP/1 response not yet sent; its connection closes after it. */
  private void sayClose(Tracked t) {
    t.response.headers().set(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
    if (t.conn != null) {
      t.conn.saidClose = true;
    }
  }

  /** The request is over, one way or another; counted once. */
  void finish(Tracked t) {
    if (t.done) {
      return;
    }
    t.done = true;
    if (t.conn != null && t.conn.saidClose && t.response.ended() && t.connection != null) {
      // Vert.x would keep the connection open while the client still sends the request body, and
      // would serve a request pipelined behind this one: the response said close, so close now
      // (Vert.x's own close path after a response to a request that asked for close)
      t.connection.close();
    }
    inFlight.remove(t.response);
    if (t.conn != null) {
      t.conn.inFlight.remove(t);
    }
    state.requestEnded();
    if (drain != null) {
      drain.requestEnded(!t.forcedAbort && (t.upgraded || t.response.ended()));
    }
  }

  void webSocketOpened(Tracked t, ServerWebSocket ws) {
    t.upgraded = true;
    finish(t);
    webSockets.put(ws, t.connection);
    if (webSockets.size() >= pruneWebSocketsAt) {
      sweep();
    }
    if (drain != null) {
      drain.goAway(ws);
    }
  }

  // ---------------------------------------------------------------- the drain

  /**
   * Drains this instance. For {@code window} the listener keeps accepting while every response
   * carries {@code Connection: close} and its connection closes after it; then the server shuts
   * down: the listener stops accepting, idle connections close, busy ones close after their
   * response, HTTP/2 connections get GOAWAY. WebSockets get 1001 and server-sent-event streams
   * their final event at once. At {@code budgetDeadline} whatever is left is closed and counted
   * as aborted; the result comes at the latest {@code settleMs} after that. A second call (a stop
   * reaching a server that drains for a reload) returns the first drain's result, after giving it
   * the second call's budget when that ends sooner, and ending its window when the second call
   * has none. Must run on this instance's context.
   */
  Future<DrainResult> drain(String kind, long windowMs, long budgetDeadline, long settleMs) {
    if (drain == null) {
      drain = new Drain(kind, windowMs, budgetDeadline, settleMs);
      drain.begin();
    } else {
      drain.tighten(windowMs, budgetDeadline, settleMs);
    }
    return drain.result.future();
  }

  /** HttpDrain.onDrain: registers a handler on the tracked request of {@code ctx}. */
  public static boolean onDrain(RoutingContext ctx, Handler<Void> handler) {
    Tracked t = trackedOf(ctx);
    if (t == null || handler == null) {
      return false;
    }
    t.drainHandler = handler;
    if (t.tracker.drain != null && !t.done) {
      Drain d = t.tracker.drain;
      t.tracker.context.runOnContext(v -> d.notifyStream(t));
    }
    return true;
  }

  /** HttpDrain.draining. */
  public static boolean draining(RoutingContext ctx) {
    Tracked t = trackedOf(ctx);
    return t != null && t.tracker.drain != null;
  }

  private static boolean isEventStream(HttpServerResponse response) {
    String type = response.headers().get(HttpHeaders.CONTENT_TYPE);
    return type != null && type.regionMatches(true, 0, "text/event-stream", 0, "text/event-stream".length());
  }

  /** One drain of this instance, from its start to its result. */
  private final class Drain {

    private static final long CHECK_PERIOD_MS = 20;
    private static final long QUIET_WAIT_MS = 250;
    private static final long FRESH_NANOS = 250_000_000L;

    final String kind;
    final long start = System.currentTimeMillis();
    final long windowMs;
    long budgetDeadline;
    long settleMs;
    /** The timers that end the drain: the abort at the budget and the settle time after it. */
    final List<Long> deadlineTimers = new ArrayList<>(2);
    final io.vertx.core.Promise<DrainResult> result = io.vertx.core.Promise.promise();
    final long inFlightAtStart;
    long accepted;
    long completed;
    long aborted;
    long connectionsClosed;
    long websockets;
    long streams;
    Future<Void> shutdown;
    boolean finished;
    /** Set while {@link #abortAll} counts requests: their ends must not end the drain midway. */
    boolean checking;
    final List<Long> timers = new ArrayList<>();

    Drain(String kind, long windowMs, long budgetDeadline, long settleMs) {
      this.kind = kind;
      this.windowMs = windowMs;
      this.budgetDeadline = budgetDeadline;
      this.settleMs = settleMs;
      this.inFlightAtStart = inFlight.size();
    }

    void begin() {
      long budget = Math.max(0, budgetDeadline - System.currentTimeMillis());
      long window = Math.min(windowMs, budget / 2);
      if (window <= 0) {
        shutdownServer();
      }
      for (Tracked t : List.copyOf(inFlight.values())) {
        prepare(t);
        notifyStream(t);
      }
      for (ServerWebSocket ws : List.copyOf(webSockets.keySet())) {
        goAway(ws);
      }
      if (window > 0) {
        long quietUntil = System.currentTimeMillis() + window + Math.min(QUIET_WAIT_MS, (budget - window) / 4);
        timers.add(vertx.setTimer(window, id -> shutdownWhenQuiet(quietUntil)));
      }
      scheduleDeadline(budget);
      timers.add(vertx.setPeriodic(CHECK_PERIOD_MS, id -> {
        sweep();
        check();
      }));
      sweep();
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
        deadlineTimers.add(vertx.setTimer(budget + Math.max(1, settleMs),
            id -> finish("the settle time after the budget ran out")));
      }
    }

    /**
     * A stop reached this drain: the stop's budget applies when it ends sooner, and without a window
     * of its own the server shuts down now rather than at the end of this drain's window.
     */
    void tighten(long stopWindowMs, long stopBudgetDeadline, long stopSettleMs) {
      if (finished) {
        return;
      }
      if (stopWindowMs <= 0) {
        shutdownServer();
      }
      if (stopBudgetDeadline < budgetDeadline) {
        budgetDeadline = stopBudgetDeadline;
        settleMs = Math.min(settleMs, stopSettleMs);
        scheduleDeadline(Math.max(0, budgetDeadline - System.currentTimeMillis()));
      }
    }

    /** A request arrived on an open connection after the drain began: it is served, then its connection closes. */
    void accepted(Tracked t) {
      accepted++;
      prepare(t);
    }

    private void prepare(Tracked t) {
      if (!t.http1 || t.done) {
        return;
      }
      if (!t.response.headWritten() && !t.response.ended()) {
        sayClose(t);
      }
      if (shutdown == null && t.connection != null && closingAfterResponse.add(t.connection)) {
        // in the window: close this connection once its response is sent (the server shutdown does the rest later)
        t.connection.shutdown(Math.max(0, budgetDeadline - System.currentTimeMillis()),
            java.util.concurrent.TimeUnit.MILLISECONDS);
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
      } else if (!t.notified && t.response.headWritten() && !t.response.ended() && isEventStream(t.response)) {
        t.notified = true;
        streams++;
        try {
          if (!sseFinalEvent.isEmpty()) {
            t.response.write(sseFinalEvent);
          }
          t.response.end();
        } catch (RuntimeException e) {
          LOG.debug("could not end an event stream: {}", e.toString());
        }
      }
    }

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
      boolean fresh = connections.values().stream()
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
      long left = Math.max(0, budgetDeadline - System.currentTimeMillis());
      shutdown = server == null ? Future.succeededFuture()
          : server.shutdown(left, java.util.concurrent.TimeUnit.MILLISECONDS);
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
      List<Tracked> cut = List.copyOf(inFlight.values());
      checking = true;
      try {
        for (Tracked t : cut) {
          t.forcedAbort = true;
          RequestTracker.this.finish(t);
        }
      } finally {
        checking = false;
      }
      return cut;
    }

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

    void connectionClosed() {
      if (!finished) {
        connectionsClosed++;
        check();
      }
    }

    /**
     * Ends the drain when all is done. O(1): called on every request end and connection close, so
     * the scan for what no handler reported is left to the periodic sweep. While {@link #abortAll}
     * runs it does nothing; its callers check after it.
     */
    void check() {
      if (finished || checking) {
        return;
      }
      if (inFlight.isEmpty() && webSockets.isEmpty() && connections.isEmpty() && shutdown != null
          && shutdown.isComplete()) {
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
        LOG.warn("HTTP drain ({}) ended by {} with {} WebSocket(s) still open", kind, cutShortBy, webSockets.size());
      }
      finished = true;
      timers.forEach(vertx::cancelTimer);
      deadlineTimers.forEach(vertx::cancelTimer);
      DrainResult r = new DrainResult(inFlightAtStart, accepted, completed, aborted, connectionsClosed, websockets,
          streams, System.currentTimeMillis() - start);
      result.complete(r);
    }
  }
}
