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
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
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
  private ServerDrain drain;
  private int pruneWebSocketsAt = 64;
  private long maintenanceTimer = -1;

  /** One open connection: how many requests it carried, when it was accepted, its requests in flight. */
  private static final class Conn {
    private final long acceptedNanos = System.nanoTime();
    private long requests;
    /**
     * A response on it carries {@code Connection: close}: the connection closes once that response
     * is sent, and no request after it is dispatched (RFC 9112 section 9.6).
     */
    private boolean saidClose;
    /** Usually none or one; more with HTTP/1.1 pipelining or HTTP/2 streams. */
    private final List<Tracked> inFlight = new ArrayList<>(1);
  }

  /**
   * One request being served. Its state is the tracker's; the drain reads and changes it through
   * the methods below.
   */
  static final class Tracked {
    private final HttpServerRequest request;
    private final HttpServerResponse response;
    private final HttpConnection connection;
    private Conn conn;
    private final boolean http1;
    private Handler<Void> drainHandler;
    private boolean upgraded;
    private boolean forcedAbort;
    private boolean done;
    /** Its drain handler was called, or its event stream ended, by the drain: never twice. */
    private boolean notified;
    private final RequestTracker tracker;

    private Tracked(HttpServerRequest request, HttpConnection connection, RequestTracker tracker) {
      this.request = request;
      this.response = request.response();
      this.connection = connection;
      this.http1 = request.version() != HttpVersion.HTTP_2;
      this.tracker = tracker;
    }

    /** The request is over (counted once, completed or aborted). */
    boolean over() {
      return done;
    }

    boolean http1() {
      return http1;
    }

    /** Nothing of the response was sent yet: a header can still be put on it. */
    boolean responseNotStarted() {
      return !response.headWritten() && !response.ended();
    }

    /** The application's drain handler, handed out once (then the request counts as told); null when none. */
    Handler<Void> takeDrainHandler() {
      Handler<Void> handler = drainHandler;
      if (handler != null) {
        drainHandler = null;
        notified = true;
      }
      return handler;
    }

    /** True once for an event stream under way and not yet told: the caller ends it. */
    boolean takeOpenEventStream() {
      if (notified || !response.headWritten() || response.ended() || !isEventStream(response)) {
        return false;
      }
      notified = true;
      return true;
    }

    /** The drain's budget ran out while it was served: it ends as aborted. */
    void markForcedAbort() {
      forcedAbort = true;
    }

    /** {@code GET /path}, for logs. */
    String describe() {
      return request.method() + " " + request.path();
    }

    /** The request was upgraded to {@code ws}: tracked as a WebSocket from now on. */
    void webSocketOpened(ServerWebSocket ws) {
      tracker.webSocketOpened(this, ws);
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
  void sweep() {
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
    Conn info = connection == null ? null : connections.get(connection);
    if (info != null && info.saidClose) {
      // pipelined behind a response that said close: the client retries it elsewhere; never run it here
      LOG.debug("a request pipelined behind a response that said close is not served: {} {}", raw.method(),
          raw.path());
      connection.close();
      return;
    }
    Tracked t = new Tracked(raw, connection, this);
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
    next.handle(t.http1 ? TrackingRequest.of(raw, t) : raw);
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
      ServerDrain d = drain;
      context.runOnContext(v -> d.notifyStream(t));
    }
  }

  /** Puts {@code Connection: close} on an HTTP/1 response not yet sent; its connection closes after it. */
  void sayClose(Tracked t) {
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
   * Drains this server as {@code plan} says ({@link ServerDrain}). For the plan's window the
   * listener keeps accepting while every response carries {@code Connection: close} and its
   * connection closes after it; then the server shuts down: the listener stops accepting, idle
   * connections close, busy ones close after their response, HTTP/2 connections get GOAWAY.
   * WebSockets get 1001 and server-sent-event streams their final event at once. At the budget
   * deadline whatever is left is closed and counted as aborted; the result comes at the latest
   * the settle time after that. A second call (a stop
   * reaching a server that drains for a reload) returns the first drain's result, after giving it
   * the second call's budget when that ends sooner, and ending its window when the second call
   * has none. Must run on this instance's context.
   */
  Future<DrainResult> drain(DrainPlan plan) {
    if (drain == null) {
      drain = new ServerDrain(this, vertx, plan);
      drain.begin();
    } else {
      drain.tighten(plan);
    }
    return drain.result();
  }

  // ---------------------------------------------------------------- what the drain sees and does

  /** Requests being served now. */
  int inFlightCount() {
    return inFlight.size();
  }

  /** The requests being served now (a copy: finishing one does not disturb the caller's loop). */
  List<Tracked> inFlightRequests() {
    return List.copyOf(inFlight.values());
  }

  /** The WebSockets still tracked (a copy). */
  List<ServerWebSocket> openWebSockets() {
    return List.copyOf(webSockets.keySet());
  }

  /** No connection is open. */
  boolean noConnections() {
    return connections.isEmpty();
  }

  /** Nothing is left: no request in flight, no WebSocket, no open connection. */
  boolean nothingOpen() {
    return inFlight.isEmpty() && webSockets.isEmpty() && connections.isEmpty();
  }

  int webSocketCount() {
    return webSockets.size();
  }

  /** A connection accepted less than {@code nanos} ago has not sent its first request yet. */
  boolean freshConnectionWithin(long nanos) {
    long now = System.nanoTime();
    return connections.values().stream().anyMatch(info -> info.requests == 0 && now - info.acceptedNanos < nanos);
  }

  /**
   * The connection of {@code t} closes once its response is sent (a graceful shutdown of that
   * connection alone, cut after {@code timeoutMs}); once per connection.
   */
  void closeAfterResponse(Tracked t, long timeoutMs) {
    if (t.connection != null && closingAfterResponse.add(t.connection)) {
      t.connection.shutdown(timeoutMs, TimeUnit.MILLISECONDS);
    }
  }

  /**
   * Shuts the server down: the listener stops accepting, idle connections close, busy ones after
   * their response; everything still open after {@code timeoutMs} is closed by Vert.x.
   */
  Future<Void> shutdownServer(long timeoutMs) {
    return server == null ? Future.succeededFuture() : server.shutdown(timeoutMs, TimeUnit.MILLISECONDS);
  }

  /**
   * Closes at once every connection this tracker knows: idle and busy ones, and those carrying a
   * WebSocket; each close is counted by the drain when it is seen. Returns how many were closed.
   */
  int closeAll() {
    Set<HttpConnection> all = Collections.newSetFromMap(new IdentityHashMap<>());
    all.addAll(connections.keySet());
    all.addAll(webSockets.values());
    for (Tracked t : inFlight.values()) {
      if (t.connection != null) {
        all.add(t.connection);
      }
    }
    all.remove(null);
    for (HttpConnection connection : all) {
      connection.close();
    }
    return all.size();
  }

  /** Ends a server-sent-event stream with the configured final event (when there is one). */
  void endEventStream(Tracked t) {
    if (!sseFinalEvent.isEmpty()) {
      t.response.write(sseFinalEvent);
    }
    t.response.end();
  }

  /** HttpDrain.onDrain: registers a handler on the tracked request of {@code ctx}. */
  public static boolean onDrain(RoutingContext ctx, Handler<Void> handler) {
    Tracked t = trackedOf(ctx);
    if (t == null || handler == null) {
      return false;
    }
    t.drainHandler = handler;
    if (t.tracker.drain != null && !t.done) {
      ServerDrain d = t.tracker.drain;
      t.tracker.context.runOnContext(v -> d.notifyStream(t));
    }
    return true;
  }

  /** HttpDrain.draining. */
  public static boolean draining(RoutingContext ctx) {
    Tracked t = trackedOf(ctx);
    return t != null && t.tracker.drain != null;
  }

  static boolean isEventStream(HttpServerResponse response) {
    String type = response.headers().get(HttpHeaders.CONTENT_TYPE);
    return type != null && type.regionMatches(true, 0, "text/event-stream", 0, "text/event-stream".length());
  }
}
