package dev.quiesce.web;

import dev.quiesce.lifecycle.LifecycleConfig;
import dev.quiesce.lifecycle.LifecycleCoordinator;
import dev.quiesce.lifecycle.LifecycleState;
import dev.quiesce.testing.Await;
import dev.quiesce.web.impl.WebState;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real Vert.x (with Micrometer metrics, as the launcher creates it) and the web verticles
 * deployed on 127.0.0.1 with free ports. A JUnit 5 extension: a test class declares
 * {@code @RegisterExtension final WebFixture fx = new WebFixture();} and gets a fresh Vert.x per
 * test, closed after the test's own {@code @AfterEach} methods ran. Also {@link AutoCloseable},
 * for a second fixture inside a test; closing twice is harmless.
 */
final class WebFixture implements AfterEachCallback, AutoCloseable {

  final Vertx vertx;
  HttpServerVerticle http;
  String httpDeployment;
  ManagementVerticle management;
  String managementDeployment;
  LifecycleCoordinator coordinator;
  private WebClient client;
  private boolean closed;

  WebFixture() {
    vertx = Vertx.vertx(QuiesceMetrics.enable(new VertxOptions()));
  }

  /** A configuration with both listeners on 127.0.0.1, free ports, plus {@code http} and {@code management} overrides. */
  static JsonObject config(JsonObject http, JsonObject management) {
    return new JsonObject()
        .put("http", new JsonObject().put("host", "127.0.0.1").put("port", 0).mergeIn(http))
        .put("management", new JsonObject().put("host", "127.0.0.1").put("port", 0).mergeIn(management));
  }

  static JsonObject config(JsonObject http) {
    return config(http, new JsonObject());
  }

  WebFixture deployHttp(JsonObject config) {
    return deployHttp(config, new TestRoutes());
  }

  WebFixture deployHttp(JsonObject config, RouterFactory routes) {
    http = new HttpServerVerticle(routes);
    httpDeployment = Await.result(vertx.deployVerticle(http, new DeploymentOptions().setConfig(config)));
    return this;
  }

  WebFixture deployManagement(JsonObject config) {
    management = new ManagementVerticle();
    managementDeployment = Await.result(vertx.deployVerticle(management, new DeploymentOptions().setConfig(config)));
    return this;
  }

  /** A real lifecycle coordinator, deployed first as the launcher does (on a worker), and running. */
  LifecycleCoordinator deployCoordinator(JsonObject root) {
    deployStartingCoordinator(root);
    coordinator.markRunning();
    Await.until("the coordinator runs", Duration.ofSeconds(5), () -> coordinator.state() == LifecycleState.RUNNING);
    return coordinator;
  }

  /** A real lifecycle coordinator, deployed on a worker and left {@code STARTING}, as while an application deploys. */
  LifecycleCoordinator deployStartingCoordinator(JsonObject root) {
    coordinator = new LifecycleCoordinator(LifecycleConfig.from(root));
    Await.result(vertx.deployVerticle(coordinator, new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER)));
    return coordinator;
  }

  /** GET {@code path} on 127.0.0.1:{@code port}, through a client of this fixture's Vert.x. */
  HttpResponse<Buffer> get(int port, String path) {
    if (client == null) {
      client = WebClient.create(vertx);
    }
    return Await.result(client.get(port, "127.0.0.1", path).send());
  }

  int httpPort() {
    return http.actualPort();
  }

  int managementPort() {
    return management.actualPort();
  }

  WebState state() {
    return WebState.of(vertx);
  }

  /** Waits until {@code n} requests are in flight. */
  void awaitInFlight(long n) {
    Await.until(n + " request(s) in flight", Duration.ofSeconds(5), () -> state().inFlight() == n);
  }

  @Override
  public void afterEach(ExtensionContext context) {
    close();
  }

  /** Undeploys the web verticles first (while the coordinator still answers), then closes Vert.x; once. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (String id : new String[] {httpDeployment, managementDeployment}) {
      if (id != null && vertx.deploymentIDs().contains(id)) {
        vertx.undeploy(id).otherwiseEmpty().toCompletionStage().toCompletableFuture()
            .completeOnTimeout(null, 10, TimeUnit.SECONDS).join();
      }
    }
    Await.result(vertx.close(), Duration.ofSeconds(20));
  }
}
