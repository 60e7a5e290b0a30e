package dev.quiesce.bench;

import dev.quiesce.web.QuiesceMetrics;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.util.concurrent.TimeUnit;

/**
 * The baseline of the overhead benchmark: plain Vert.x, no framework. Deploys {@code --instances}
 * verticles, each with {@code vertx.createHttpServer().requestHandler(router)} for the router of
 * {@link BenchRoutes}, on {@code --host}:{@code --port}. {@code --metrics} turns on the same
 * Micrometer/Prometheus metrics the framework turns on ({@link QuiesceMetrics#enable}), to compare
 * like with like. Stops with the JVM's default handling of TERM (no drain: this is the baseline).
 *
 * <p>{@code --graceful SECONDS} makes it the peer of the keep-alive stop benchmark, plain Vert.x 5
 * stopped gracefully as a Vert.x application would do it without the framework: the router of
 * {@link BenchRoutes#withWork} (adds {@code GET /work?ms=N}), h2c off (as the framework has it;
 * with h2c on, a connection accepted but silent is not drained until the timeout), and on TERM a
 * JVM shutdown hook closes Vert.x, whose undeploy calls each verticle's {@code stop()}:
 * {@code httpServer.shutdown(SECONDS, SECONDS)} (listener closed at once, idle keep-alive
 * connections closed, requests in flight finished). The hook waits at most SECONDS + 5 s for the
 * close; the JVM then exits 143.
 *
 * <p>{@code --probe route,wrap,…} adds one of the framework's per-request mechanisms (diagnostics:
 * see {@link Probes}).
 *
 * <pre>
 * java -cp quiesce-bench.jar dev.quiesce.bench.BareServer --port 18080 --instances 2 [--metrics] [--graceful 30]
 * </pre>
 */
public final class BareServer {

  private BareServer() {
  }

  public static void main(String[] args) throws Exception {
    // the same logging configuration the framework's launcher uses
    if (System.getProperty("logback.configurationFile") == null) {
      System.setProperty("logback.configurationFile", "quiesce-logback.xml");
    }
    String host = "127.0.0.1";
    int port = 18080;
    int instances = 2;
    boolean metrics = false;
    java.util.Set<String> probes = java.util.Set.of();
    int graceful = -1;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--host" -> host = args[++i];
        case "--port" -> port = Integer.parseInt(args[++i]);
        case "--instances" -> instances = Integer.parseInt(args[++i]);
        case "--metrics" -> metrics = true;
        case "--probe" -> probes = java.util.Set.of(args[++i].split(","));
        case "--graceful" -> graceful = Integer.parseInt(args[++i]);
        default -> {
          System.err.println("unknown argument " + args[i]);
          System.exit(2);
        }
      }
    }
    long started = System.nanoTime();
    VertxOptions options = new VertxOptions();
    if (metrics) {
      QuiesceMetrics.enable(options);
    }
    Vertx vertx = Vertx.vertx(options);
    String h = host;
    int p = port;
    java.util.Set<String> probeSet = probes;
    int graceSeconds = graceful;
    vertx.deployVerticle(() -> graceSeconds >= 0 ? new GracefulVerticle(h, p, graceSeconds) : new VerticleBase() {
      @Override
      public Future<?> start() {
        io.vertx.ext.web.Router router = BenchRoutes.router(vertx);
        if (probeSet.isEmpty()) {
          return vertx.createHttpServer().requestHandler(router).listen(p, h);
        }
        // diagnostic variants only (see Probes)
        Probes probe = new Probes(probeSet);
        probe.install(router);
        return vertx.createHttpServer().requestHandler(probe.handler(router)).listen(p, h);
      }
    }, new DeploymentOptions().setInstances(instances)).toCompletionStage().toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
    if (graceful >= 0) {
      long waitSeconds = graceful + 5L;
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          vertx.close().toCompletionStage().toCompletableFuture().get(waitSeconds, TimeUnit.SECONDS);
        } catch (Exception e) {
          System.err.println("closing Vert.x on TERM did not complete within " + waitSeconds + " s: " + e);
        }
      }, "bare-graceful-close"));
    }
    System.out.println("bare Vert.x started pid=" + ProcessHandle.current().pid() + " in "
        + (System.nanoTime() - started) / 1_000_000 + " ms; " + instances + " instance(s) on " + host + ":" + port
        + (metrics ? " with metrics" : "") + (probes.isEmpty() ? "" : " with probes " + probes)
        + (graceful >= 0 ? "; on TERM httpServer.shutdown(" + graceful + " s)" : ""));
  }

  /** The verticle of {@code --graceful}: serves {@link BenchRoutes#withWork}; {@code stop()} shuts its server down. */
  private static final class GracefulVerticle extends VerticleBase {
    private final String host;
    private final int port;
    private final int graceSeconds;
    private HttpServer server;

    GracefulVerticle(String host, int port, int graceSeconds) {
      this.host = host;
      this.port = port;
      this.graceSeconds = graceSeconds;
    }

    @Override
    public Future<?> start() {
      server = vertx.createHttpServer(new HttpServerOptions().setHttp2ClearTextEnabled(false))
          .requestHandler(BenchRoutes.withWork(vertx));
      return server.listen(port, host);
    }

    @Override
    public Future<?> stop() {
      return server.shutdown(graceSeconds, TimeUnit.SECONDS);
    }
  }
}
