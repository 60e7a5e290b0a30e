package dev.quiesce.web.impl;

import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.internal.http.HttpServerRequestInternal;
import io.vertx.core.internal.http.HttpServerRequestWrapper;

/**
 * A request with an {@code Upgrade} header, as the application's router sees it: the Vert.x
 * request, except that a WebSocket made from it with {@link #toWebSocket()} is known to the drain
 * (so it gets "going away"). Other requests are not wrapped: a wrapper on every request cost
 * measurable CPU (docs/BENCHMARKS.md).
 *
 * <p>The one place the framework uses Vert.x {@code internal} API, and why: vertx-web's router
 * takes any {@code HttpServerRequest}, but only one that is an {@code HttpServerRequestInternal}
 * (context, metrics, routing state) can be routed, and Vert.x offers no public way to hear of a
 * WebSocket made from a request. {@code HttpServerRequestWrapper} is the internal wrapper
 * vertx-web itself builds on. A request that is not internal (Vert.x 5.0 makes none) is passed
 * on unwrapped: its WebSockets then only get "going away" through the server's shutdown.
 */
final class TrackingRequest extends HttpServerRequestWrapper {

  private final RequestTracker.Tracked tracked;

  /**
   * The request the router sees: wrapped when it asks for an upgrade (so the drain learns of the
   * WebSocket made from it), as Vert.x made it otherwise (a wrapper on every request cost
   * measurable CPU).
   */
  static HttpServerRequest of(HttpServerRequest request, RequestTracker.Tracked tracked) {
    return request instanceof HttpServerRequestInternal internal && request.headers().contains(HttpHeaders.UPGRADE)
        ? new TrackingRequest(internal, tracked) : request;
  }

  private TrackingRequest(HttpServerRequestInternal delegate, RequestTracker.Tracked tracked) {
    super(delegate);
    this.tracked = tracked;
  }

  @Override
  public Future<ServerWebSocket> toWebSocket() {
    return delegate.toWebSocket().andThen(ar -> {
      if (ar.succeeded()) {
        tracked.webSocketOpened(ar.result());
      }
    });
  }
}
