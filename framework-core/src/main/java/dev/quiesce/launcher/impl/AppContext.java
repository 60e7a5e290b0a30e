package dev.quiesce.launcher.impl;

import dev.quiesce.launcher.ApplicationContext;
import dev.quiesce.lifecycle.LifecycleCoordinator;
import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/** The {@link ApplicationContext} handed to the application; names each deployment for the stop report. */
final class AppContext implements ApplicationContext {

  private final Vertx vertx;
  private final JsonObject config;
  private final LifecycleCoordinator coordinator;

  AppContext(Vertx vertx, JsonObject config, LifecycleCoordinator coordinator) {
    this.vertx = vertx;
    this.config = config;
    this.coordinator = coordinator;
  }

  @Override
  public Vertx vertx() {
    return vertx;
  }

  @Override
  public JsonObject config() {
    return config;
  }

  @Override
  public Future<String> deploy(Supplier<? extends Deployable> verticle, DeploymentOptions options) {
    DeploymentOptions effective = new DeploymentOptions(options);
    if (effective.getConfig() == null) {
      effective.setConfig(config.copy());
    }
    AtomicReference<String> name = new AtomicReference<>();
    Supplier<Deployable> naming = () -> {
      Deployable d = verticle.get();
      name.compareAndSet(null, d.getClass().getName());
      return d;
    };
    return vertx.deployVerticle(naming, effective).onSuccess(id -> coordinator.nameDeployment(id,
        name.get() + (effective.getInstances() > 1 ? " x" + effective.getInstances() : "")));
  }
}
