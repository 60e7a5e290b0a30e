package dev.quiesce.web;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MetricsService;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import io.vertx.micrometer.backends.BackendRegistries;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
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
  /** The registry names {@link #enable} gave out whose Vert.x may still be alive. */
  private static final Set<String> NAMES = ConcurrentHashMap.newKeySet();
  /**
   * The registry found for each Vert.x. Both weakly: a value of a {@link WeakHashMap} is held
   * strongly, and a registry whose meters reach their Vert.x would then keep the key, and every
   * closed Vert.x, alive. While a Vert.x runs its registry is held by Vert.x's metrics anyway.
   */
  private static final Map<Vertx, WeakReference<MeterRegistry>> FOUND =
      Collections.synchronizedMap(new WeakHashMap<>());

  private QuiesceMetrics() {
  }

  /**
   * Turns on Micrometer metrics with a Prometheus registry of its own (one per {@code Vertx}, so
   * several instances in one JVM do not share meters). Leaves options that already enable metrics
   * as they are.
   *
   * @param options the options the {@code Vertx} will be created with; changed in place
   * @return {@code options}
   */
  public static VertxOptions enable(VertxOptions options) {
    if (options.getMetricsOptions() != null && options.getMetricsOptions().isEnabled()) {
      return options;
    }
    String name = "quiesce-" + REGISTRIES.incrementAndGet();
    NAMES.add(name);
    return options.setMetricsOptions(new MicrometerMetricsOptions()
        .setEnabled(true)
        .setJvmMetricsEnabled(true)
        .setRegistryName(name)
        .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true)));
  }

  /**
   * The Micrometer registry of {@code vertx}, when it was created with Micrometer metrics through
   * {@link #enable(VertxOptions)} or with vertx-micrometer-metrics' default registry name.
   *
   * <p>Found with Vert.x's public API only: among the registries {@code enable} named (and the
   * default one) that are alive in {@link BackendRegistries}, the one where a probe meter shows in
   * {@link MetricsService#metricsNames()} of {@code vertx}; the probe is removed from every
   * candidate at once (a scrape shows none), and the answer kept, weakly, for the life of
   * {@code vertx}.
   *
   * @param vertx the Vert.x instance whose registry is wanted
   * @return empty when metrics are off, provided by something other than vertx-micrometer-metrics,
   *     or kept in a registry with a name of the application's own choosing
   */
  public static Optional<MeterRegistry> registry(Vertx vertx) {
    WeakReference<MeterRegistry> found = FOUND.get(vertx);
    MeterRegistry known = found == null ? null : found.get();
    if (known != null) {
      return Optional.of(known);
    }
    MetricsService service;
    try {
      service = MetricsService.create(vertx);
    } catch (RuntimeException | LinkageError e) {
      return Optional.empty(); // metrics not available on this Vert.x
    }
    List<MeterRegistry> candidates = new ArrayList<>();
    for (String name : NAMES) {
      MeterRegistry registry = BackendRegistries.getNow(name);
      if (registry == null) {
        NAMES.remove(name); // its Vert.x was closed
      } else {
        candidates.add(registry);
      }
    }
    MeterRegistry byDefault = BackendRegistries.getDefaultNow();
    if (byDefault != null) {
      candidates.add(byDefault);
    }
    for (MeterRegistry candidate : candidates) {
      String probe = "quiesce.registry.probe." + UUID.randomUUID().toString().replace("-", "");
      Counter meter = Counter.builder(probe).register(candidate);
      try {
        if (service.metricsNames().contains(probe)) {
          FOUND.put(vertx, new WeakReference<>(candidate));
          return Optional.of(candidate);
        }
      } finally {
        candidate.remove(meter);
      }
    }
    return Optional.empty();
  }
}
