package dev.quiesce.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.lifecycle.Steps;
import dev.quiesce.testing.Await;
import dev.quiesce.testing.Timing;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The {@code reload} step of the HTTP verticle (without load; see {@link ReloadUnderLoadTest}). */
class HttpReloadTest {

  @RegisterExtension
  final WebFixture fx = new WebFixture();
  private PhaseDriver driver;

  @BeforeEach
  void start() {
    driver = new PhaseDriver(fx.vertx);
  }

  private static JsonObject config(String greeting, JsonObject http) {
    return WebFixture.config(http).put("app", new JsonObject().put("greeting", greeting));
  }

  /** The router factory of the tests, refusing to build a router for the greeting "bad". */
  private static RouterFactory routes() {
    TestRoutes routes = new TestRoutes();
    return (vertx, config) -> {
      if ("bad".equals(config.getJsonObject("app").getString("greeting"))) {
        throw new IllegalArgumentException("greeting \"bad\" is not allowed");
      }
      return routes.create(vertx, config);
    };
  }

  private static String get(int port, String path) throws IOException {
    try (RawHttp client = new RawHttp(port)) {
      return client.send(path).read().body();
    }
  }

  /** Waits until a new connection to {@code port} is answered {@code greeting}: the new server listens. */
  private static void awaitGreeting(int port, String greeting) {
    Await.until("the new server answers", Duration.ofSeconds(5), () -> {
      try {
        return get(port, "/greeting").equals(greeting);
      } catch (IOException e) {
        return false;
      }
    });
  }

  private PhaseDriver.Step reload(JsonObject config) {
    return driver.publish("http", Steps.RELOAD, Duration.ofSeconds(20), false, config);
  }

  /** Reloads to greeting v1; returns once the new server answers while the old one still drains. */
  private void reloadToV1WhileTheOldServerDrains(int port, JsonObject http) {
    PhaseDriver.Step reload = reload(config("v1", http));
    awaitGreeting(port, "v1");
    assertThat(reload.acked()).as("the old server still drains for the reload").isFalse();
  }

  @Test
  void reloadReplacesEveryInstanceWithTheNewConfiguration() throws Exception {
    fx.deployHttp(config("v0", new JsonObject().put("instances", 2)), routes());
    int port = fx.httpPort();
    assertThat(get(port, "/greeting")).isEqualTo("v0");

    JsonObject detail = reload(config("v1", new JsonObject().put("instances", 2))).detail(Duration.ofSeconds(10));
    assertThat(detail.getInteger("replaced")).isEqualTo(2);
    assertThat(detail.getInteger("instances")).isEqualTo(2);
    assertThat(fx.httpPort()).as("port 0 keeps the port it got").isEqualTo(port);
    for (int i = 0; i < 6; i++) {
      assertThat(get(port, "/greeting")).isEqualTo("v1");
    }
  }

  @Test
  void requestOnAnOpenConnectionDuringTheReloadWindowIsServedWithConnectionClose() throws Exception {
    JsonObject http = new JsonObject().put("reloadCloseWindow", "3s");
    fx.deployHttp(config("v0", http), routes());
    int port = fx.httpPort();
    try (RawHttp kept = new RawHttp(port)) {
      RawHttp.Response before = kept.send("/greeting").read();
      assertThat(before.body()).isEqualTo("v0");
      assertThat(before.header("connection")).isNull();

      PhaseDriver.Step reload = reload(config("v1", http));
      awaitGreeting(port, "v1");
      assertThat(reload.acked()).as("the old server is still in its window").isFalse();
      RawHttp.Response during = kept.send("/greeting").read();
      assertThat(during.status()).isEqualTo(200);
      assertThat(during.body()).isEqualTo("v0");
      assertThat(during.header("connection")).isEqualToIgnoringCase("close");
      assertThat(kept.closedWithin(Duration.ofSeconds(2))).isTrue();

      JsonObject detail = reload.detail(Duration.ofSeconds(10));
      assertThat(detail.getLong("acceptedDuringDrain")).isGreaterThanOrEqualTo(1);
      assertThat(detail.getLong("aborted")).isZero();
      assertThat(detail.getLong("completed") + detail.getLong("aborted"))
          .isEqualTo(detail.getLong("inFlightAtStart") + detail.getLong("acceptedDuringDrain"));
    }
  }

  @Test
  void reloadCanMoveTheListenerToAnotherPort() throws Exception {
    int first;
    int second;
    try (ServerSocket a = new ServerSocket(0); ServerSocket b = new ServerSocket(0)) {
      first = a.getLocalPort();
      second = b.getLocalPort();
    }
    fx.deployHttp(config("v0", new JsonObject().put("port", first)), routes());
    assertThat(get(first, "/greeting")).isEqualTo("v0");
    reload(config("v1", new JsonObject().put("port", second))).detail(Duration.ofSeconds(10));
    assertThat(get(second, "/greeting")).isEqualTo("v1");
    assertThat(fx.httpPort()).isEqualTo(second);
    try (Socket s = new Socket("127.0.0.1", first)) {
      throw new AssertionError("the old port still accepts: " + s);
    } catch (ConnectException expected) {
      // the old listener is gone
    }
  }

  @Test
  void reloadCanChangeTheNumberOfInstances() throws Exception {
    fx.deployHttp(config("v0", new JsonObject().put("instances", 1)), routes());
    int port = fx.httpPort();
    reload(config("v1", new JsonObject().put("instances", 3))).detail(Duration.ofSeconds(10));
    assertThat(fx.state().http().getInteger("instances")).isEqualTo(3);
    assertThat(fx.vertx.deploymentIDs()).hasSize(4);
    reload(config("v2", new JsonObject().put("instances", 1))).detail(Duration.ofSeconds(10));
    assertThat(fx.state().http().getInteger("instances")).isEqualTo(1);
    assertThat(fx.vertx.deploymentIDs()).hasSize(2);
    assertThat(get(port, "/greeting")).isEqualTo("v2");
  }

  @Test
  void reloadWhoseRouterCannotBeBuiltFailsAndTheOldServerKeepsServing() throws Exception {
    fx.deployHttp(config("v0", new JsonObject().put("instances", 2)), routes());
    int port = fx.httpPort();
    JsonObject ack = reload(config("bad", new JsonObject().put("instances", 2))).ack(Duration.ofSeconds(10));
    assertThat(ack.getString("outcome")).isEqualTo("failed");
    assertThat(ack.getString("reason")).contains("instance 1 of 2").contains("\"bad\" is not allowed")
        .contains("0 of 2 instance(s) replaced");
    for (int i = 0; i < 4; i++) {
      assertThat(get(port, "/greeting")).isEqualTo("v0");
    }
  }

  @Test
  void reloadIsRefusedOnceTheDrainBegan() {
    fx.deployHttp(config("v0", new JsonObject()), routes());
    driver.publish("http", Steps.DRAIN, Duration.ofSeconds(5)).detail(Duration.ofSeconds(5));
    JsonObject ack = reload(config("v1", new JsonObject())).ack(Duration.ofSeconds(5));
    assertThat(ack.getString("outcome")).isEqualTo("failed");
    assertThat(ack.getString("reason")).contains("stopping");
  }

  @Test
  void aStopDuringAReloadGivesTheDrainingOldServerTheStopsBudgetAndCountsItsRequests() throws Exception {
    JsonObject http = new JsonObject().put("reloadCloseWindow", "5s");
    fx.deployHttp(config("v0", http), routes());
    int port = fx.httpPort();
    try (RawHttp slow = new RawHttp(port)) {
      slow.send("/slow?ms=30000");
      fx.awaitInFlight(1);
      reloadToV1WhileTheOldServerDrains(port, http);

      long started = System.nanoTime();
      PhaseDriver.Step drain = driver.publish("http", Steps.DRAIN, Duration.ofSeconds(1));
      JsonObject detail = drain.detail(Duration.ofSeconds(8));
      // the old server drained for the reload within the stop's 1 s, not the reload's 20 s
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Timing.upTo(Duration.ofSeconds(4)));
      assertThat(detail.getLong("aborted")).as(detail.encode()).isEqualTo(1);
      assertThat(detail.getLong("completed") + detail.getLong("aborted")).as(detail.encode())
          .isEqualTo(detail.getLong("inFlightAtStart") + detail.getLong("acceptedDuringDrain"));
      assertThat(fx.state().inFlight()).isZero();
    }
  }

  @Test
  void aStopDuringAReloadShutsTheOldServerDownWithTheStopsBudget() throws Exception {
    // the stop has no window of its own, so it shuts the old server down at once, in the reload's window;
    // with h2c on, a connection that has sent nothing yet is closed only at the end of that shutdown
    JsonObject http = new JsonObject().put("reloadCloseWindow", "5s").put("drainCloseWindow", "0s")
        .put("http2ClearText", true);
    fx.deployHttp(config("v0", http), routes());
    int port = fx.httpPort();
    try (RawHttp silent = new RawHttp(port)) {
      reloadToV1WhileTheOldServerDrains(port, http);

      long started = System.nanoTime();
      PhaseDriver.Step drain = driver.publish("http", Steps.DRAIN, Duration.ofSeconds(2));
      JsonObject detail = drain.detail(Duration.ofSeconds(10));
      Duration took = Duration.ofNanos(System.nanoTime() - started);
      assertThat(took).as(detail.encode()).isGreaterThanOrEqualTo(Duration.ofMillis(1500))
          .isLessThan(Timing.upTo(Duration.ofSeconds(2)));
      // shut down with the reload's budget, the old server would keep it open for the reload's 20 s
      assertThat(silent.closedWithin(Duration.ofSeconds(1))).as("closed at the end of the stop's budget").isTrue();
      assertThat(detail.getLong("aborted")).as(detail.encode()).isZero();
    }
  }
}
