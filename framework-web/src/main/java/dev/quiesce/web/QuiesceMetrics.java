package dev.quiesce.web;

import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MetricsService;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import io.vertx.micrometer.impl.MetricsServiceImpl;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Metrics through vertx-micrometer-metrics with a Prometheus registry.
 *
 * <p>Vert.x metrics must be chosen before the {@code Vertx} instance exists: the launcher does it
 * through {@link dev.quiesce.launcher.VertxOptionsContributor} when {@code management.metricsEnabled}
 * is true. Code that creates Vert.x itself (tests, embedding) calls {@link #enable(VertxOptions)}.
 *
 * <p>The framework's own meters (names in the module README) are registered in the same
 * registry as Vert.x's; applications can add theirs through {@link #registry(Vertx)}.
 */
public final class QuiesceMetrics {

  private static final AtomicLong REGISTRIES = new AtomicLong();

  private QuiesceMetrics() {
  }

  /**
   * Turns on Micrometer metrics with a Prometheus registry of its own (one per {@code Vertx}, so
   * several instances in one JVM do not share meters). Leaves options that already enable metrics
   * as they are.
   *
   * @return {@code options}
   */
  public static VertxOptions enable(VertxOptions options) {
    if (options.getMetricsOptions() != null && options.getMetricsOptions().isEnabled()) {
      return options;
    }
    return options.setMetricsOptions(new MicrometerMetricsOptions()
        .setEnabled(true)
        .setJvmMetricsEnabled(true)
        .setRegistryName("quiesce-" + REGISTRIES.incrementAndGet())
        .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true)));
  }

  /**
   * The Micrometer registry of {@code vertx}, when it was created with Micrometer metrics.
   *
   * @return empty when metrics are off (or provided by something other than vertx-micrometer-metrics)
   */
  public static Optional<MeterRegistry> registry(Vertx vertx) {
    try {
      MetricsService service = MetricsService.create(vertx);
      if (service instanceof MetricsServiceImpl impl) {
        return Optional.ofNullable(impl.getRegistry());
      }
    } catch (RuntimeException | LinkageError e) {
      // metrics not available on this Vert.x: fall through
    }
    return Optional.empty();
  }
}
