package dev.quiesce.launcher;

import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.function.Supplier;

/** What the launcher hands a {@link QuiesceApplication} at start. */
public interface ApplicationContext {

  /**
   * The Vert.x instance the launcher created.
   *
   * @return the application's {@code Vertx}
   */
  Vertx vertx();

  /**
   * The whole validated configuration: framework sections and the application's own.
   *
   * @return the configuration
   */
  JsonObject config();

  /**
   * Deploys a verticle with {@code options}; when the options carry no config, the verticle gets
   * the whole configuration as its {@code config()}.
   *
   * @param verticle creates each instance of the verticle
   * @param options the deployment options (copied, not changed)
   * @return the deployment id; failed when the deployment fails
   */
  Future<String> deploy(Supplier<? extends Deployable> verticle, DeploymentOptions options);

  /**
   * {@link #deploy(Supplier, DeploymentOptions)} with default options (one instance).
   *
   * @param verticle creates the verticle
   * @return the deployment id; failed when the deployment fails
   */
  default Future<String> deploy(Supplier<? extends Deployable> verticle) {
    return deploy(verticle, new DeploymentOptions());
  }
}
