package dev.quiesce.web.impl;

import dev.quiesce.config.ConfigException;
import dev.quiesce.lifecycle.AckMargin;
import dev.quiesce.lifecycle.Participant;
import dev.quiesce.lifecycle.Participants;
import dev.quiesce.lifecycle.PhaseContext;
import dev.quiesce.lifecycle.Steps;
import dev.quiesce.web.HttpConfig;
import dev.quiesce.web.RouterFactory;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP verticle's logic: deploys the instances, takes part in the lifecycle as participant
 * {@code http}, drains the instances on {@code drain} and replaces their servers one at a time
 * on {@code reload}. Runs on the HTTP verticle's context.
 */
public final class HttpService implements Participant {

  private static final Logger LOG = LoggerFactory.getLogger("quiesce.http");

  /** The participant's name in the stop report. */
  public static final String NAME = "http";

  private static final long PROBE_POLL_MS = 20;
  private static final AtomicInteger EPHEMERAL_KEYS = new AtomicInteger();

  private final Vertx vertx;
  private final RouterFactory routes;
  private final WebState state;
  private final List<Instance> instances = new ArrayList<>();
  private HttpConfig config;
  /** The whole configuration the first instances are built with (reloads bring their own). */
  private final JsonObject fullConfig;
  private int listenPort;
  private Participants.Registration registration;
  private MessageConsumer<Object> lifecycleEvents;
  private boolean stopping;
  private long stopBudgetDeadline;
  private boolean reloading;
  private Future<JsonObject> reloadChain = Future.succeededFuture();
  /**
   * Drains a reload ran for the stop because the stop began while it started a server the stop's
   * own drain did not reach: their counts belong to the stop's acknowledgement.
   */
  private final List<Future<DrainResult>> stopSideDrains = new ArrayList<>();
  private Runnable cancelAnnounce = () -> { };
  private volatile int publishedPort = -1;

  /** One running instance and the port it listens on. */
  record Instance(String deploymentId, HttpInstanceVerticle verticle, int port) {

    // equals and hashCode as a record's, written out: the generated ones are bootstrapped at their
    // first call (java.lang.runtime.ObjectMethods, 7-13 ms on 2 CPUs), which was the drain's undeploy
    @Override
    public boolean equals(Object other) {
      return other instanceof Instance i && deploymentId.equals(i.deploymentId) && verticle.equals(i.verticle)
          && port == i.port;
    }

    @Override
    public int hashCode() {
      return deploymentId.hashCode();
    }
  }

  public HttpService(Vertx vertx, RouterFactory routes, HttpConfig config, JsonObject fullConfig) {
    this.vertx = vertx;
    this.routes = routes;
    this.config = config;
    this.fullConfig = fullConfig.copy();
    this.state = WebState.of(vertx);
  }

  // ---------------------------------------------------------------- start and stop

  /** Deploys the instances one after the other (the first one fixes the port when it is 0), then registers. */
  public Future<Void> start() {
    listenPort = listenPort(config);
    lifecycleEvents = state.followLifecycle();
    Future<Void> chain = lifecycleEvents.completion();
    for (int i = 0; i < config.instances(); i++) {
      chain = chain.compose(v -> deployInstance(config, fullConfig, listenPort).map(instance -> {
        instances.add(instance);
        return null;
      }));
    }
    return chain
        .compose(v -> Participants.register(vertx, this))
        .<Void>map(r -> {
          registration = r;
          publishSummary();
          LOG.info("HTTP listening on {}:{} with {} instance(s)", config.host(), currentPort(), instances.size());
          return null;
        })
        .recover(err -> undeployAll(List.copyOf(instances), 5000).eventually(lifecycleEvents::unregister).transform(ignored -> Future.failedFuture(
            new IllegalStateException("the HTTP server on " + config.host() + ":" + config.port()
                + " could not start: " + err.getMessage(), err))));
  }

  /** Undeployed: the instances (children) were undeployed first, each draining if it had not; leave the coordinator. */
  public Future<Void> stop() {
    cancelAnnounce.run();
    // after the drain phase the coordinator expects nothing more from this participant
    Future<Void> left = registration == null || stopping ? Future.succeededFuture() : registration.unregister();
    return left.eventually(() -> undeployAll(List.copyOf(instances), config.undeployDrainTimeout().toMillis() + 1000))
        .eventually(lifecycleEvents::unregister);
  }

  /** The port the listener is bound to; -1 before it listens. Safe from any thread. */
  public int port() {
    return publishedPort;
  }

  int currentPort() {
    return instances.isEmpty() ? -1 : instances.get(instances.size() - 1).port();
  }

  /**
   * The port instances listen on: the configured one, or for port 0 a negative key, with which
   * Vert.x binds one free port and shares it between every server that listens with that key
   * (a plain 0 would give each instance a port of its own).
   */
  private static int listenPort(HttpConfig cfg) {
    return cfg.port() != 0 ? cfg.port() : -(1 + EPHEMERAL_KEYS.getAndIncrement() % 60_000);
  }

  Future<Instance> deployInstance(HttpConfig cfg, JsonObject full, int port) {
    HttpInstanceVerticle verticle = new HttpInstanceVerticle(cfg, full, routes, port);
    return vertx.deployVerticle(verticle, new DeploymentOptions())
        .map(id -> new Instance(id, verticle, verticle.actualPort()));
  }

  private Future<Void> undeployAll(List<Instance> which, long boundMs) {
    List<Future<Void>> undeploys = new ArrayList<>();
    for (Instance instance : which) {
      undeploys.add(undeploy(instance));
    }
    return bounded(Future.join(undeploys).mapEmpty(), boundMs);
  }

  Future<Void> undeploy(Instance instance) {
    instances.remove(instance);
    return vertx.undeploy(instance.deploymentId())
        .onFailure(e -> LOG.debug("undeploy of HTTP instance {}: {}", instance.deploymentId(), e.toString()))
        .otherwiseEmpty();
  }

  private Future<Void> bounded(Future<Void> future, long ms) {
    if (ms <= 0) {
      return Future.succeededFuture();
    }
    return future.timeout(ms, TimeUnit.MILLISECONDS).otherwiseEmpty();
  }

  // ---------------------------------------------------------------- the participant

  @Override
  public String name() {
    return NAME;
  }

  /**
   * {@code announce} and {@code drain}; {@code close} too, where it only drains when no drain
   * phase ran (so the server is drained, not cut, and its instances are gone before the
   * coordinator undeploys what is left).
   */
  @Override
  public Set<String> phases() {
    return Set.of(Steps.ANNOUNCE, Steps.DRAIN, Steps.CLOSE);
  }

  @Override
  public Future<JsonObject> onPhase(PhaseContext phase) {
    return switch (phase.name()) {
      case Steps.ANNOUNCE -> announce(phase);
      case Steps.DRAIN -> drain(phase);
      case Steps.CLOSE -> stopping ? Future.succeededFuture(new JsonObject().put("drained", true)) : drain(phase);
      default -> Future.succeededFuture(new JsonObject());
    };
  }

  @Override
  public Future<JsonObject> onSuspend(PhaseContext suspend) {
    state.markNotReady(WebState.DRAINING, suspend.reason(), false);
    publishSummary();
    return Future.succeededFuture(readinessDetail());
  }

  @Override
  public Future<JsonObject> onResume(PhaseContext resume) {
    state.markReady();
    publishSummary();
    return Future.succeededFuture(readinessDetail());
  }

  private JsonObject readinessDetail() {
    return new JsonObject().put("ready", state.ready()).put("reason", state.notReadyReason());
  }

  // ---------------------------------------------------------------- announce

  /**
   * Readiness goes down ("stopping"), everything else is served as usual, for
   * {@code http.preStopDelay} or until {@code http.preStopProbes} probes were answered 503,
   * never past the phase's deadline less the acknowledgement's margin. The configuration check
   * ({@link HttpConfig}) makes the budget hold the whole delay and that margin, so the delay is
   * only cut ({@code "until":"deadline"}) when the overall stop deadline leaves the phase less.
   */
  private Future<JsonObject> announce(PhaseContext phase) {
    state.markNotReady(WebState.STOPPING, phase.reason(), true);
    publishSummary();
    long started = System.currentTimeMillis();
    long probesBefore = state.notReadyAnswers();
    long delay = config.preStopDelay().toMillis();
    long wait = phase.forced() ? 0 : AckMargin.waitWithin(delay, phase.remaining().toMillis());
    String elapsed = wait < delay ? "deadline" : "delay";
    int probes = config.preStopProbes();
    Promise<String> ended = Promise.promise();
    List<Long> timers = new ArrayList<>();
    if (phase.forced()) {
      ended.tryComplete("forced");
    } else if (wait <= 0) {
      ended.tryComplete(elapsed);
    } else {
      timers.add(vertx.setTimer(wait, id -> ended.tryComplete(elapsed)));
      if (probes > 0) {
        timers.add(vertx.setPeriodic(PROBE_POLL_MS, id -> {
          if (state.notReadyAnswers() - probesBefore >= probes) {
            ended.tryComplete("probes");
          }
        }));
      }
    }
    cancelAnnounce = () -> ended.tryComplete("cut short");
    return ended.future().map(until -> {
      timers.forEach(vertx::cancelTimer);
      cancelAnnounce = () -> { };
      return new JsonObject().put("waitedMs", System.currentTimeMillis() - started).put("until", until)
          .put("probesSeen", state.notReadyAnswers() - probesBefore);
    });
  }

  // ---------------------------------------------------------------- drain

  private Future<JsonObject> drain(PhaseContext phase) {
    cancelAnnounce.run();
    stopping = true;
    state.markNotReady(WebState.STOPPING, phase.reason(), true);
    long remaining = phase.forced() ? 0 : phase.remaining().toMillis();
    long now = System.currentTimeMillis();
    long budgetDeadline = now + AckMargin.usable(remaining);
    stopBudgetDeadline = budgetDeadline;
    long settle = Math.max(20, AckMargin.of(remaining) / 2);
    DrainPlan plan = new DrainPlan(DrainKind.STOP, config.drainCloseWindow().toMillis(), budgetDeadline, settle);
    List<Instance> all = List.copyOf(instances);
    publishSummary();
    LOG.info("HTTP drain begins: {} instance(s), {} request(s) in flight, budget {} ms", all.size(),
        state.inFlight(), budgetDeadline - now);
    return drainAll(all, plan)
        .compose(result -> withReloadSideDrains(result, budgetDeadline + settle))
        .compose(result -> undeployAll(all, Math.max(0, phase.deadline() - System.currentTimeMillis()) / 2)
            .map(result))
        .map(result -> {
          state.meters().drained(DrainKind.STOP, result);
          publishSummary();
          JsonObject detail = result.toJson();
          if (result.aborted() > 0) {
            // requests cut at the end of the budget are work lost: like children killed, they make the stop
            // forced (exit code 3), and the report's problems say how many
            detail.put("forced", true).put("forcedReason", result.aborted() + " request(s) still in flight at the end"
                + " of the drain budget aborted");
          }
          LOG.info("HTTP drain done in {} ms: {}", result.durationMs(), detail.encode());
          return detail;
        });
  }

  /**
   * {@code stopDrain} plus what a reload under way drained for the stop: waits, at most until
   * {@code until}, for the reload's current step to end (the stop gave its draining servers the
   * stop's budget), then adds the drains it ran for the stop. A side drain not done by then is
   * left out, and logged.
   */
  private Future<DrainResult> withReloadSideDrains(DrainResult stopDrain, long until) {
    long wait = Math.max(1, until - System.currentTimeMillis());
    return reloadChain.<Void>transform(ar -> Future.succeededFuture())
        .timeout(wait, TimeUnit.MILLISECONDS)
        .transform(ar -> {
          DrainResult sum = stopDrain;
          for (Future<DrainResult> side : stopSideDrains) {
            if (side.succeeded()) {
              sum = sum.plus(side.result());
            } else {
              LOG.warn("a drain the reload ran for the stop is not counted: {}",
                  side.failed() ? side.cause().getMessage() : "not done in the stop's budget");
            }
          }
          return Future.succeededFuture(sum);
        });
  }

  private Future<DrainResult> drainAll(List<Instance> which, DrainPlan plan) {
    List<Future<DrainResult>> drains = new ArrayList<>();
    for (Instance instance : which) {
      drains.add(instance.verticle().drain(plan));
    }
    return DrainResult.sumOf(drains);
  }

  // ---------------------------------------------------------------- reload

  /**
   * Replaces the servers one instance at a time with the new configuration: on each instance's
   * event loop a new server (new router, new configuration) starts listening on the shared port,
   * then the old one drains (a window of {@code Connection: close}, then a graceful shutdown) and
   * goes. More instances than before are deployed, fewer are drained and undeployed. Fails,
   * naming the instance, when a new server cannot start; the instances not yet replaced keep
   * serving with the previous configuration.
   */
  @Override
  public Future<JsonObject> onReload(PhaseContext reload) {
    HttpConfig next;
    try {
      next = HttpConfig.from(reload.config());
    } catch (ConfigException e) {
      return Future.failedFuture(e);
    }
    if (stopping) {
      return Future.failedFuture(new IllegalStateException("the HTTP server is stopping"));
    }
    Future<JsonObject> run = reloadChain.transform(ignored -> rollingReplace(next, reload.config(), reload));
    reloadChain = run;
    return run;
  }

  private Future<JsonObject> rollingReplace(HttpConfig next, JsonObject full, PhaseContext reload) {
    if (stopping) {
      return Future.failedFuture(new IllegalStateException("the HTTP server is stopping"));
    }
    reloading = true;
    publishSummary();
    boolean sameAddress = next.host().equals(config.host()) && next.port() == config.port();
    int listen = next.port() == 0 && sameAddress ? listenPort : listenPort(next);
    return new ReloadRun(this, next, full, reload, listen).run();
  }

  // ---------------------------------------------------------------- what a reload run uses

  List<Instance> instances() {
    return List.copyOf(instances);
  }

  int instanceCount() {
    return instances.size();
  }

  boolean stopping() {
    return stopping;
  }

  WebState state() {
    return state;
  }

  /** The server of {@code instance} was replaced in place: its port may have changed. */
  void replaced(Instance instance) {
    int at = instances.indexOf(instance);
    if (at >= 0) {
      instances.set(at, new Instance(instance.deploymentId(), instance.verticle(), instance.verticle().actualPort()));
    }
    publishSummary();
  }

  void added(Instance instance) {
    instances.add(instance);
    publishSummary();
  }

  /** Drains {@code instance} with the stop under way (no window: the stop's own drain has begun). */
  Future<DrainResult> drainForStop(Instance instance) {
    return drainAll(List.of(instance), DrainPlan.immediate(DrainKind.STOP, stopBudgetDeadline, 20));
  }

  /** A drain a reload ran for the stop: its counts go into the stop's acknowledgement. */
  void countForStop(Future<DrainResult> drain) {
    stopSideDrains.add(drain);
  }

  /** The reload ended; {@code applied} is the configuration now in use, null when nothing changed. */
  void reloadEnded(HttpConfig applied, int listen) {
    reloading = false;
    if (applied != null) {
      config = applied;
      listenPort = listen;
    }
    publishSummary();
  }

  // ---------------------------------------------------------------- status

  private void publishSummary() {
    JsonArray ports = new JsonArray();
    for (Instance instance : instances) {
      if (!ports.contains(instance.port())) {
        ports.add(instance.port());
      }
    }
    if (!instances.isEmpty()) {
      publishedPort = currentPort();
    }
    state.http(new JsonObject().put("host", config.host()).put("port", currentPort()).put("ports", ports)
        .put("instances", instances.size()).put("stopping", stopping).put("reloading", reloading));
  }
}
