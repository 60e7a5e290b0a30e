package dev.quiesce.web;

import dev.quiesce.web.impl.ManagementService;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

/**
 * The management listener, on {@code management.host} (default 127.0.0.1) and
 * {@code management.port}, separate from the application's traffic:
 *
 * <ul>
 *   <li>{@code GET /health/live}, {@code GET /health/ready}: vertx-health-check; readiness is down
 *       from {@code announce} on (and while a {@code drain} command is in effect). Applications add
 *       their own checks through {@link QuiesceWeb#liveness} and {@link QuiesceWeb#readiness}.</li>
 *   <li>{@code GET /lifecycle/status}: the coordinator's state, phase and time left, the requests in
 *       flight, and the process manager's summary when one answers on {@code quiesce.process}.</li>
 *   <li>{@code GET /lifecycle/events}: a server-sent-event stream: the status, then every lifecycle
 *       event, the stop report last; then the stream ends.</li>
 *   <li>{@code POST /lifecycle/stop|drain|resume|reload}: the coordinator's commands, with an
 *       optional body {@code {"reason": "…"}}. They need {@code Authorization: Bearer <management.token>}:
 *       403 when no token is configured, 401 for a missing or wrong one; 202 with the coordinator's
 *       reply when accepted, 409 when refused in the current state.</li>
 *   <li>{@code GET /metrics}: Prometheus text (404 when metrics are off).</li>
 * </ul>
 *
 * <p>With {@code management.tls} it speaks HTTPS only (a PEM key and certificate, optionally
 * client certificates; {@link ManagementTls}); the token may come from {@code management.tokenFile}.
 * A token on a non-loopback host without TLS is refused unless {@code management.allowPlainText}.
 *
 * <p>Every answer is JSON (except metrics and the event stream) and carries no stack trace or
 * internal detail; unknown paths get 404, other methods 405 with {@code Allow}, bodies over
 * {@code management.maxBodySize} 413.
 *
 * <p>It takes part in the lifecycle as participant {@code "management"}, in the {@code close}
 * phase only, and asks the coordinator to keep its deployment out of the {@code close} phase's
 * undeploy: it keeps serving until the process exits, so probes and watchers see the whole stop
 * and the events stream delivers the final report. Undeployed earlier, open streams get a
 * {@code closing} event and end. Start fails when the configuration is invalid (a
 * {@link dev.quiesce.config.ConfigException}, also for a token or TLS file that cannot be read or
 * used), the port cannot be bound, or no coordinator answers the registration.
 */
public final class ManagementVerticle extends VerticleBase {

  /** The participant name in the stop report. */
  public static final String PARTICIPANT = ManagementService.NAME;

  private volatile ManagementService service;

  /** A management listener configured by the {@code management} section of its {@code config()}. */
  public ManagementVerticle() {
  }

  @Override
  public Future<?> start() {
    ManagementConfig management;
    try {
      management = ManagementConfig.from(config());
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    service = new ManagementService(vertx, management);
    return service.start();
  }

  @Override
  public Future<?> stop() {
    ManagementService s = service;
    return s == null ? Future.succeededFuture() : s.stop();
  }

  /**
   * The port the listener is bound to (useful with {@code management.port} 0).
   *
   * @return the port, or -1 before it started
   */
  public int actualPort() {
    ManagementService s = service;
    return s == null ? -1 : s.port();
  }
}
