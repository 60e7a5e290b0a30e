package dev.quiesce.bench;

import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * The routers of the bench's servers: {@link #router} is the one both servers of the overhead
 * benchmark run, the trivial route of the example application, {@code GET /hello}, answering
 * {@code hello\n} as text/plain; {@link #withWork} adds the example's {@code GET /work?ms=N}, for the
 * plain Vert.x peer of the keep-alive stop benchmark.
 */
public final class BenchRoutes {

  /** The largest {@code ms} of {@code /work}: the example application's default {@code example.maxWork}. */
  static final long MAX_WORK_MS = 60_000;

  private BenchRoutes() {
  }

  public static Router router(Vertx vertx) {
    Router router = Router.router(vertx);
    router.get("/hello").handler(rc -> rc.response().putHeader("content-type", "text/plain").end("hello\n"));
    return router;
  }

  /**
   * {@link #router} with {@code GET /work?ms=N}, as the example application answers it: {@code done N\n}
   * after N milliseconds on a timer (no event loop blocked); 400 with a message when N is missing,
   * not a whole number, or outside 0..{@value #MAX_WORK_MS}.
   */
  public static Router withWork(Vertx vertx) {
    Router router = router(vertx);
    router.get("/work").handler(rc -> work(vertx, rc));
    return router;
  }

  private static void work(Vertx vertx, RoutingContext rc) {
    long ms;
    try {
      ms = Long.parseLong(String.valueOf(rc.queryParams().get("ms")).trim());
    } catch (NumberFormatException e) {
      ms = -1;
    }
    if (ms < 0 || ms > MAX_WORK_MS) {
      rc.response().setStatusCode(400).putHeader("content-type", "text/plain")
          .end("ms must be a whole number of milliseconds between 0 and " + MAX_WORK_MS + ", e.g. /work?ms=250\n");
      return;
    }
    long answerAfter = ms;
    vertx.setTimer(Math.max(1, ms), id -> {
      if (!rc.response().closed() && !rc.response().ended()) {
        rc.response().putHeader("content-type", "text/plain").end("done " + answerAfter + "\n");
      }
    });
  }
}
