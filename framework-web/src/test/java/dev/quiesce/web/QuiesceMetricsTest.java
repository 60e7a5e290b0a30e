package dev.quiesce.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.testing.Await;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.time.Duration;
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
    } finally {
      for (Vertx v : new Vertx[] {first, second, plain}) {
        Await.result(v.close(), Duration.ofSeconds(10));
      }
    }
  }
}
