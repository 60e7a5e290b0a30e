package dev.quiesce.web.impl;

import dev.quiesce.lifecycle.EventBusContract.ReloadOutcome;
import dev.quiesce.lifecycle.StopOutcome;
import dev.quiesce.web.QuiesceMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;

/**
 * The framework's meters, in the Micrometer registry of the {@code Vertx} (see
 * {@link QuiesceMetrics}); every method does nothing when metrics are off. Names, as Prometheus
 * shows them:
 * <ul>
 *   <li>{@code quiesce_http_requests_in_flight}: requests being served now</li>
 *   <li>{@code quiesce_http_drain_requests_total{drain, outcome}}: requests a drain waited for,
 *       {@code outcome} completed or aborted, {@code drain} stop or reload</li>
 *   <li>{@code quiesce_http_drain_connections_closed_total}, {@code quiesce_http_drain_websockets_total},
 *       {@code quiesce_http_drain_streams_total} (each with {@code drain})</li>
 *   <li>{@code quiesce_http_reload_instances_replaced_total}</li>
 *   <li>{@code quiesce_lifecycle_phase_duration_seconds{phase}} (a timer)</li>
 *   <li>{@code quiesce_lifecycle_stops_total{outcome}}, {@code quiesce_lifecycle_reloads_total{outcome}}</li>
 * </ul>
 */
public final class WebMeters {

  public static final String IN_FLIGHT = "quiesce.http.requests.in.flight";
  public static final String DRAIN_REQUESTS = "quiesce.http.drain.requests";
  public static final String DRAIN_CONNECTIONS = "quiesce.http.drain.connections.closed";
  public static final String DRAIN_WEBSOCKETS = "quiesce.http.drain.websockets";
  public static final String DRAIN_STREAMS = "quiesce.http.drain.streams";
  public static final String RELOAD_REPLACED = "quiesce.http.reload.instances.replaced";
  public static final String PHASE_DURATION = "quiesce.lifecycle.phase.duration";
  public static final String STOPS = "quiesce.lifecycle.stops";
  public static final String RELOADS = "quiesce.lifecycle.reloads";

  private final MeterRegistry registry;

  WebMeters(Vertx vertx, WebState state) {
    this.registry = QuiesceMetrics.registry(vertx).orElse(null);
    if (registry != null) {
      Gauge.builder(IN_FLIGHT, state, WebState::inFlight).description("HTTP requests being served")
          .register(registry);
      for (String outcome : List.of("completed", "aborted")) {
        counter(DRAIN_REQUESTS, "drain", DrainKind.STOP.label(), "outcome", outcome);
      }
      for (StopOutcome outcome : StopOutcome.values()) {
        counter(STOPS, "outcome", outcome.wireName());
      }
      for (ReloadOutcome outcome : ReloadOutcome.values()) {
        counter(RELOADS, "outcome", outcome.wireName());
      }
    }
  }

  /** Records what one drain of the HTTP listener did. */
  void drained(DrainKind drain, DrainResult result) {
    String kind = drain.label();
    if (registry == null) {
      return;
    }
    counter(DRAIN_REQUESTS, "drain", kind, "outcome", "completed").increment(result.completed());
    counter(DRAIN_REQUESTS, "drain", kind, "outcome", "aborted").increment(result.aborted());
    counter(DRAIN_CONNECTIONS, "drain", kind).increment(result.connectionsClosed());
    counter(DRAIN_WEBSOCKETS, "drain", kind).increment(result.websockets());
    counter(DRAIN_STREAMS, "drain", kind).increment(result.streams());
  }

  void instancesReplaced(int count) {
    if (registry != null) {
      counter(RELOAD_REPLACED).increment(count);
    }
  }

  /** A lifecycle phase took {@code ms}. */
  public void phase(String phase, long ms) {
    if (registry != null) {
      Timer.builder(PHASE_DURATION).tag("phase", phase).description("duration of lifecycle stop phases")
          .register(registry).record(Duration.ofMillis(Math.max(0, ms)));
    }
  }

  /** A stop ended with {@code outcome}: tag {@code outcome} is its wire name ({@code graceful}, {@code forced}). */
  public void stop(StopOutcome outcome) {
    if (registry != null) {
      counter(STOPS, "outcome", outcome.wireName()).increment();
    }
  }

  /** A reload ended with {@code outcome}: tag {@code outcome} is its wire name ({@code done}, {@code partial}, {@code failed}). */
  public void reload(ReloadOutcome outcome) {
    if (registry != null) {
      counter(RELOADS, "outcome", outcome.wireName()).increment();
    }
  }

  private Counter counter(String name, String... tags) {
    return Counter.builder(name).tags(tags).register(registry);
  }
}
