package dev.quiesce.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.lifecycle.EventBusContract;
import dev.quiesce.lifecycle.LifecycleState;
import dev.quiesce.testing.Await;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Readiness while the application starts: down ({@code starting}) until the coordinator is
 * {@code RUNNING}, even though the listeners already answer, so that no probe sends traffic to
 * an application whose other verticles are still deploying.
 */
class StartReadinessTest {

  @RegisterExtension
  final WebFixture fx = new WebFixture();

  private HttpResponse<Buffer> get(int port, String path) {
    return fx.get(port, path);
  }

  @Test
  void readinessSaysStartingUntilTheCoordinatorRuns() {
    JsonObject config = WebFixture.config(new JsonObject().put("readinessPath", "/ready"));
    fx.deployStartingCoordinator(config);
    fx.deployManagement(config).deployHttp(config);
    assertThat(fx.coordinator.state()).isEqualTo(LifecycleState.STARTING);

    assertThat(get(fx.httpPort(), "/hello").statusCode()).isEqualTo(200);
    for (HttpResponse<Buffer> down : new HttpResponse[] {get(fx.managementPort(), "/health/ready"),
        get(fx.httpPort(), "/ready")}) {
      assertThat(down.statusCode()).isEqualTo(503);
      JsonObject data = down.bodyAsJsonObject().getJsonArray("checks").getJsonObject(0).getJsonObject("data");
      assertThat(data.getString("reason")).isEqualTo("starting");
      assertThat(data.getString("cause")).contains("STARTING");
    }
    assertThat(get(fx.managementPort(), "/lifecycle/status").bodyAsJsonObject().getBoolean("ready")).isFalse();
    assertThat(fx.state().ready()).isFalse();

    fx.coordinator.markRunning();
    // the state event reaches the web state without any probe asking
    Await.until("ready after RUNNING", Duration.ofSeconds(5), () -> fx.state().ready());
    assertThat(get(fx.managementPort(), "/health/ready").statusCode()).isEqualTo(200);
    assertThat(get(fx.httpPort(), "/ready").statusCode()).isEqualTo(200);
    assertThat(get(fx.managementPort(), "/lifecycle/status").bodyAsJsonObject().getBoolean("ready")).isTrue();
  }

  @Test
  void theStatusHttpSummarySaysReadyOnceTheApplicationRuns() {
    JsonObject config = WebFixture.config(new JsonObject());
    fx.deployStartingCoordinator(config);
    fx.deployManagement(config).deployHttp(config);
    JsonObject starting = get(fx.managementPort(), "/lifecycle/status").bodyAsJsonObject().getJsonObject("http");
    assertThat(starting.getBoolean("ready")).isFalse();
    assertThat(starting.getString("notReadyReason")).isEqualTo("starting");

    fx.coordinator.markRunning();
    Await.until("ready after RUNNING", Duration.ofSeconds(5), () -> get(fx.managementPort(), "/health/ready")
        .statusCode() == 200);
    // the summary is read when asked, not kept from the moment the listener bound
    JsonObject running = get(fx.managementPort(), "/lifecycle/status").bodyAsJsonObject().getJsonObject("http");
    assertThat(running.getBoolean("ready")).isTrue();
    assertThat(running.getValue("notReadyReason")).isNull();
  }

  @Test
  void withoutACoordinatorReadinessStaysDownAndSaysWhy() {
    JsonObject config = WebFixture.config(new JsonObject());
    // registrations are answered, as a coordinator would, but nothing answers a status request
    Await.result(fx.vertx.eventBus().<JsonObject>consumer(EventBusContract.REGISTER,
        m -> m.reply(new JsonObject().put("registered", true))).completion());
    fx.deployManagement(config);
    HttpResponse<Buffer> down = get(fx.managementPort(), "/health/ready");
    assertThat(down.statusCode()).isEqualTo(503);
    JsonObject data = down.bodyAsJsonObject().getJsonArray("checks").getJsonObject(0).getJsonObject("data");
    assertThat(data.getString("reason")).isEqualTo("starting");
    assertThat(data.getString("cause")).startsWith("the lifecycle coordinator did not answer");
  }
}
