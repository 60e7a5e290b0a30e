package dev.quiesce.web;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

/**
 * The application the tests serve:
 * <ul>
 *   <li>{@code /hello}: "hello"; {@code /greeting}: the configured {@code app.greeting}</li>
 *   <li>{@code /slow?ms=N}: answers after N ms</li>
 *   <li>{@code /slow-hooked?ms=N}: the same, after registering vertx-web end and headers-end
 *       handlers, which replace the response's own (as many vertx-web handlers do)</li>
 *   <li>{@code /sse}: a server-sent-event stream, one tick every 100 ms, never ending by itself</li>
 *   <li>{@code /long}: a long poll that ends only when the drain tells it ({@link HttpDrain#onDrain})</li>
 *   <li>{@code /ws}: a WebSocket echo</li>
 *   <li>{@code POST /early?ms=N}: answers after N ms without reading the request body</li>
 * </ul>
 */
final class TestRoutes implements RouterFactory {

  @Override
  public Router create(Vertx vertx, JsonObject config) {
    String greeting = config.getJsonObject("app", new JsonObject()).getString("greeting", "hello");
    Router router = Router.router(vertx);
    router.get("/hello").handler(ctx -> ctx.end("hello"));
    router.get("/greeting").handler(ctx -> ctx.end(greeting));
    router.get("/slow").handler(ctx -> {
      long ms = Long.parseLong(ctx.queryParams().get("ms"));
      vertx.setTimer(ms, id -> {
        if (!ctx.response().ended() && !ctx.response().closed()) {
          ctx.end("slept " + ms);
        }
      });
    });
    router.get("/slow-hooked").handler(ctx -> {
      ctx.addHeadersEndHandler(v -> ctx.response().putHeader("x-hooked", "yes"));
      ctx.addEndHandler(ar -> { });
      ctx.next();
    });
    router.get("/slow-hooked").handler(ctx -> {
      long ms = Long.parseLong(ctx.queryParams().get("ms"));
      vertx.setTimer(ms, id -> ctx.end("slept " + ms));
    });
    router.get("/sse").handler(ctx -> {
      HttpServerResponse response = ctx.response().setChunked(true)
          .putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream");
      response.write("data: first\n\n");
      long timer = vertx.setPeriodic(100, id -> {
        if (!response.ended() && !response.closed()) {
          response.write("data: tick\n\n");
        }
      });
      ctx.addEndHandler(ar -> vertx.cancelTimer(timer));
    });
    router.get("/long").handler(ctx -> HttpDrain.onDrain(ctx, v -> ctx.end("drained")));
    router.post("/early").handler(ctx -> {
      long ms = Long.parseLong(ctx.queryParams().get("ms"));
      if (ms == 0) {
        ctx.end("early 0");
      } else {
        vertx.setTimer(ms, id -> ctx.end("early " + ms));
      }
    });
    router.get("/ws").handler(ctx -> ctx.request().toWebSocket().onSuccess(ws -> ws.handler(ws::write)));
    return router;
  }
}
