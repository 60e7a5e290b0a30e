package dev.quiesce.web.impl;

import dev.quiesce.config.ConfigException;
import dev.quiesce.lifecycle.EventBusContract.LifecycleEvent;
import dev.quiesce.lifecycle.EventBusContract.ReloadOutcome;
import dev.quiesce.lifecycle.EventBusContract;
import dev.quiesce.lifecycle.LifecycleCommand;
import dev.quiesce.lifecycle.Participant;
import dev.quiesce.lifecycle.Participants;
import dev.quiesce.lifecycle.PhaseContext;
import dev.quiesce.lifecycle.Steps;
import dev.quiesce.lifecycle.StopOutcome;
import dev.quiesce.lifecycle.WireNamed;
import dev.quiesce.web.ManagementConfig;
import dev.quiesce.web.QuiesceMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The management listener's logic: its router, the lifecycle events it streams and counts, and
 * its part in the lifecycle (participant {@code management}, phase {@code close}). Runs on the
 * management verticle's context.
 */
public final class ManagementService implements Participant {

  /** A connection idle this long is closed (a {@code wait=true} answer stays below it: {@link CommandWaits#MAX_WAIT}). */
  static final int IDLE_TIMEOUT_SECONDS = 120;

  private static final Logger LOG = LoggerFactory.getLogger("quiesce.management");

  /** The participant's name in the stop report. */
  public static final String NAME = "management";
  /** A reason longer than the coordinator takes is cut to its limit, not refused. */
  private static final int MAX_REASON = EventBusContract.MAX_REASON_LENGTH;

  private final Vertx vertx;
  private final WebState state;
  private final EventStreams streams = new EventStreams();
  private final CommandWaits waits;
  private final FleetRoutes fleet;
  private final ManagementConfig started;
  private volatile ManagementConfig config;
  private volatile BearerToken token;
  private volatile BodyHandler bodies;
  private volatile HttpServer server;
  private MessageConsumer<Object> events;
  private Participants.Registration registration;
  private long heartbeatTimer = -1;
  private boolean closing;

  public ManagementService(Vertx vertx, ManagementConfig config) {
    this.vertx = vertx;
    this.state = WebState.of(vertx);
    this.started = config;
    this.waits = new CommandWaits(vertx);
    this.fleet = new FleetRoutes(vertx, this::authorized);
    apply(config, new ManagementFiles.Contents(Optional.empty(), false, Optional.empty()));
  }

  /** Applies {@code next} with the token of its token file (if any) read into {@code files}. */
  private void apply(ManagementConfig next, ManagementFiles.Contents files) {
    config = next;
    token = next.token().or(files::token).map(BearerToken::new).orElse(null);
    bodies = BodyHandler.create(false).setBodyLimit(next.maxBodySize());
    if (files.tokenFileReadableByOthers()) {
      LOG.warn("management.tokenFile {} can be read by every user of this machine (chmod 600 or 400 it, or set"
          + " defaultMode 0400 on a Kubernetes secret volume)", next.tokenFile().orElseThrow());
    }
  }

  /** The token file and TLS files of {@code next}, read on a worker (bounded); fails with a ConfigException. */
  private Future<ManagementFiles.Contents> readFiles(ManagementConfig next) {
    return vertx.executeBlocking(() -> ManagementFiles.readOrThrow(next), false);
  }

  // ---------------------------------------------------------------- start and stop

  /** Listens on the event bus, binds the listener, then registers for {@code close}. */
  public Future<Void> start() {
    events = vertx.eventBus().localConsumer(EventBusContract.EVENTS, message -> {
      if (message.body() instanceof JsonObject event) {
        onEvent(event);
      }
    });
    return events.completion()
        .compose(v -> fleet.answerLocalStatus(this::statusBody))
        .compose(v -> readFiles(started))
        .compose(files -> {
          apply(started, files);
          server = vertx.createHttpServer(serverOptions(files)).requestHandler(router());
          return server.listen();
        })
        .compose(s -> Participants.register(vertx, this))
        .<Void>map(r -> {
          registration = r;
          restartHeartbeat();
          LOG.info("management listening on {}://{}:{}", started.tls().isPresent() ? "https" : "http", started.host(),
              server.actualPort());
          return null;
        })
        .recover(err -> closeServer().compose(v -> events.unregister().otherwiseEmpty()).compose(v -> fleet.close())
            // a bad file stays a configuration problem (named by its JSON path) for the launcher
            .transform(v -> Future.failedFuture(err instanceof ConfigException ? err
                : new IllegalStateException("the management listener on " + started.host() + ":" + started.port()
                    + " could not start: " + err.getMessage(), err))));
  }

  private Future<Void> closeServer() {
    return server == null ? Future.succeededFuture() : server.close().otherwiseEmpty();
  }

  /** The listener's options; HTTPS with the key, certificate and client authentication of {@code files}. */
  private HttpServerOptions serverOptions(ManagementFiles.Contents files) {
    HttpServerOptions options = new HttpServerOptions().setHost(started.host()).setPort(started.port())
        .setHttp2ClearTextEnabled(false).setCompressionSupported(false).setMaxInitialLineLength(4096)
        .setMaxHeaderSize(8192).setMaxFormAttributeSize(started.maxBodySize()).setIdleTimeout(IDLE_TIMEOUT_SECONDS)
        // shared with a successor during an upgrade (native transport only), so a probe always finds one
        .setReusePort(vertx.isNativeTransportEnabled());
    files.ssl().ifPresent(ssl -> options.setSsl(true).setKeyCertOptions(ssl.getKeyCertOptions())
        .setTrustOptions(ssl.getTrustOptions()).setClientAuth(ssl.getClientAuth()));
    return options;
  }

  /** Kept out of the {@code close} phase's undeploy: the events stream must deliver the final report. */
  @Override
  public boolean retainUntilExit() {
    return true;
  }

  /**
   * Undeployed: streams still open get a {@code closing} event (unless the report already ended
   * them) and end; the listener closes within a second.
   */
  public Future<Void> stop() {
    if (heartbeatTimer >= 0) {
      vertx.cancelTimer(heartbeatTimer);
    }
    streams.closeAll("the management listener was undeployed");
    waits.closeAll("the management listener was undeployed before the end came");
    // once the report is out, the stop is over and the coordinator may be gone already
    Future<Void> left = registration == null || streams.reportSeen() ? Future.succeededFuture()
        : registration.unregister();
    return left.eventually(() -> events == null ? Future.succeededFuture() : events.unregister().otherwiseEmpty())
        .eventually(fleet::close)
        .eventually(() -> server == null ? Future.succeededFuture()
            : server.shutdown(1, TimeUnit.SECONDS).otherwiseEmpty());
  }

  public int port() {
    return server == null ? -1 : server.actualPort();
  }

  private void restartHeartbeat() {
    if (heartbeatTimer >= 0) {
      vertx.cancelTimer(heartbeatTimer);
    }
    heartbeatTimer = vertx.setPeriodic(config.eventsHeartbeat().toMillis(), id -> streams.heartbeat());
  }

  // ---------------------------------------------------------------- lifecycle events

  private void onEvent(JsonObject event) {
    if (event.getValue("type") instanceof String type) {
      LifecycleEvent.fromWire(type).ifPresent(known -> count(known, event));
    }
    streams.publish(event);
    waits.onEvent(event.getValue("type") instanceof String type ? type : "", event);
  }

  /** Updates the state and the lifecycle meters from an event the coordinator published. */
  private void count(LifecycleEvent type, JsonObject event) {
    WebMeters meters = state.meters();
    switch (type) {
      case STATE -> state.onLifecycleEvent(event);
      case PHASE_END -> {
        if (event.getValue("phase") instanceof String phase && event.getValue("durationMs") instanceof Number ms) {
          meters.phase(phase, ms.longValue());
        }
      }
      case REPORT -> {
        JsonObject report = event.getValue("report") instanceof JsonObject r ? r : new JsonObject();
        outcome(report, StopOutcome.class).ifPresent(meters::stop);
      }
      case RELOAD -> outcome(event, ReloadOutcome.class).ifPresent(meters::reload);
      default -> {
      }
    }
  }

  /** The {@code "outcome"} of {@code json} as a constant of {@code type}; empty (and logged) when it names none. */
  private static <E extends Enum<E> & WireNamed> Optional<E> outcome(JsonObject json, Class<E> type) {
    Object wire = json.getValue("outcome");
    Optional<E> known = wire instanceof String name ? WireNamed.fromWire(type, name) : Optional.empty();
    if (known.isEmpty()) {
      LOG.debug("an event with an outcome outside {} is not counted: {}", type.getSimpleName(), wire);
    }
    return known;
  }

  // ---------------------------------------------------------------- the participant

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Set<String> phases() {
    return Set.of(Steps.CLOSE);
  }

  /** {@code close}: the end is near; keeps serving (the listener lives until it is undeployed). */
  @Override
  public Future<JsonObject> onPhase(PhaseContext phase) {
    if (Steps.CLOSE.equals(phase.name())) {
      closing = true;
    }
    return Future.succeededFuture(new JsonObject().put("eventStreams", streams.size()));
  }

  /**
   * Applies the token (re-reading {@code management.tokenFile}), body limit, timeouts and heartbeat of
   * a new configuration at once, and the TLS key, certificate and client authentication for new
   * connections ({@link HttpServer#updateSSLOptions}; the files are read again, so a renewed
   * certificate under the same path is picked up). A changed address, metrics setting, or TLS turned
   * on or off is reported in {@code restartRequired}. Fails, leaving everything as it was, when a file
   * cannot be read or used, or when the new token would reach a plain-text listener on a
   * non-loopback address that only the restart would put behind TLS.
   */
  @Override
  public Future<JsonObject> onReload(PhaseContext reload) {
    ManagementConfig next;
    try {
      next = ManagementConfig.from(reload.config());
    } catch (ConfigException e) {
      return Future.failedFuture(e);
    }
    JsonArray restart = new JsonArray();
    if (!next.host().equals(started.host())) {
      restart.add("management.host");
    }
    if (next.port() != started.port()) {
      restart.add("management.port");
    }
    if (next.metricsEnabled() != started.metricsEnabled()) {
      restart.add("management.metricsEnabled");
    }
    if (next.enabled() != started.enabled()) {
      restart.add("management.enabled");
    }
    boolean tlsNow = started.tls().isPresent();
    if (next.tls().isPresent() != tlsNow) {
      restart.add("management.tls");
    }
    // the listener keeps its host and its TLS until a restart: the plain-text rule applies to those, not to the
    // new configuration's (a reload to a loopback host, or to TLS, does not move a token-carrying listener)
    if (!tlsNow && next.tokenConfigured() && !next.allowPlainText() && !ManagementConfig.isLoopback(started.host())) {
      return Future.failedFuture(new ConfigException(next.tls().isPresent() ? "management.tls" : "management.token",
          "the listener on " + started.host() + " stays plain text and on that host until a restart, and a token"
          + " there would cross the network in clear text: restart instead of reloading, or set"
          + " management.allowPlainText"));
    }
    return readFiles(next).compose(files -> updateTls(files).map(v -> {
      apply(next, files);
      restartHeartbeat();
      return new JsonObject().put("controlEnabled", token != null).put("restartRequired", restart);
    }));
  }

  /** New connections use the key, certificate and client authentication of {@code files}; nothing without TLS. */
  private Future<Void> updateTls(ManagementFiles.Contents files) {
    if (started.tls().isEmpty() || files.ssl().isEmpty()) {
      return Future.succeededFuture();
    }
    // force: the contents may differ while the options compare equal to what Vert.x cached
    return server.updateSSLOptions(files.ssl().get(), true).mapEmpty();
  }

  // ---------------------------------------------------------------- routes

  private Router router() {
    Router router = Router.router(vertx);
    router.route().handler(ctx -> {
      ctx.response().putHeader(HttpHeaders.CACHE_CONTROL, "no-store").putHeader("X-Content-Type-Options", "nosniff");
      ctx.next();
    });
    // A request that breaks off inside its body (a malformed chunk, a reset connection) fails the routing
    // with the HTTP decoder's exception, which vertx-web would log at ERROR with a stack trace, once per
    // request: any client could flood the log. Answer 400 without detail (when the connection still
    // allows it) and log one line at DEBUG; every other failure goes on to the error handlers below.
    router.route().failureHandler(ctx -> {
      if (ctx.failure() != null && !ctx.request().isEnded()) {
        LOG.debug("management request {} {} broke off in its body: {}", ctx.request().method(), ctx.request().path(),
            ctx.failure().toString());
        Responses.error(ctx, 400, "bad request");
      } else {
        ctx.next();
      }
    });
    router.route().handler(ctx -> bodies.handle(ctx));
    HealthCheckHandler live = HealthCheckHandler.createWithHealthChecks(state.liveness());
    endpoint(router, "/health/live", Map.of(HttpMethod.GET, live));
    endpoint(router, "/health/ready", Map.of(HttpMethod.GET, state.readinessHandler()));
    endpoint(router, "/lifecycle/status", Map.of(HttpMethod.GET, this::status));
    endpoint(router, "/lifecycle/events", Map.of(HttpMethod.GET, ctx -> streams.open(ctx, coordinatorStatus())));
    for (LifecycleCommand command : LifecycleCommand.stateChanging()) {
      endpoint(router, "/lifecycle/" + command.wireName(), Map.of(HttpMethod.POST, ctx -> control(ctx, command)));
    }
    endpoint(router, "/metrics", Map.of(HttpMethod.GET, metricsHandler()));
    new Dashboard().routes(router, ManagementService::endpoint);
    fleet.routes(router, ManagementService::endpoint);
    router.route().last().handler(ctx -> Responses.error(ctx, 404, "not found"));
    router.errorHandler(400, ctx -> Responses.error(ctx, 400, "bad request"));
    router.errorHandler(404, ctx -> Responses.error(ctx, 404, "not found"));
    router.errorHandler(405, ctx -> Responses.error(ctx, 405, "method not allowed"));
    router.errorHandler(413, ctx -> Responses.error(ctx, 413, "request body too large; the limit is "
        + config.maxBodySize() + " bytes"));
    router.errorHandler(500, ctx -> {
      LOG.warn("management request {} {} failed", ctx.request().method(), ctx.request().path(), ctx.failure());
      Responses.error(ctx, 500, "internal error");
    });
    return router;
  }

  /** One path: its methods, and 405 with {@code Allow} for the others. */
  private static void endpoint(Router router, String path, Map<HttpMethod, Handler<RoutingContext>> methods) {
    String allow = methods.keySet().stream().map(HttpMethod::name).sorted().collect(Collectors.joining(", "));
    router.route(path).handler(ctx -> {
      Handler<RoutingContext> handler = methods.get(ctx.request().method());
      if (handler == null) {
        ctx.response().putHeader(HttpHeaders.ALLOW, allow);
        Responses.error(ctx, 405, "method not allowed; use " + allow);
        return;
      }
      handler.handle(ctx);
    });
  }

  private Handler<RoutingContext> metricsHandler() {
    if (!started.metricsEnabled()) {
      return ctx -> Responses.error(ctx, 404, "metrics are disabled (management.metricsEnabled is false)");
    }
    return QuiesceMetrics.registry(vertx)
        .filter(PrometheusMeterRegistry.class::isInstance)
        .map(r -> PrometheusScrapingHandler.create((PrometheusMeterRegistry) r))
        .orElse(ctx -> Responses.error(ctx, 404, "metrics are not available: Vert.x was created without"
            + " Micrometer Prometheus metrics"));
  }

  // ---------------------------------------------------------------- status

  private Future<JsonObject> coordinatorStatus() {
    return state.coordinatorStatus(config.commandTimeout().toMillis());
  }

  private void status(RoutingContext ctx) {
    statusBody().onComplete(ar -> Responses.json(ctx, ar.result().getValue("error") == null ? 200 : 503, ar.result()));
  }

  /**
   * The body of {@code GET /lifecycle/status}, never failed: with {@code "state":"UNKNOWN"} and an
   * {@code "error"} when the coordinator did not answer.
   */
  private Future<JsonObject> statusBody() {
    Future<JsonObject> lifecycle = coordinatorStatus();
    Future<Object> processes = vertx.eventBus().<Object>request(EventBusContract.PROCESS_COMMANDS,
        new JsonObject().put("command", EventBusContract.ProcessCommand.LIST.wireName()),
        EventBusContract.nodeLocal().setSendTimeout(config.processTimeout().toMillis()))
        .map(m -> m.body());
    return Future.join(lifecycle, processes).transform(ar -> {
      JsonObject body = new JsonObject();
      if (lifecycle.succeeded()) {
        body.mergeIn(lifecycle.result());
      } else {
        body.put("state", "UNKNOWN").put("error", "the lifecycle coordinator did not answer: "
            + describe(lifecycle.cause()));
      }
      body.put("inFlightRequests", state.inFlight());
      body.put("ready", state.ready());
      JsonObject http = state.http();
      if (!http.isEmpty()) {
        body.put("http", http);
      }
      if (processes.succeeded() && processes.result() != null) {
        body.put("processes", processes.result());
      }
      body.put("management", new JsonObject().put("closing", closing).put("eventStreams", streams.size())
          .put("controlEnabled", token != null));
      return Future.succeededFuture(body);
    });
  }

  private static String describe(Throwable t) {
    if (t instanceof ReplyException re) {
      return switch (re.failureType()) {
        case NO_HANDLERS -> "no lifecycle coordinator is running";
        case TIMEOUT -> "it did not answer in time";
        default -> Responses.clean(re.getMessage(), MAX_REASON);
      };
    }
    return "internal error";
  }

  // ---------------------------------------------------------------- control

  private void control(RoutingContext ctx, LifecycleCommand command) {
    if (!authorized(ctx)) {
      return;
    }
    String reason;
    Optional<CommandWaits.WaitRequest> wait;
    try {
      reason = reasonOf(ctx);
      wait = CommandWaits.of(ctx, command);
    } catch (IllegalArgumentException e) {
      Responses.error(ctx, 400, e.getMessage());
      return;
    }
    JsonObject request = new JsonObject().put("command", command.wireName()).put("reason", reason);
    Optional<CommandWaits.Waiter> waiter = wait.map(w -> waits.register(ctx, w, reason));
    vertx.eventBus().<Object>request(EventBusContract.COMMANDS, request,
            EventBusContract.nodeLocal().setSendTimeout(config.commandTimeout().toMillis()))
        .onComplete(ar -> {
          if (ar.succeeded()) {
            Object body = ar.result().body();
            if (waiter.isPresent()) {
              waiter.get().accepted(body instanceof JsonObject o ? o : new JsonObject());
              return;
            }
            Responses.json(ctx, 202, body instanceof JsonObject o ? o : new JsonObject().put("accepted", true));
            return;
          }
          waiter.ifPresent(CommandWaits.Waiter::cancel);
          if (ar.cause() instanceof ReplyException re) {
            switch (re.failureType()) {
              case NO_HANDLERS -> Responses.error(ctx, 503, "no lifecycle coordinator is running");
              case TIMEOUT -> Responses.error(ctx, 504, "the lifecycle coordinator did not answer in time");
              default -> {
                int code = re.failureCode() == 400 || re.failureCode() == 409 ? re.failureCode() : 500;
                Responses.error(ctx, code, code == 500 ? "the lifecycle coordinator failed"
                    : Responses.clean(re.getMessage(), MAX_REASON));
              }
            }
            return;
          }
          LOG.warn("management command {} failed", command.wireName(), ar.cause());
          Responses.error(ctx, 500, "internal error");
        });
  }

  /** Whether the request carries the management token; answers 403 (no token configured) or 401 itself when not. */
  private boolean authorized(RoutingContext ctx) {
    BearerToken expected = token;
    if (expected == null) {
      Responses.json(ctx, 403, new JsonObject().put("status", 403)
          .put("error", "control endpoints are disabled: no management token is configured")
          .put("hint", "set management.token (at least " + ManagementConfig.MIN_TOKEN_LENGTH
              + " characters, e.g. with QUIESCE_MANAGEMENT_TOKEN) or management.tokenFile and send"
              + " \"Authorization: Bearer <token>\""));
      return false;
    }
    if (!expected.matches(ctx.request().getHeader(HttpHeaders.AUTHORIZATION))) {
      ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"quiesce\"");
      Responses.error(ctx, 401, "missing or wrong bearer token");
      return false;
    }
    return true;
  }

  /** The optional {@code {"reason": "…"}} body; without one, the reason names the caller. */
  private static String reasonOf(RoutingContext ctx) {
    String fallback = "management API (" + ctx.request().remoteAddress() + ")";
    Buffer raw = ctx.body() == null ? null : ctx.body().buffer();
    if (raw == null || raw.toString().isBlank()) {
      return fallback;
    }
    JsonObject body;
    try {
      body = ctx.body().asJsonObject();
    } catch (DecodeException | ClassCastException e) {
      body = null;
    }
    if (body == null) {
      throw new IllegalArgumentException("the body must be a JSON object such as {\"reason\": \"deploy 42\"}");
    }
    Set<String> unknown = new TreeSet<>(body.fieldNames());
    unknown.remove("reason");
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException("unknown field(s) " + unknown + "; only \"reason\" is accepted");
    }
    Object reason = body.getValue("reason");
    if (reason == null) {
      return fallback;
    }
    if (!(reason instanceof String s)) {
      throw new IllegalArgumentException("\"reason\" must be a string");
    }
    return Responses.clean(s, MAX_REASON);
  }
}
