package dev.quiesce.example;

import dev.quiesce.launcher.QuiesceLauncher;
import dev.quiesce.process.ProcessManagerVerticle;
import dev.quiesce.web.QuiesceWeb;

/**
 * The example application: an HTTP API and a pool of worker child processes, stopped, drained
 * and reloaded by Quiesce.
 *
 * <pre>
 * java -jar example-app/target/example-app.jar --config example-app/conf/config.json
 * </pre>
 *
 * The process manager and the job queue are deployed first so that {@code GET /workers} and
 * {@code POST /jobs} can answer from the first request; then the management listener and the HTTP
 * server.
 */
public final class ExampleApp {

  private ExampleApp() {
  }

  public static void main(String[] args) {
    QuiesceLauncher.launch(args, ctx -> ctx.deploy(ProcessManagerVerticle::new)
        .compose(processes -> ctx.deploy(JobQueueVerticle::new))
        .compose(jobs -> QuiesceWeb.deploy(ctx, ExampleRoutes::router)));
  }
}
