package dev.quiesce.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.cluster.impl.ClusteredVertxFactory;
import dev.quiesce.testing.Await;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Two clustered instances in one JVM form a cluster on 127.0.0.1 and exchange a message. */
class ClusteredVertxTest {

  private final List<Vertx> started = new ArrayList<>();

  @AfterEach
  void closeAll() {
    started.forEach(v -> Await.result(v.close(), Duration.ofSeconds(20)));
  }

  @Test
  void twoNodesOnTheLoopbackFormAClusterAndShareTheEventBus() throws IOException {
    int portA = freePort();
    int portB = freePort();
    Vertx a = node(portA, List.of());
    Vertx b = node(portB, List.of("127.0.0.1:" + portA));
    b.eventBus().consumer("ping", m -> m.reply("pong from b"));
    Await.until("the consumer on b is seen from a", Duration.ofSeconds(20),
        () -> Await.result(a.eventBus().request("ping", "hi").map(m -> (String) m.body())
            .otherwise("none"), Duration.ofSeconds(5)).equals("pong from b"));
  }

  @Test
  void aSingleNodeConfigurationCreatesNoClusteredInstance() {
    assertThat(new ClusteredVertxFactory().create(new VertxOptions(), new JsonObject())).isEmpty();
  }

  private Vertx node(int port, List<String> members) {
    JsonObject config = new JsonObject().put("cluster", new JsonObject().put("enabled", true)
        .put("name", "test-" + ProcessHandle.current().pid()).put("port", port).put("members", new JsonArray(members)));
    Vertx vertx = Await.result(new ClusteredVertxFactory().create(new VertxOptions(), config).orElseThrow(),
        Duration.ofSeconds(60));
    started.add(vertx);
    assertThat(vertx.isClustered()).isTrue();
    return vertx;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
