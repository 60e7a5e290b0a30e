package dev.quiesce.web.impl;

import io.vertx.core.Future;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.internal.http.HttpServerRequestInternal;
import io.vertx.core.internal.http.HttpServerRequestWrapper;

/**
 * A request with an {@code Upgrade} header, as the application's router sees it: the Vert.x
 * request, except that a WebSocket made from it with {@link #toWebSocket()} is known to the drain
 * (so it gets "going away"). Other requests are not wrapped: a wrapper on every request cost
 * measurable CPU (docs/BENCHMARKS.md).
 *
 * <p>Built on Vert.x's internal request wrapper, the one vertx-web uses itself.
 */
final class TrackingRequest extends HttpServerRequestWrapper {

  private final RequestTracker.Tracked tracked;

  TrackingRequest(HttpServerRequestInternal delegate, RequestTracker.Tracked tracked) {
    super(delegate);
    this.tracked = tracked;
  }

  @Override
  public Future<ServerWebSocket> toWebSocket() {
    return delegate.toWebSocket().andThen(ar -> {
      if (ar.succeeded()) {
        tracked.tracker.webSocketOpened(tracked, ar.result());
      }
    });
  }
}
