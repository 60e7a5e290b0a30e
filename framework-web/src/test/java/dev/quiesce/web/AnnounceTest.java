package dev.quiesce.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.lifecycle.Steps;
import dev.quiesce.testing.Await;
import dev.quiesce.testing.Timing;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Readiness around a stop: the {@code announce} phase and the {@code drain}/{@code resume} commands. */
class AnnounceTest {

  @RegisterExtension
  final WebFixture fx = new WebFixture();
  private PhaseDriver driver;
  private WebClient client;

  @BeforeEach
  void start() {
    driver = new PhaseDriver(fx.vertx);
    client = WebClient.create(fx.vertx);
  }

  private void deploy(JsonObject http) {
    JsonObject config = WebFixture.config(http);
    fx.deployManagement(config).deployHttp(config);
  }

  private HttpResponse<Buffer> get(int port, String path) {
    return Await.result(client.get(port, "127.0.0.1", path).send());
  }

  private HttpResponse<Buffer> ready() {
    return get(fx.managementPort(), "/health/ready");
  }

  @Test
  void readinessIs503DuringAnnounceWhileOrdinaryRoutesStillAnswer200() {
    deploy(new JsonObject().put("preStopDelay", "1500ms"));
    assertThat(ready().statusCode()).isEqualTo(200);
    assertThat(get(fx.managementPort(), "/health/live").statusCode()).isEqualTo(200);

    long started = System.nanoTime();
    PhaseDriver.Step announce = driver.publish("http", Steps.ANNOUNCE, Duration.ofSeconds(5));
    Await.until("readiness is down", Duration.ofSeconds(2), () -> ready().statusCode() == 503);
    HttpResponse<Buffer> down = ready();
    JsonObject body = down.bodyAsJsonObject();
    assertThat(body.getString("status")).isEqualTo("DOWN");
    assertThat(body.getJsonArray("checks").getJsonObject(0).getJsonObject("data").getString("reason"))
        .isEqualTo("stopping");
    HttpResponse<Buffer> hello = get(fx.httpPort(), "/hello");
    assertThat(hello.statusCode()).isEqualTo(200);
    assertThat(hello.getHeader("Connection")).isNull();
    assertThat(get(fx.managementPort(), "/health/live").statusCode()).as("liveness stays up").isEqualTo(200);

    JsonObject detail = announce.detail(Duration.ofSeconds(5));
    Duration took = Duration.ofNanos(System.nanoTime() - started);
    assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(1400)).isLessThan(Timing.upTo(Duration.ofSeconds(4)));
    assertThat(detail.getString("until")).isEqualTo("delay");
    assertThat(detail.getLong("waitedMs")).isGreaterThanOrEqualTo(1400);
    assertThat(get(fx.httpPort(), "/hello").statusCode()).as("still serving after announce").isEqualTo(200);
  }

  @Test
  void announceEndsOnceTheConfiguredNumberOfProbesSaw503() {
    deploy(new JsonObject().put("preStopDelay", "20s").put("preStopProbes", 3));
    long started = System.nanoTime();
    PhaseDriver.Step announce = driver.publish("http", Steps.ANNOUNCE, Duration.ofSeconds(30));
    int probes503 = 0;
    for (int i = 0; i < 100 && probes503 < 3; i++) {
      if (ready().statusCode() == 503) {
        probes503++;
      }
    }
    assertThat(probes503).isEqualTo(3);
    JsonObject detail = announce.detail(Duration.ofSeconds(5));
    assertThat(detail.getString("until")).isEqualTo("probes");
    assertThat(detail.getLong("probesSeen")).isGreaterThanOrEqualTo(3);
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Timing.upTo(Duration.ofSeconds(5)));
  }

  @Test
  void aBudgetThatHoldsTheDelayAndTheAcknowledgementsMarginWaitsTheWholeDelay() {
    // 2750ms is the budget the configuration check asks for: the delay plus 250 ms
    JsonObject detail = announceTimed("2500ms", Duration.ofMillis(2750), Duration.ofMillis(2500),
        Duration.ofMillis(4000));
    assertThat(detail.getString("until")).as(detail.encode()).isEqualTo("delay");
    assertThat(detail.getLong("waitedMs")).isGreaterThanOrEqualTo(2500);
  }

  /** Announces with {@code preStopDelay} and {@code budget}; the detail, once it took between {@code atLeast} and {@code upTo}. */
  private JsonObject announceTimed(String preStopDelay, Duration budget, Duration atLeast, Duration upTo) {
    deploy(new JsonObject().put("preStopDelay", preStopDelay));
    long started = System.nanoTime();
    JsonObject detail = driver.publish("http", Steps.ANNOUNCE, budget).detail(Duration.ofSeconds(5));
    Duration took = Duration.ofNanos(System.nanoTime() - started);
    assertThat(took).isGreaterThanOrEqualTo(atLeast).isLessThan(Timing.upTo(upTo));
    return detail;
  }

  @Test
  void announceNeverOutlastsThePhaseBudget() {
    JsonObject detail = announceTimed("20s", Duration.ofMillis(600), Duration.ofMillis(450), Duration.ofMillis(2000));
    assertThat(detail.getString("until")).isEqualTo("deadline");
  }

  @Test
  void drainCommandTakesReadinessDownAndResumeBringsItBack() {
    deploy(new JsonObject());
    driver.publish("http", Steps.SUSPEND, Duration.ofSeconds(5)).detail(Duration.ofSeconds(5));
    HttpResponse<Buffer> down = ready();
    assertThat(down.statusCode()).isEqualTo(503);
    assertThat(down.bodyAsString()).contains("\"reason\":\"draining\"");
    assertThat(get(fx.httpPort(), "/hello").statusCode()).isEqualTo(200);

    JsonObject resumed = driver.publish("http", Steps.RESUME, Duration.ofSeconds(5)).detail(Duration.ofSeconds(5));
    assertThat(resumed.getBoolean("ready")).isTrue();
    assertThat(ready().statusCode()).isEqualTo(200);
  }

  @Test
  void resumeDoesNotUndoAnAnnouncedStop() {
    deploy(new JsonObject());
    driver.publish("http", Steps.ANNOUNCE, Duration.ofSeconds(5)).detail(Duration.ofSeconds(5));
    driver.publish("http", Steps.RESUME, Duration.ofSeconds(5)).detail(Duration.ofSeconds(5));
    assertThat(ready().statusCode()).isEqualTo(503);
    assertThat(ready().bodyAsString()).contains("stopping");
  }

  @Test
  void applicationListenerAnswersReadinessWhenAPathIsConfigured() {
    deploy(new JsonObject().put("readinessPath", "/ready"));
    assertThat(get(fx.httpPort(), "/ready").statusCode()).isEqualTo(200);
    driver.publish("http", Steps.ANNOUNCE, Duration.ofSeconds(5)).detail(Duration.ofSeconds(5));
    HttpResponse<Buffer> down = get(fx.httpPort(), "/ready");
    assertThat(down.statusCode()).isEqualTo(503);
    assertThat(down.bodyAsString()).contains("stopping");
  }

  @Test
  void applicationReadinessChecksAreReported() {
    deploy(new JsonObject());
    QuiesceWeb.readiness(fx.vertx).register("database", p -> p.complete(Status.KO()));
    HttpResponse<Buffer> down = ready();
    assertThat(down.statusCode()).isEqualTo(503);
    assertThat(down.bodyAsString()).contains("database");
  }
}
