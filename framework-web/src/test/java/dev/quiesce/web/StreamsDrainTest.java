package dev.quiesce.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.lifecycle.Steps;
import dev.quiesce.testing.Await;
import dev.quiesce.testing.Timing;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.GoAway;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Long-lived traffic during a drain: WebSockets, server-sent events, long polls, HTTP/2. */
class StreamsDrainTest {

  @RegisterExtension
  final WebFixture fx = new WebFixture();
  private PhaseDriver driver;
  private WebSocketClient webSockets;
  private HttpClient http2;

  @BeforeEach
  void start() {
    driver = new PhaseDriver(fx.vertx);
  }

  @Test
  void webSocketGetsGoingAway1001() {
    fx.deployHttp(WebFixture.config(new JsonObject().put("webSocketCloseGrace", "1s")));
    webSockets = fx.vertx.createWebSocketClient();
    WebSocket ws = Await.result(webSockets.connect(fx.httpPort(), "127.0.0.1", "/ws"));
    Promise<Short> closed = Promise.promise();
    ws.closeHandler(v -> closed.tryComplete(ws.closeStatusCode()));
    Promise<Buffer> reply = Promise.promise();
    ws.handler(reply::tryComplete);
    ws.writeTextMessage("ping");
    Buffer echo = Await.result(reply.future());
    assertThat(echo.toString()).isEqualTo("ping");
    assertThat(fx.state().inFlight()).as("an open WebSocket is not an in-flight request").isZero();

    PhaseDriver.Step drain = driver.publish("http", Steps.DRAIN, Duration.ofSeconds(5));
    assertThat(Await.result(closed.future(), Duration.ofSeconds(5))).isEqualTo((short) 1001);
    JsonObject detail = drain.detail(Duration.ofSeconds(5));
    assertThat(detail.getLong("websockets")).isEqualTo(1);
    assertThat(detail.getLong("aborted")).isZero();
  }

  @Test
  void serverSentEventStreamGetsFinalEventAndEnds() throws Exception {
    fx.deployHttp(WebFixture.config(new JsonObject()));
    try (RawHttp client = new RawHttp(fx.httpPort())) {
      client.send("/sse");
      fx.awaitInFlight(1);
      PhaseDriver.Step drain = driver.publish("http", Steps.DRAIN, Duration.ofSeconds(5));
      RawHttp.Response r = client.read();
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.body()).startsWith("data: first\n\n").endsWith(HttpConfig.DEFAULT_SSE_FINAL_EVENT);
      JsonObject detail = drain.detail(Duration.ofSeconds(5));
      assertThat(detail.getLong("streams")).isEqualTo(1);
      assertThat(detail.getLong("completed")).isEqualTo(1);
      assertThat(detail.getLong("durationMs")).isLessThan(Timing.upTo(2000));
    }
  }

  @Test
  void sseFinalEventIsConfigurable() throws Exception {
    fx.deployHttp(WebFixture.config(new JsonObject().put("sseFinalEvent", "retry: 9000\n\n")));
    try (RawHttp client = new RawHttp(fx.httpPort())) {
      client.send("/sse");
      fx.awaitInFlight(1);
      driver.publish("http", Steps.DRAIN, Duration.ofSeconds(5));
      assertThat(client.read().body()).endsWith("data: first\n\nretry: 9000\n\n").doesNotContain("going-away");
    }
  }

  @Test
  void longPollRegisteredWithOnDrainIsToldAndEnds() throws Exception {
    fx.deployHttp(WebFixture.config(new JsonObject()));
    try (RawHttp client = new RawHttp(fx.httpPort())) {
      client.send("/long");
      fx.awaitInFlight(1);
      PhaseDriver.Step drain = driver.publish("http", Steps.DRAIN, Duration.ofSeconds(5));
      RawHttp.Response r = client.read();
      assertThat(r.body()).isEqualTo("drained");
      assertThat(r.header("connection")).isEqualToIgnoringCase("close");
      JsonObject detail = drain.detail(Duration.ofSeconds(5));
      assertThat(detail.getLong("streams")).isEqualTo(1);
      assertThat(detail.getLong("completed")).isEqualTo(1);
    }
  }

  @Test
  void http2ConnectionGetsGoAwayAndItsStreamCompletes() {
    fx.deployHttp(WebFixture.config(new JsonObject().put("http2ClearText", true)));
    http2 = fx.vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
        .setHttp2ClearTextUpgrade(false));
    Promise<GoAway> goAway = Promise.promise();
    var response = http2.request(HttpMethod.GET, fx.httpPort(), "127.0.0.1", "/slow?ms=600").compose(req -> {
      req.connection().goAwayHandler(goAway::tryComplete);
      return req.send();
    }).compose(resp -> resp.body().map(body -> resp.version() + " " + resp.statusCode() + " " + body));
    fx.awaitInFlight(1);
    PhaseDriver.Step drain = driver.publish("http", Steps.DRAIN, Duration.ofSeconds(5));

    assertThat(Await.result(goAway.future(), Duration.ofSeconds(5))).isNotNull();
    assertThat(Await.result(response, Duration.ofSeconds(5))).isEqualTo("HTTP_2 200 slept 600");
    JsonObject detail = drain.detail(Duration.ofSeconds(5));
    assertThat(detail.getLong("completed")).isEqualTo(1);
    assertThat(detail.getLong("aborted")).isZero();
  }
}
