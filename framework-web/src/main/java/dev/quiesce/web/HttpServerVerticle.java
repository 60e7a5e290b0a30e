package dev.quiesce.web;

import dev.quiesce.web.impl.HttpService;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.util.Objects;

/**
 * Runs the application's router on {@code http.host}:{@code http.port} with
 * {@code http.instances} instances sharing the port, and takes part in the lifecycle as
 * participant {@code "http"} (phases {@code announce}, {@code drain} and {@code close}, and the
 * {@code suspend}, {@code resume} and {@code reload} steps).
 *
 * <ul>
 *   <li>{@code announce}: readiness answers 503 ("stopping"); every other route is served as usual
 *       for {@code http.preStopDelay}, or until {@code http.preStopProbes} probes saw 503.</li>
 *   <li>{@code drain}: the listener stops accepting; responses carry {@code Connection: close};
 *       idle keep-alive connections close; HTTP/2 connections get GOAWAY; WebSockets get 1001;
 *       server-sent-event streams get {@code http.sseFinalEvent} and end; in-flight requests
 *       finish until the phase budget, then the rest are closed. The acknowledgement carries
 *       {@code {"completed","aborted","connectionsClosed","websockets","streams"}}; the drained
 *       instances are undeployed before it is sent.</li>
 *   <li>{@code close}: nothing when {@code drain} ran; otherwise the drain happens here.</li>
 *   <li>{@code suspend} / {@code resume} (commands {@code drain} / {@code resume}): readiness
 *       down ("draining") / up; requests keep being served.</li>
 *   <li>{@code reload}: the instances' servers are replaced one at a time with the new
 *       configuration (the router factory is called again with it): the new server listens on
 *       the shared port before the old one drains, so no request is refused or failed.</li>
 * </ul>
 *
 * <p>Deploy it with one instance (it deploys the server instances itself), with the whole
 * configuration as its {@code config()}: {@link QuiesceWeb#deployHttp}. Start fails, and nothing
 * stays bound, when the configuration is invalid, the router factory fails, the port cannot be
 * bound, or no lifecycle coordinator answers the registration within 5 s. Undeployed without a
 * drain phase first, it drains for at most {@code http.undeployDrainTimeout}.
 */
public final class HttpServerVerticle extends VerticleBase {

  /** The participant name in the stop report. */
  public static final String PARTICIPANT = HttpService.NAME;

  private final RouterFactory routes;
  private volatile HttpService service;

  /**
   * A server whose instances build their routers with {@code routes}.
   *
   * @param routes builds each instance's router
   * @throws NullPointerException if {@code routes} is null
   */
  public HttpServerVerticle(RouterFactory routes) {
    this.routes = Objects.requireNonNull(routes, "routes");
  }

  @Override
  public Future<?> start() {
    HttpConfig http;
    try {
      http = HttpConfig.from(config());
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    service = new HttpService(vertx, routes, http, config());
    return service.start();
  }

  @Override
  public Future<?> stop() {
    HttpService s = service;
    return s == null ? Future.succeededFuture() : s.stop();
  }

  /**
   * The port the server listens on (useful with {@code http.port} 0).
   *
   * @return the port, or -1 before it started
   */
  public int actualPort() {
    HttpService s = service;
    return s == null ? -1 : s.port();
  }
}
