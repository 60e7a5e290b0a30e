package dev.quiesce.web.impl;

import dev.quiesce.lifecycle.AckMargin;
import dev.quiesce.lifecycle.PhaseContext;
import dev.quiesce.web.HttpConfig;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One reload of the HTTP servers: the instances replaced one at a time with the new
 * configuration, then the acknowledgement. Step {@code i} replaces the server of instance
 * {@code i} in place (the new server listens before the old one drains), deploys a new instance
 * when there are more than before, or drains and undeploys one when there are fewer. Each old
 * server gets an equal share of what is left of the reload's budget. Runs on the HTTP verticle's
 * context; a stop that begins meanwhile ends it after its current step.
 */
final class ReloadRun {

  private static final Logger LOG = LoggerFactory.getLogger("quiesce.http");

  private final HttpService service;
  private final HttpConfig next;
  private final JsonObject full;
  private final PhaseContext reload;
  private final List<HttpService.Instance> old;
  private final int listenPort;
  private final int target;
  private final long started = System.currentTimeMillis();
  private DrainResult drained = DrainResult.NONE;
  /** Instances whose server was replaced in place. */
  private int replaced;
  /** A step changed something (replaced, added or retired an instance): the new configuration is in use. */
  private boolean changed;

  ReloadRun(HttpService service, HttpConfig next, JsonObject full, PhaseContext reload, int listenPort) {
    this.service = service;
    this.next = next;
    this.full = full;
    this.reload = reload;
    this.old = service.instances();
    this.listenPort = listenPort;
    this.target = next.instances();
  }

  /** Runs every step in order; the acknowledgement detail, or a failure naming the instance and what was replaced. */
  Future<JsonObject> run() {
    Future<Void> chain = Future.succeededFuture();
    for (int i = 0; i < Math.max(old.size(), target); i++) {
      int index = i;
      chain = chain.compose(v -> step(index));
    }
    return chain.transform(this::finish);
  }

  private Future<Void> step(int index) {
    if (service.stopping()) {
      return Future.failedFuture(new IllegalStateException("a stop began during the reload"));
    }
    long now = System.currentTimeMillis();
    long share = AckMargin.usable(reload.deadline() - now) / Math.max(1, old.size() - index);
    DrainPlan plan = new DrainPlan(DrainKind.RELOAD, Math.min(next.reloadCloseWindow().toMillis(), share / 2),
        now + share, Math.max(20, AckMargin.of(share) / 2));
    if (index < old.size() && index < target) {
      return replaceInPlace(old.get(index), index, plan);
    }
    if (index < target) {
      return addInstance(index);
    }
    return retire(old.get(index), plan);
  }

  /** The same instance, a new server: it listens before the old one drains. */
  private Future<Void> replaceInPlace(HttpService.Instance instance, int index, DrainPlan plan) {
    return instance.verticle().replace(next, full, listenPort, plan)
        .recover(e -> {
          if (e instanceof HttpInstanceVerticle.StoppedDuringReload stopped) {
            service.countForStop(Future.succeededFuture(stopped.drained));
            return Future.failedFuture(e);
          }
          return Future.failedFuture(new IllegalStateException("instance " + (index + 1) + " of " + target
              + " could not start with the new configuration: " + e.getMessage(), e));
        })
        .map(result -> {
          drained = drained.plus(result);
          replaced++;
          changed = true;
          service.replaced(instance);
          return null;
        });
  }

  /** More instances than before: a new one; drained at once with the stop when one began meanwhile. */
  private Future<Void> addInstance(int index) {
    return service.deployInstance(next, full, listenPort)
        .recover(e -> Future.failedFuture(new IllegalStateException("new instance " + (index + 1) + " of " + target
            + " could not start: " + e.getMessage(), e)))
        .compose(instance -> {
          changed = true;
          service.added(instance);
          if (!service.stopping()) {
            return Future.<Void>succeededFuture();
          }
          Future<DrainResult> side = service.drainForStop(instance);
          service.countForStop(side);
          return side.compose(r -> service.undeploy(instance));
        });
  }

  /** Fewer instances than before: this one drains (its window, then a graceful shutdown) and goes. */
  private Future<Void> retire(HttpService.Instance instance, DrainPlan plan) {
    return instance.verticle().drain(plan).compose(result -> {
      drained = drained.plus(result);
      changed = true;
      return service.undeploy(instance);
    });
  }

  private Future<JsonObject> finish(AsyncResult<Void> ar) {
    service.reloadEnded(changed ? next : null, listenPort);
    service.state().meters().drained(DrainKind.RELOAD, drained);
    service.state().meters().instancesReplaced(replaced);
    JsonObject detail = drained.toJson().put("replaced", replaced).put("instances", service.instanceCount())
        .put("port", service.currentPort()).put("durationMs", System.currentTimeMillis() - started);
    if (ar.failed()) {
      LOG.error("HTTP reload failed after replacing {} of {} instance(s): {}", replaced, old.size(),
          ar.cause().getMessage());
      return Future.failedFuture(new IllegalStateException(ar.cause().getMessage() + " (" + replaced
          + " of " + old.size() + " instance(s) replaced; the others keep the previous configuration)", ar.cause()));
    }
    LOG.info("HTTP reload done: {}", detail.encode());
    return Future.succeededFuture(detail);
  }
}
