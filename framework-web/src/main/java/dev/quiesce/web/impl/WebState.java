package dev.quiesce.web.impl;

import dev.quiesce.lifecycle.EventBusContract.LifecycleEvent;
import dev.quiesce.lifecycle.EventBusContract;
import dev.quiesce.lifecycle.LifecycleCommand;
import dev.quiesce.lifecycle.LifecycleState;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.Shareable;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the HTTP verticle and the management listener of one {@code Vertx} share: readiness, the
 * health checks, the in-flight request count and the meters. One per {@code Vertx}, kept in a
 * local shared-data map; every field is safe to use from any thread.
 */
public final class WebState implements Shareable {

  private static final String MAP = "quiesce.web";
  private static final String KEY = "state";

  /** How long a readiness probe waits for the coordinator's state while the application starts. */
  static final long STATUS_TIMEOUT_MS = 500;

  /** Readiness reasons, as the readiness body shows them. */
  public static final String STARTING = "starting";
  public static final String STOPPING = "stopping";
  public static final String DRAINING = "draining";

  private final HealthChecks liveness;
  private final HealthChecks readiness;
  /** Changed on every request by every event loop: a LongAdder, so the loops do not contend for one counter. */
  private final LongAdder inFlight = new LongAdder();
  private final AtomicLong notReadyAnswers = new AtomicLong();
  private final AtomicReference<NotReady> notReady = new AtomicReference<>();
  private final Vertx vertx;
  /** Latched once the coordinator was seen past {@code STARTING}. */
  private volatile boolean started;
  private final long createdAt = System.currentTimeMillis();
  private final AtomicReference<JsonObject> http = new AtomicReference<>(new JsonObject());
  private final WebMeters meters;

  /** Why readiness is down, since when. */
  record NotReady(String reason, String cause, long since, boolean stopping) {
  }

  private WebState(Vertx vertx) {
    this.vertx = vertx;
    this.liveness = HealthChecks.create(vertx);
    this.readiness = HealthChecks.create(vertx);
    this.meters = new WebMeters(vertx, this);
    liveness.register("vertx", promise -> promise.complete(Status.OK()));
    readiness.register("lifecycle", promise -> {
      if (started) {
        answer(promise);
      } else {
        askCoordinator(promise);
      }
    });
  }

  private void answer(Promise<Status> promise) {
    NotReady down = notReady.get();
    promise.complete(down == null ? Status.OK() : down(down.reason(), down.cause(), down.since()));
  }

  private static Status down(String reason, String cause, long since) {
    return Status.KO(new JsonObject().put("reason", reason).put("cause", cause).put("since", since));
  }

  /**
   * Until the application has started, each probe asks the coordinator for its state: ready
   * needs {@code RUNNING} (every verticle deployed, every listener bound), not just this one
   * listener. A coordinator that does not answer within {@link #STATUS_TIMEOUT_MS} keeps
   * readiness down, with the reason.
   */
  private void askCoordinator(Promise<Status> promise) {
    coordinatorStatus(STATUS_TIMEOUT_MS).onComplete(ar -> {
          String lifecycle = ar.succeeded() ? ar.result().getString("state") : null;
          if (started) {
            answer(promise);
          } else {
            promise.complete(down(STARTING, lifecycle != null ? "the application is starting (lifecycle state "
                + lifecycle + ")" : "the lifecycle coordinator did not answer: "
                + (ar.failed() ? ar.cause().getMessage() : "no state in its reply"), createdAt));
          }
        });
  }

  /**
   * Asks the coordinator for its status (the {@code status} command), waiting at most
   * {@code timeoutMs}; a reply that is not a JSON object counts as an empty one. The state in the
   * reply is noted, as by {@link #onLifecycleEvent}. Fails when the coordinator does not answer.
   */
  public Future<JsonObject> coordinatorStatus(long timeoutMs) {
    return vertx.eventBus().<Object>request(EventBusContract.COMMANDS,
            new JsonObject().put("command", LifecycleCommand.STATUS.wireName()),
            EventBusContract.nodeLocal().setSendTimeout(timeoutMs))
        .map(reply -> reply.body() instanceof JsonObject o ? o : new JsonObject())
        .andThen(ar -> {
          if (ar.succeeded() && ar.result().getValue("state") instanceof String now) {
            lifecycleState(now);
          }
        });
  }

  /**
   * Follows the coordinator's events on {@link EventBusContract#EVENTS} (see
   * {@link #onLifecycleEvent}), so that {@link #ready()} turns true when the application has
   * started even when no probe asked. The caller unregisters the consumer when it stops.
   */
  public MessageConsumer<Object> followLifecycle() {
    return vertx.eventBus().localConsumer(EventBusContract.EVENTS, message -> {
      if (message.body() instanceof JsonObject event) {
        onLifecycleEvent(event);
      }
    });
  }

  /** Notes a {@code state} event of the coordinator; other events are ignored. */
  public void onLifecycleEvent(JsonObject event) {
    if (LifecycleEvent.STATE.wireName().equals(event.getValue("type")) && event.getValue("to") instanceof String to) {
      lifecycleState(to);
    }
  }

  /** Any lifecycle state but {@code STARTING} means the application has started. */
  private void lifecycleState(String lifecycle) {
    if (!LifecycleState.STARTING.name().equals(lifecycle)) {
      started = true;
    }
  }

  /**
   * A readiness endpoint: the vertx-health-check handler on {@link #readiness()}, counting each
   * 503 it answers ({@link #readinessAnswered}). One per router.
   */
  public Handler<RoutingContext> readinessHandler() {
    HealthCheckHandler readiness = HealthCheckHandler.createWithHealthChecks(this.readiness);
    return ctx -> {
      ctx.addBodyEndHandler(v -> readinessAnswered(ctx.response().getStatusCode()));
      readiness.handle(ctx);
    };
  }

  /** The state of {@code vertx}, created on first use. */
  public static WebState of(Vertx vertx) {
    return vertx.sharedData().<String, WebState>getLocalMap(MAP).computeIfAbsent(KEY, k -> new WebState(vertx));
  }

  public HealthChecks liveness() {
    return liveness;
  }

  public HealthChecks readiness() {
    return readiness;
  }

  public WebMeters meters() {
    return meters;
  }

  // ---------------------------------------------------------------- readiness

  /** True once the application has started, unless a stop was announced or a drain command is in effect. */
  public boolean ready() {
    return started && notReady.get() == null;
  }

  /** The reason readiness is down ({@link #STARTING}, {@link #STOPPING}, {@link #DRAINING}), or null. */
  public String notReadyReason() {
    NotReady down = notReady.get();
    return down != null ? down.reason() : started ? null : STARTING;
  }

  /**
   * Takes readiness down. A stop ({@code stopping} true) is final: a later {@link #markReady()}
   * does not undo it, and a drain command does not replace it.
   */
  public void markNotReady(String reason, String cause, boolean stopping) {
    notReady.updateAndGet(current -> {
      if (current != null && current.stopping()) {
        return current;
      }
      if (current != null && !stopping && current.reason().equals(reason)) {
        return current;
      }
      return new NotReady(reason, cause, System.currentTimeMillis(), stopping);
    });
  }

  /** Readiness up again (command {@code resume}); ignored once a stop began. */
  public void markReady() {
    notReady.updateAndGet(current -> current != null && current.stopping() ? current : null);
  }

  /** Called by every readiness endpoint once it has answered. */
  public void readinessAnswered(int statusCode) {
    if (statusCode == 503) {
      notReadyAnswers.incrementAndGet();
    }
  }

  /** How many readiness probes have been answered 503 so far (a running count). */
  public long notReadyAnswers() {
    return notReadyAnswers.get();
  }

  // ---------------------------------------------------------------- HTTP

  public long inFlight() {
    return inFlight.sum();
  }

  void requestStarted() {
    inFlight.increment();
  }

  void requestEnded() {
    inFlight.decrement();
  }

  /**
   * A summary of the HTTP listener for the status endpoint (a copy): what the HTTP verticle last
   * published (address, instances, stopping, reloading), with readiness as it is now, read when
   * asked rather than kept from the moment of publishing. Empty while no HTTP verticle runs.
   */
  public JsonObject http() {
    JsonObject summary = http.get().copy();
    return summary.isEmpty() ? summary
        : summary.put("ready", ready()).put("notReadyReason", notReadyReason());
  }

  void http(JsonObject summary) {
    http.set(summary.copy());
  }
}
