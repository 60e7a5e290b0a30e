package dev.quiesce.example;

import dev.quiesce.lifecycle.EventBusContract;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * The example's HTTP API:
 * <ul>
 *   <li>{@code GET /hello}: {@code hello};</li>
 *   <li>{@code GET /work?ms=N}: answers {@code done N} after N milliseconds, on a timer (no event
 *       loop is blocked); a missing, malformed or too large N gets 400 with a message;</li>
 *   <li>{@code GET /workers}: the worker processes' state, asked of the process manager over the
 *       event bus ({@code quiesce.process}, command {@code list}); 503 when it does not answer.</li>
 * </ul>
 */
final class ExampleRoutes {

  private ExampleRoutes() {
  }

  static Router router(Vertx vertx, JsonObject config) {
    ExampleConfig example = ExampleConfig.from(config);
    Router router = Router.router(vertx);
    router.get("/hello").handler(rc -> rc.response().putHeader("content-type", "text/plain").end("hello\n"));
    router.get("/work").handler(rc -> work(vertx, rc, example));
    router.get("/workers").handler(rc -> workers(vertx, rc, example));
    return router;
  }

  private static void work(Vertx vertx, RoutingContext rc, ExampleConfig example) {
    String raw = rc.queryParams().get("ms");
    long ms;
    try {
      if (raw == null) {
        throw new NumberFormatException();
      }
      ms = Long.parseLong(raw.trim());
    } catch (NumberFormatException e) {
      badRequest(rc, "ms must be a whole number of milliseconds, e.g. /work?ms=250");
      return;
    }
    if (ms < 0 || ms > example.maxWork().toMillis()) {
      badRequest(rc, "ms must be between 0 and " + example.maxWork().toMillis() + " (example.maxWork)");
      return;
    }
    vertx.setTimer(Math.max(1, ms), id -> {
      if (!rc.response().closed() && !rc.response().ended()) {
        rc.response().putHeader("content-type", "text/plain").end("done " + ms + "\n");
      }
    });
  }

  private static void workers(Vertx vertx, RoutingContext rc, ExampleConfig example) {
    vertx.eventBus().<JsonObject>request(EventBusContract.PROCESS_COMMANDS, new JsonObject().put("command", "list"),
        new DeliveryOptions().setSendTimeout(example.workersTimeout().toMillis()))
        .onSuccess(reply -> rc.response().putHeader("content-type", "application/json")
            .end(reply.body().encodePrettily()))
        .onFailure(err -> rc.response().setStatusCode(503).putHeader("content-type", "text/plain")
            .end("the process manager did not answer: " + (err instanceof ReplyException re
                ? re.failureType().name().toLowerCase() : "error") + "\n"));
  }

  private static void badRequest(RoutingContext rc, String message) {
    rc.response().setStatusCode(400).putHeader("content-type", "text/plain").end(message + "\n");
  }
}
