package dev.quiesce.launcher;

import io.vertx.core.Future;

/**
 * An application run by {@link QuiesceLauncher}: it deploys its verticles once the
 * configuration is validated and the lifecycle coordinator runs.
 *
 * <pre>{@code
 * public static void main(String[] args) {
 *   QuiesceLauncher.launch(args, ctx -> ctx.deploy(() -> new MyVerticle()));
 * }
 * }</pre>
 */
@FunctionalInterface
public interface QuiesceApplication {

  /**
   * Deploys the application. A failed future (or an exception) is a startup failure: the
   * launcher stops what was started and exits with {@link ExitCodes#STARTUP_FAILURE}.
   *
   * @param context the Vert.x instance, the configuration and a way to deploy verticles
   * @return completes when the application has started
   */
  Future<?> start(ApplicationContext context);
}
