package dev.quiesce.web.impl;

import dev.quiesce.lifecycle.EventBusContract;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The management listener's {@code /fleet/*} routes, for a clustered node: {@code GET /fleet/status},
 * {@code GET /fleet/events} (the last fleet events this node received) and
 * {@code POST /fleet/{reload,upgrade,restart}} (bearer token, as {@code POST /lifecycle/*}), each a
 * request to this node's own fleet service on {@code quiesce.fleet} (framework-cluster). Without one
 * (a node that is not clustered) they answer 503 "this node is not clustered". Also answers the
 * node-local {@code quiesce.fleet.local.status} with the body of {@code GET /lifecycle/status}, which
 * the fleet service reports for this node. framework-web does not depend on framework-cluster: the two
 * addresses are core's ({@link EventBusContract#FLEET}, {@link EventBusContract#FLEET_LOCAL_STATUS}).
 */
final class FleetRoutes {

  private static final String FLEET = EventBusContract.FLEET;
  private static final String LOCAL_STATUS = EventBusContract.FLEET_LOCAL_STATUS;
  /** The operations, each a {@code POST /fleet/<operation>}. */
  static final List<String> OPERATIONS = List.of("reload", "upgrade", "restart");
  /** The bound on the fleet service's answer: it asks every node with a bound of its own (3 s). */
  static final long FLEET_TIMEOUT_MS = 15_000;
  private static final String NOT_CLUSTERED = "this node is not clustered (no fleet service answers on " + FLEET
      + "): set cluster.enabled, with framework-cluster on the class path";

  private final Vertx vertx;
  private final Predicate<RoutingContext> authorized;
  private MessageConsumer<Object> localStatus;

  /**
   * Routes that ask this node's fleet service.
   *
   * @param vertx the management listener's instance
   * @param authorized checks the bearer token of a control request, answering 401 or 403 itself when it fails
   */
  FleetRoutes(Vertx vertx, Predicate<RoutingContext> authorized) {
    this.vertx = vertx;
    this.authorized = authorized;
  }

  /** Answers {@link #LOCAL_STATUS} on this node only with what {@code status} gives. */
  Future<Void> answerLocalStatus(Supplier<Future<JsonObject>> status) {
    localStatus = vertx.eventBus().localConsumer(LOCAL_STATUS, m -> status.get()
        .onSuccess(m::reply).onFailure(e -> m.fail(500, String.valueOf(e.getMessage()))));
    return localStatus.completion();
  }

  Future<Void> close() {
    return localStatus == null ? Future.succeededFuture() : localStatus.unregister().otherwiseEmpty();
  }

  void routes(Router router, Dashboard.RouteAdder endpoint) {
    endpoint.add(router, "/fleet/status", Map.of(HttpMethod.GET,
        ctx -> ask(ctx, new JsonObject().put("command", "status"), 200)));
    endpoint.add(router, "/fleet/events", Map.of(HttpMethod.GET,
        ctx -> ask(ctx, new JsonObject().put("command", "events"), 200)));
    for (String operation : OPERATIONS) {
      endpoint.add(router, "/fleet/" + operation, Map.of(HttpMethod.POST, ctx -> operate(ctx, operation)));
    }
  }

  private void operate(RoutingContext ctx, String operation) {
    if (!authorized.test(ctx)) {
      return;
    }
    JsonObject request;
    try {
      request = body(ctx);
    } catch (IllegalArgumentException e) {
      Responses.error(ctx, 400, e.getMessage());
      return;
    }
    request.put("command", operation);
    request.put("reason", request.getValue("reason", "management API (" + ctx.request().remoteAddress() + ")"));
    ask(ctx, request, 202);
  }

  /** The optional body {@code {"reason":…,"maxUnavailable":N,"stepTimeout":…}}; the fleet service checks its fields. */
  private static JsonObject body(RoutingContext ctx) {
    Buffer raw = ctx.body() == null ? null : ctx.body().buffer();
    if (raw == null || raw.toString().isBlank()) {
      return new JsonObject();
    }
    try {
      JsonObject body = ctx.body().asJsonObject();
      if (body != null && !body.containsKey("command")) {
        return body;
      }
    } catch (DecodeException | ClassCastException e) {
      // answered below
    }
    throw new IllegalArgumentException("the body must be a JSON object such as {\"reason\": \"deploy 42\","
        + " \"maxUnavailable\": 1, \"stepTimeout\": \"2m\"}");
  }

  /** Asks this node's fleet service (local only: this node runs what it is asked). */
  private void ask(RoutingContext ctx, JsonObject request, int okStatus) {
    vertx.eventBus().<Object>request(FLEET, request, new DeliveryOptions().setLocalOnly(true)
            .setSendTimeout(FLEET_TIMEOUT_MS))
        .onSuccess(m -> Responses.json(ctx, okStatus, m.body() instanceof JsonObject o ? o : new JsonObject()))
        .onFailure(e -> {
          if (!(e instanceof ReplyException re)) {
            Responses.error(ctx, 500, "internal error");
            return;
          }
          switch (re.failureType()) {
            case NO_HANDLERS -> Responses.error(ctx, 503, NOT_CLUSTERED);
            case TIMEOUT -> Responses.error(ctx, 504, "the fleet service did not answer within " + FLEET_TIMEOUT_MS
                + " ms");
            default -> {
              int code = re.failureCode() == 400 || re.failureCode() == 409 ? re.failureCode() : 500;
              Responses.error(ctx, code, Responses.clean(re.getMessage(), 2000));
            }
          }
        });
  }
}
