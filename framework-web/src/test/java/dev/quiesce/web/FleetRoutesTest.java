package dev.quiesce.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.lifecycle.EventBusContract;
import dev.quiesce.testing.Await;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code /fleet/*} on a node that is not clustered (503, after the token check for operations), what
 * reaches the fleet service when one answers on {@code quiesce.fleet} (a stand-in consumer here; the
 * real one is framework-cluster's), and the node-local status the management listener answers.
 */
class FleetRoutesTest {

  static final String TOKEN = ManagementTest.TOKEN;

  @RegisterExtension
  final WebFixture fx = new WebFixture();
  private WebClient client;

  @BeforeEach
  void start() {
    client = WebClient.create(fx.vertx);
    fx.deployCoordinator(new JsonObject());
    JsonObject config = WebFixture.config(new JsonObject(), new JsonObject().put("token", TOKEN));
    fx.deployManagement(config).deployHttp(config);
  }

  private HttpResponse<Buffer> send(HttpMethod method, String path, String token, String body) {
    HttpRequest<Buffer> r = client.request(method, fx.managementPort(), "127.0.0.1", path);
    if (token != null) {
      r.putHeader("Authorization", "Bearer " + token);
    }
    return Await.result(body == null ? r.send() : r.sendBuffer(Buffer.buffer(body)));
  }

  @Test
  void aNodeThatIsNotClusteredAnswers503() {
    HttpResponse<Buffer> status = send(HttpMethod.GET, "/fleet/status", null, null);
    assertThat(status.statusCode()).isEqualTo(503);
    assertThat(status.bodyAsJsonObject().getString("error")).startsWith("this node is not clustered");
    assertThat(send(HttpMethod.POST, "/fleet/reload", null, null).statusCode()).isEqualTo(401);
    assertThat(send(HttpMethod.POST, "/fleet/restart", "wrong-token-wrong-token-0000", null).statusCode())
        .isEqualTo(401);
    HttpResponse<Buffer> reload = send(HttpMethod.POST, "/fleet/reload", TOKEN, null);
    assertThat(reload.statusCode()).isEqualTo(503);
    assertThat(reload.bodyAsJsonObject().getString("error")).contains("cluster.enabled");
    assertThat(send(HttpMethod.GET, "/fleet/upgrade", TOKEN, null).statusCode()).isEqualTo(405);
  }

  @Test
  void operationsGoToTheFleetServiceWithTheirBodyAndItsRefusalsComeBack() {
    fx.vertx.eventBus().<JsonObject>localConsumer(EventBusContract.FLEET, m -> {
      JsonObject body = m.body();
      if ("restart".equals(body.getString("command"))) {
        m.fail(409, "a fleet reload (fleet-1, run by node n1) is in progress");
      } else {
        m.reply(new JsonObject().put("asked", body));
      }
    });
    HttpResponse<Buffer> ok = send(HttpMethod.POST, "/fleet/reload", TOKEN,
        "{\"reason\":\"deploy 42\",\"maxUnavailable\":2}");
    assertThat(ok.statusCode()).isEqualTo(202);
    assertThat(ok.bodyAsJsonObject().getJsonObject("asked")).isEqualTo(new JsonObject().put("reason", "deploy 42")
        .put("maxUnavailable", 2).put("command", "reload"));
    HttpResponse<Buffer> refused = send(HttpMethod.POST, "/fleet/restart", TOKEN, null);
    assertThat(refused.statusCode()).isEqualTo(409);
    assertThat(refused.bodyAsJsonObject().getString("error")).contains("fleet-1").contains("in progress");
    assertThat(send(HttpMethod.POST, "/fleet/upgrade", TOKEN, "[1]").statusCode()).isEqualTo(400);
    assertThat(send(HttpMethod.POST, "/fleet/upgrade", TOKEN, "{\"command\":\"stop\"}").statusCode()).isEqualTo(400);
    HttpResponse<Buffer> status = send(HttpMethod.GET, "/fleet/status", null, null);
    assertThat(status.statusCode()).isEqualTo(200);
    assertThat(status.bodyAsJsonObject().getJsonObject("asked").getString("command")).isEqualTo("status");
  }

  @Test
  void theNodeLocalStatusIsTheLifecycleStatusBody() {
    JsonObject local = Await.result(fx.vertx.eventBus().<JsonObject>request(EventBusContract.FLEET_LOCAL_STATUS,
        new JsonObject(), new DeliveryOptions().setLocalOnly(true))).body();
    assertThat(local.getString("state")).isEqualTo("RUNNING");
    assertThat(local.getInteger("inFlightRequests")).isZero();
    assertThat(local.getBoolean("ready")).isTrue();
  }
}
