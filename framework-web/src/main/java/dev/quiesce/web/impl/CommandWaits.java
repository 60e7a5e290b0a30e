package dev.quiesce.web.impl;

import dev.quiesce.config.Durations;
import dev.quiesce.lifecycle.EventBusContract.LifecycleEvent;
import dev.quiesce.lifecycle.LifecycleCommand;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code POST /lifecycle/stop?wait=true} and {@code POST /lifecycle/reload?wait=true}: the answer
 * waits for the end of what the command began, for scripts and Kubernetes {@code preStop} hooks
 * that cannot follow the event stream. A stop is answered 200 with the stop report once the
 * {@code report} event is published; a reload 200 with its {@code reload} event (its
 * {@code outcome}: done, partial or failed). Every wait is bounded: by {@code timeout} when the
 * request names one, else a stop until its deadline plus {@link #STOP_GRACE}, a reload
 * {@link #DEFAULT_RELOAD_WAIT}; then 504. Runs on the management verticle's context.
 */
final class CommandWaits {

  /** After the stop's deadline, how long the report may still take (the forced end, the report file). */
  static final Duration STOP_GRACE = Duration.ofSeconds(5);
  /** How long a reload is waited for when the request names no {@code timeout}. */
  static final Duration DEFAULT_RELOAD_WAIT = Duration.ofSeconds(60);
  /**
   * The longest wait: the management listener closes a connection idle for
   * {@link ManagementService#IDLE_TIMEOUT_SECONDS}, and a waiting answer sends nothing until its end,
   * so a wait stops short of that. A longer stop is followed on {@code GET /lifecycle/events} (what
   * {@code quiesce stop --wait} does).
   */
  static final Duration MAX_WAIT = Duration.ofSeconds(ManagementService.IDLE_TIMEOUT_SECONDS - 10);

  /** What a request asked for: its {@code wait} and {@code timeout} query parameters. */
  record WaitRequest(LifecycleCommand command, Optional<Duration> timeout) {
  }

  private final Vertx vertx;
  private final List<Waiter> waiters = new ArrayList<>();
  private JsonObject finalReport;

  /**
   * One request waiting for its end, registered before its command is sent (a reload that fails at
   * once publishes its event before the coordinator's reply arrives). Until {@link #accepted}, the
   * reload events that name its reason are kept; then its reload is the first of them, or, when
   * the command was queued behind a running reload, the reload event after the running one's.
   */
  final class Waiter {
    private final RoutingContext ctx;
    private final WaitRequest request;
    private final String reason;
    private boolean replied;
    private int skipReloads;
    private JsonObject early;
    private long timer = -1;

    private Waiter(RoutingContext ctx, WaitRequest request, String reason) {
      this.ctx = ctx;
      this.request = request;
      this.reason = reason;
    }

    /**
     * The coordinator accepted the command ({@code reply}): answers when its end is published, or
     * with 504 at the bound. A stop already over is answered at once with its report.
     */
    void accepted(JsonObject reply) {
      replied = true;
      if (request.command() == LifecycleCommand.STOP && finalReport != null) {
        answer(200, finalReport);
        return;
      }
      boolean queued = reply.getBoolean("queued", false);
      if (request.command() == LifecycleCommand.RELOAD && !queued && early != null) {
        answer(200, early);
        return;
      }
      skipReloads = queued ? 1 : 0;
      Duration wanted = request.timeout().orElseGet(() -> defaultBound(request.command(), reply));
      Duration bound = wanted.compareTo(MAX_WAIT) > 0 ? MAX_WAIT : wanted;
      timer = vertx.setTimer(Math.max(1, bound.toMillis()), id -> {
        timer = -1;
        String what = request.command() == LifecycleCommand.STOP ? "the stop" : "the reload";
        answer(504, new JsonObject().put("status", 504).put("accepted", true)
            .put("error", what + " did not end within " + Durations.format(bound) + " (wait=true"
                + (bound.equals(MAX_WAIT) ? ", at most " + Durations.format(MAX_WAIT) : "") + "); it goes on: follow"
                + " GET /lifecycle/events"));
      });
    }

    /** The command was not accepted: its answer is given elsewhere. */
    void cancel() {
      waiters.remove(this);
      if (timer >= 0) {
        vertx.cancelTimer(timer);
      }
    }

    private void onReload(JsonObject event) {
      if (!replied) {
        if (early == null && reason.equals(event.getValue("reason"))) {
          early = event;
        }
      } else if (skipReloads > 0) {
        skipReloads--;
      } else {
        answer(200, event);
      }
    }

    private void answer(int status, JsonObject body) {
      cancel();
      Responses.json(ctx, status, body);
    }
  }

  CommandWaits(Vertx vertx) {
    this.vertx = vertx;
  }

  /**
   * The wait a request asks for, if any.
   *
   * @throws IllegalArgumentException naming the query parameter when {@code wait} is not
   *     {@code true}/{@code false}, is asked of another command than stop or reload, or
   *     {@code timeout} is not a duration
   */
  static Optional<WaitRequest> of(RoutingContext ctx, LifecycleCommand command) {
    String wait = ctx.request().getParam("wait");
    String timeout = ctx.request().getParam("timeout");
    if (wait == null || wait.equals("false")) {
      if (timeout != null) {
        throw new IllegalArgumentException("timeout applies only with wait=true");
      }
      return Optional.empty();
    }
    if (!wait.equals("true")) {
      throw new IllegalArgumentException("wait must be true or false, not \"" + Responses.clean(wait, 40) + "\"");
    }
    if (command != LifecycleCommand.STOP && command != LifecycleCommand.RELOAD) {
      throw new IllegalArgumentException("wait=true is for stop and reload only, not " + command.wireName());
    }
    Optional<Duration> bound = Optional.empty();
    if (timeout != null) {
      try {
        bound = Optional.of(Durations.parse(timeout));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("timeout " + e.getMessage());
      }
      if (bound.get().compareTo(MAX_WAIT) > 0) {
        throw new IllegalArgumentException("timeout is at most " + Durations.format(MAX_WAIT) + " (the listener closes"
            + " a connection idle for " + ManagementService.IDLE_TIMEOUT_SECONDS + " s); follow GET /lifecycle/events"
            + " for a longer wait");
      }
    }
    return Optional.of(new WaitRequest(command, bound));
  }

  /** Registers a wait before its command is sent; the request's closing ends it. */
  Waiter register(RoutingContext ctx, WaitRequest request, String reason) {
    Waiter waiter = new Waiter(ctx, request, reason);
    waiters.add(waiter);
    ctx.response().closeHandler(v -> waiter.cancel());
    return waiter;
  }

  /** Until the stop's deadline (in the coordinator's reply) and {@link #STOP_GRACE}; a reload: {@link #DEFAULT_RELOAD_WAIT}. */
  private static Duration defaultBound(LifecycleCommand command, JsonObject reply) {
    if (command == LifecycleCommand.RELOAD) {
      return DEFAULT_RELOAD_WAIT;
    }
    long now = System.currentTimeMillis();
    Object deadline = reply.getValue("stopDeadline");
    long until = deadline instanceof Number n ? n.longValue()
        : now + reply.getLong("shutdownTimeoutMs", DEFAULT_RELOAD_WAIT.toMillis());
    return Duration.ofMillis(Math.max(0, until - now)).plus(STOP_GRACE);
  }

  /** A lifecycle event: the report ends every wait (a reload's with 409), a reload event the reloads'. */
  void onEvent(String type, JsonObject event) {
    if (LifecycleEvent.REPORT.wireName().equals(type)) {
      finalReport = event.getJsonObject("report", new JsonObject());
      for (Waiter waiter : List.copyOf(waiters)) {
        if (waiter.request.command() == LifecycleCommand.STOP) {
          waiter.answer(200, finalReport);
        } else {
          waiter.answer(409, new JsonObject().put("status", 409)
              .put("error", "the application stopped before the reload ended").put("report", finalReport));
        }
      }
    } else if (LifecycleEvent.RELOAD.wireName().equals(type)) {
      for (Waiter waiter : List.copyOf(waiters)) {
        if (waiter.request.command() == LifecycleCommand.RELOAD) {
          waiter.onReload(event);
        }
      }
    }
  }

  /** The listener is going away: every wait still open gets 503. */
  void closeAll(String reason) {
    for (Waiter waiter : List.copyOf(waiters)) {
      waiter.answer(503, new JsonObject().put("status", 503).put("accepted", true).put("error", reason));
    }
  }
}
