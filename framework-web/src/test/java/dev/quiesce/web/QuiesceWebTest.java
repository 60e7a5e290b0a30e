package dev.quiesce.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.launcher.ApplicationContext;
import dev.quiesce.testing.Await;
import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link QuiesceWeb}'s deploy helpers, with an application context like the launcher's. */
class QuiesceWebTest {

  @RegisterExtension
  final WebFixture fx = new WebFixture();
  private WebClient client;

  /** Deploys as the launcher's context does: the whole configuration when the options carry none. */
  private record Context(Vertx vertx, JsonObject config, List<Deployable> deployed) implements ApplicationContext {
    @Override
    public Future<String> deploy(Supplier<? extends Deployable> verticle, DeploymentOptions options) {
      DeploymentOptions effective = new DeploymentOptions(options);
      if (effective.getConfig() == null) {
        effective.setConfig(config.copy());
      }
      Deployable d = verticle.get();
      deployed.add(d);
      return vertx.deployVerticle(d, effective);
    }
  }

  @BeforeEach
  void start() {
    new PhaseDriver(fx.vertx);
    client = WebClient.create(fx.vertx);
  }

  @Test
  void deployStartsTheManagementListenerThenTheHttpServer() {
    Context ctx = new Context(fx.vertx, WebFixture.config(new JsonObject()), new CopyOnWriteArrayList<>());
    Await.result(QuiesceWeb.deploy(ctx, RouterFactory.of(vertx -> new TestRoutes().create(vertx, new JsonObject()))));
    assertThat(ctx.deployed()).hasSize(2);
    assertThat(ctx.deployed().get(0)).isInstanceOf(ManagementVerticle.class);
    HttpServerVerticle http = (HttpServerVerticle) ctx.deployed().get(1);
    ManagementVerticle management = (ManagementVerticle) ctx.deployed().get(0);
    assertThat(Await.result(client.get(http.actualPort(), "127.0.0.1", "/hello").send()).bodyAsString())
        .isEqualTo("hello");
    assertThat(Await.result(client.get(management.actualPort(), "127.0.0.1", "/health/ready").send()).statusCode())
        .isEqualTo(200);
  }

  @Test
  void aDisabledManagementListenerIsNotDeployed() {
    Context ctx = new Context(fx.vertx, WebFixture.config(new JsonObject(), new JsonObject().put("enabled", false)),
        new CopyOnWriteArrayList<>());
    Await.result(QuiesceWeb.deploy(ctx, new TestRoutes()));
    assertThat(ctx.deployed()).singleElement().isInstanceOf(HttpServerVerticle.class);
  }
}
