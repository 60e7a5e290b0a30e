package dev.quiesce.launcher;

import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.function.Supplier;

/** What the launcher hands a {@link QuiesceApplication} at start. */
public interface ApplicationContext {

  Vertx vertx();

  /** The whole validated configuration: framework sections and the application's own. */
  JsonObject config();

  /**
   * Deploys a verticle with {@code options}; when the options carry no config, the verticle gets
   * the whole configuration as its {@code config()}.
   */
  Future<String> deploy(Supplier<? extends Deployable> verticle, DeploymentOptions options);

  /** {@link #deploy(Supplier, DeploymentOptions)} with default options (one instance). */
  default Future<String> deploy(Supplier<? extends Deployable> verticle) {
    return deploy(verticle, new DeploymentOptions());
  }
}
