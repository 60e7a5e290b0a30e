package dev.quiesce.web;

import dev.quiesce.web.impl.RequestTracker;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

/**
 * Lets a long-lived response take part in a drain.
 *
 * <p>When the HTTP server drains (stop, reload, undeploy), the framework ends server-sent-event
 * streams by itself: a response whose {@code Content-Type} is {@code text/event-stream} and
 * whose head is written gets {@code http.sseFinalEvent} and is ended. Other long-lived responses
 * (long polls, chunked streams) register here to be told, and end themselves; whatever is still
 * open at the drain budget is closed and counted as aborted.
 */
public final class HttpDrain {

  private HttpDrain() {
  }

  /**
   * Calls {@code handler} once, on the request's event loop, when a drain begins while this
   * request is in flight (at once, asynchronously, when one already began). A response with such
   * a handler is not ended by the framework's server-sent-event handling.
   *
   * <p>Call it from the request's own context, where its handlers run (a blocking task started
   * from a handler, or a reply to an event-bus request sent from it, runs there too).
   *
   * @param ctx the request
   * @param handler called at most once when a drain begins
   * @return false when the request is not served by a {@link HttpServerVerticle}, has already
   *     ended, or the call comes from another context (nothing will be called)
   */
  public static boolean onDrain(RoutingContext ctx, Handler<Void> handler) {
    return RequestTracker.onDrain(ctx, handler);
  }

  /**
   * Whether the HTTP server serving {@code ctx} is draining (its responses carry {@code Connection: close}).
   *
   * @param ctx the request
   * @return true when it is draining; false when not, or when the request is not served by a {@link HttpServerVerticle}
   */
  public static boolean draining(RoutingContext ctx) {
    return RequestTracker.draining(ctx);
  }
}
