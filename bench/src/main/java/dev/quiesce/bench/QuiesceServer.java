package dev.quiesce.bench;

import dev.quiesce.launcher.QuiesceLauncher;
import dev.quiesce.web.QuiesceWeb;

/**
 * The framework side of the overhead and memory benchmarks: the launcher, the lifecycle
 * coordinator, the management listener (unless {@code management.enabled} is false) and the
 * framework's HTTP verticle running the router of {@link BenchRoutes}.
 *
 * <pre>java -cp quiesce-bench.jar dev.quiesce.bench.QuiesceServer --config bench/conf/overhead.json</pre>
 */
public final class QuiesceServer {

  private QuiesceServer() {
  }

  public static void main(String[] args) {
    QuiesceLauncher.launch(args, ctx -> QuiesceWeb.deploy(ctx, (vertx, config) -> BenchRoutes.router(vertx)));
  }
}
