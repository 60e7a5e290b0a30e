package dev.quiesce.bench;

import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;

/**
 * The router both servers of the overhead benchmark run: the trivial route of the example
 * application, {@code GET /hello}, answering {@code hello\n} as text/plain.
 */
public final class BenchRoutes {

  private BenchRoutes() {
  }

  public static Router router(Vertx vertx) {
    Router router = Router.router(vertx);
    router.get("/hello").handler(rc -> rc.response().putHeader("content-type", "text/plain").end("hello\n"));
    return router;
  }
}
