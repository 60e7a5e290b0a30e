package dev.quiesce.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.testing.Await;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Finding the Micrometer registry of a Vert.x, with several alive in one JVM. */
class QuiesceMetricsTest {

  @Test
  void eachVertxGetsItsOwnRegistryAndOneWithoutMetricsNone() {
    Vertx first = Vertx.vertx(QuiesceMetrics.enable(new VertxOptions()));
    Vertx second = Vertx.vertx(QuiesceMetrics.enable(new VertxOptions()));
    Vertx plain = Vertx.vertx();
    try {
      MeterRegistry one = QuiesceMetrics.registry(first).orElseThrow();
      MeterRegistry two = QuiesceMetrics.registry(second).orElseThrow();
      assertThat(one).isNotSameAs(two);
      assertThat(QuiesceMetrics.registry(first)).containsSame(one);
      assertThat(QuiesceMetrics.registry(plain)).isEmpty();
      assertThat(one.getMeters()).as("no probe meter left behind")
          .noneMatch(m -> m.getId().getName().startsWith("quiesce.registry.probe"));
      for (MeterRegistry registry : List.of(one, two)) {
        assertThat(((PrometheusMeterRegistry) registry).scrape()).as("no probe meter in a scrape")
            .doesNotContain("quiesce_registry_probe");
      }
    } finally {
      for (Vertx v : new Vertx[] {first, second, plain}) {
        Await.result(v.close(), Duration.ofSeconds(10));
      }
    }
  }

  @Test
  void aClosedVertxIsNotKeptAliveByTheRegistryFoundForIt() {
    WeakReference<Vertx> closed = lookUpAndClose();
    Await.until("the closed Vert.x is garbage-collected", Duration.ofSeconds(10), () -> {
      System.gc();
      return closed.get() == null;
    });
  }

  /** A Vert.x with metrics and both web verticles (whose meters are in the registry found for it), closed. */
  private static WeakReference<Vertx> lookUpAndClose() {
    WebFixture fx = new WebFixture();
    new PhaseDriver(fx.vertx);
    fx.deployHttp(WebFixture.config(new JsonObject())).deployManagement(WebFixture.config(new JsonObject()));
    assertThat(fx.get(fx.managementPort(), "/metrics").bodyAsString()).contains("quiesce_http_requests_in_flight");
    assertThat(QuiesceMetrics.registry(fx.vertx)).isPresent();
    fx.close();
    return new WeakReference<>(fx.vertx);
  }
}
