package dev.quiesce.example;

import dev.quiesce.lifecycle.EventBusContract;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.regex.Pattern;

/**
 * The example's HTTP API:
 * <ul>
 *   <li>{@code GET /hello}: {@code example.greeting} ({@code hello}), with the answering process's pid
 *       in the header {@code X-Pid} (to watch an upgrade switch processes);</li>
 *   <li>{@code GET /work?ms=N}: answers {@code done N} after N milliseconds, on a timer (no event
 *       loop is blocked); a missing, malformed or too large N gets 400 with a message;</li>
 *   <li>{@code GET /workers}: the worker processes' state, asked of the process manager over the
 *       event bus ({@code quiesce.process}, command {@code list}); 503 when it does not answer;</li>
 *   <li>{@code POST /jobs?ms=N}: submits a job of N ms to the {@link JobQueueVerticle job queue}: 202
 *       with {@code {"id": "job-7", "queued": 3}}; 400 when N is missing, not a whole number, or not
 *       from 1 to {@code example.jobs.maxDuration}; 503 with {@code Retry-After} when the queue is
 *       full, 503 without it when the queue is stopping or does not answer;</li>
 *   <li>{@code GET /jobs}: the queue's counts ({@link JobQueueVerticle#status()}).</li>
 * </ul>
 */
final class ExampleRoutes {

  /** What {@code ms} of {@code POST /jobs} may look like: digits only, at most nine. */
  private static final Pattern WHOLE_NUMBER = Pattern.compile("[0-9]{1,9}");

  private ExampleRoutes() {
  }

  static Router router(Vertx vertx, JsonObject config) {
    ExampleConfig example = ExampleConfig.from(config);
    Router router = Router.router(vertx);
    String pid = String.valueOf(ProcessHandle.current().pid());
    router.get("/hello").handler(rc -> rc.response().putHeader("content-type", "text/plain").putHeader("X-Pid", pid)
        .end(example.greeting() + "\n"));
    router.get("/work").handler(rc -> work(vertx, rc, example));
    router.get("/workers").handler(rc -> workers(vertx, rc, example));
    router.post("/jobs").handler(rc -> submitJob(vertx, rc, example.jobs()));
    router.get("/jobs").handler(rc -> jobs(vertx, rc, example.jobs()));
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
        EventBusContract.nodeLocal().setSendTimeout(example.workersTimeout().toMillis()))
        .onSuccess(reply -> json(rc.response(), reply.body()))
        .onFailure(err -> rc.response().setStatusCode(503).putHeader("content-type", "text/plain")
            .end("the process manager did not answer: " + (err instanceof ReplyException re
                ? re.failureType().name().toLowerCase() : "error") + "\n"));
  }

  private static void submitJob(Vertx vertx, RoutingContext rc, JobsConfig jobs) {
    String raw = rc.queryParams().get("ms");
    long maxMs = jobs.maxDuration().toMillis();
    long ms = raw != null && WHOLE_NUMBER.matcher(raw).matches() ? Long.parseLong(raw) : -1;
    if (ms < 1 || ms > maxMs) {
      badRequest(rc, "ms must be a whole number of milliseconds from 1 to " + maxMs
          + " (example.jobs.maxDuration), e.g. POST /jobs?ms=250");
      return;
    }
    // the queue takes the job only by takeBy, a margin before this request's timeout, so that a job
    // it takes is never one its client was told was not taken (a reply late past the timeout)
    long timeout = jobs.submitTimeout().toMillis();
    long takeBy = System.currentTimeMillis() + timeout - Math.min(JobQueueVerticle.TAKE_MARGIN_MS, timeout / 4);
    vertx.eventBus().<JsonObject>request(JobQueueVerticle.ADDRESS, new JsonObject().put("ms", ms).put("takeBy", takeBy),
        new DeliveryOptions().setSendTimeout(timeout))
        .onSuccess(reply -> {
          JsonObject body = reply.body();
          if (Boolean.TRUE.equals(body.getBoolean("accepted"))) {
            json(rc.response().setStatusCode(202), body.copy().put("ms", ms));
          } else {
            rc.response().setStatusCode(503).putHeader("Retry-After", String.valueOf(body.getLong("retryAfterSeconds")))
                .putHeader("content-type", "text/plain").end(body.getString("reason") + "\n");
          }
        })
        .onFailure(err -> rc.response().setStatusCode(503).putHeader("content-type", "text/plain")
            .end("the job was not taken: " + (err instanceof ReplyException re
                && re.failureType() == ReplyFailure.NO_HANDLERS ? "the job queue is stopping" : err.getMessage()) + "\n"));
  }

  private static void jobs(Vertx vertx, RoutingContext rc, JobsConfig jobs) {
    vertx.eventBus().<JsonObject>request(JobQueueVerticle.STATUS_ADDRESS, null,
        new DeliveryOptions().setSendTimeout(jobs.submitTimeout().toMillis()))
        .onSuccess(reply -> json(rc.response(), reply.body()))
        .onFailure(err -> rc.response().setStatusCode(503).putHeader("content-type", "text/plain")
            .end("the job queue did not answer: " + err.getMessage() + "\n"));
  }

  private static void json(HttpServerResponse response, JsonObject body) {
    response.putHeader("content-type", "application/json").end(body.encodePrettily());
  }

  private static void badRequest(RoutingContext rc, String message) {
    rc.response().setStatusCode(400).putHeader("content-type", "text/plain").end(message + "\n");
  }
}
