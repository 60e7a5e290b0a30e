package dev.quiesce.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.lifecycle.Steps;
import dev.quiesce.testing.Await;
import dev.quiesce.testing.Timing;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Start, undeploy and the edges of the HTTP verticle. */
class HttpLifecycleTest {

  @RegisterExtension
  final WebFixture fx = new WebFixture();
  private PhaseDriver driver;

  @Test
  void undeployWithoutADrainPhaseStillLetsInFlightRequestsFinish() throws Exception {
    driver = new PhaseDriver(fx.vertx);
    fx.deployHttp(WebFixture.config(new JsonObject()));
    try (RawHttp client = new RawHttp(fx.httpPort())) {
      client.send("/slow?ms=600");
      fx.awaitInFlight(1);
      long started = System.nanoTime();
      Await.result(fx.vertx.undeploy(fx.httpDeployment), Duration.ofSeconds(10));
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(450));
      RawHttp.Response r = client.read();
      assertThat(r.body()).isEqualTo("slept 600");
      assertThat(r.header("connection")).isEqualToIgnoringCase("close");
      assertThat(driver.registered()).as("it left the coordinator").isEmpty();
      assertThat(fx.vertx.deploymentIDs()).isEmpty();
    }
  }

  @Test
  void startFailsWhenThePortIsTakenAndLeavesNothingDeployed() throws Exception {
    driver = new PhaseDriver(fx.vertx);
    try (ServerSocket taken = new ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
      JsonObject config = WebFixture.config(new JsonObject().put("port", taken.getLocalPort()));
      Throwable failure = Await.failure(fx.vertx.deployVerticle(new HttpServerVerticle(new TestRoutes()),
          new DeploymentOptions().setConfig(config)));
      assertThat(failure.getMessage()).contains("could not start").contains(String.valueOf(taken.getLocalPort()));
      assertThat(fx.vertx.deploymentIDs()).isEmpty();
      assertThat(driver.registered()).isEmpty();
    }
  }

  @Test
  void startFailsOnAnInvalidConfigurationNamingThePath() {
    driver = new PhaseDriver(fx.vertx);
    Throwable failure = Await.failure(fx.vertx.deployVerticle(new HttpServerVerticle(new TestRoutes()),
        new DeploymentOptions().setConfig(new JsonObject().put("http", new JsonObject().put("port", "x")))));
    assertThat(failure.getMessage()).contains("http.port");
  }

  @Test
  void startFailsWhenNoCoordinatorAnswers() {
    long started = System.nanoTime();
    Throwable failure = Await.failure(fx.vertx.deployVerticle(new HttpServerVerticle(new TestRoutes()),
        new DeploymentOptions().setConfig(WebFixture.config(new JsonObject()))));
    assertThat(failure.getMessage()).contains("could not register");
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Timing.upTo(Duration.ofSeconds(9)));
    assertThat(fx.vertx.deploymentIDs()).isEmpty();
  }

  @Test
  void severalInstancesShareThePortAndDrainTogether() throws Exception {
    driver = new PhaseDriver(fx.vertx);
    fx.deployHttp(WebFixture.config(new JsonObject().put("instances", 3)));
    assertThat(fx.vertx.deploymentIDs()).hasSize(4);
    List<RawHttp> clients = new ArrayList<>();
    List<CompletableFuture<RawHttp.Response>> answers = new ArrayList<>();
    try {
      for (int i = 0; i < 6; i++) {
        RawHttp c = new RawHttp(fx.httpPort());
        clients.add(c);
        c.send("/slow?ms=500");
        answers.add(CompletableFuture.supplyAsync(() -> {
          try {
            return c.read();
          } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
          }
        }));
      }
      fx.awaitInFlight(6);
      JsonObject detail = driver.publish("http", Steps.DRAIN, Duration.ofSeconds(5)).detail(Duration.ofSeconds(5));
      assertThat(detail.getLong("completed")).isEqualTo(6);
      assertThat(detail.getLong("connectionsClosed")).isEqualTo(6);
      for (CompletableFuture<RawHttp.Response> a : answers) {
        assertThat(a.get(5, TimeUnit.SECONDS).status()).isEqualTo(200);
      }
    } finally {
      clients.forEach(RawHttp::close);
    }
  }

  @Test
  void requestsStayCountedWhenAHandlerReplacesTheResponseEndHandler() throws Exception {
    driver = new PhaseDriver(fx.vertx);
    fx.deployHttp(WebFixture.config(new JsonObject()), (vertx, config) -> {
      Router router = Router.router(vertx);
      router.get("/rude").handler(ctx -> {
        ctx.response().endHandler(v -> { });
        ctx.response().closeHandler(v -> { });
        vertx.setTimer(50, id -> ctx.end("done"));
      });
      return router;
    });
    try (RawHttp client = new RawHttp(fx.httpPort())) {
      assertThat(client.send("/rude").read().body()).isEqualTo("done");
    }
    Await.until("the request is no longer counted", Duration.ofSeconds(3), () -> fx.state().inFlight() == 0);
  }

  @Test
  void drainingIsVisibleToHandlers() throws Exception {
    driver = new PhaseDriver(fx.vertx);
    fx.deployHttp(WebFixture.config(new JsonObject()), (vertx, config) -> {
      Router router = Router.router(vertx);
      router.get("/later").handler(ctx -> vertx.setTimer(400, id -> ctx.end("draining=" + HttpDrain.draining(ctx))));
      return router;
    });
    try (RawHttp client = new RawHttp(fx.httpPort())) {
      client.send("/later");
      fx.awaitInFlight(1);
      driver.publish("http", Steps.DRAIN, Duration.ofSeconds(5));
      assertThat(client.read().body()).isEqualTo("draining=true");
    }
  }

  @Test
  void withNoConnectionOpenAStopDoesNotWaitForItsCloseWindow() throws Exception {
    driver = new PhaseDriver(fx.vertx);
    fx.deployHttp(WebFixture.config(new JsonObject().put("drainCloseWindow", "5s").put("instances", 2)));
    long started = System.nanoTime();
    JsonObject detail = driver.publish("http", Steps.DRAIN, Duration.ofSeconds(20)).detail(Duration.ofSeconds(10));
    assertThat(Duration.ofNanos(System.nanoTime() - started)).as("well before the 5 s window")
        .isLessThan(Timing.upTo(Duration.ofSeconds(3)));
    assertThat(detail.getLong("completed")).isZero();
  }
}
