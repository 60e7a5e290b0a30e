package dev.quiesce.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.cluster.impl.ClusteredVertxFactory;
import dev.quiesce.testing.Await;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Two clustered instances in one JVM form a cluster on 127.0.0.1 and exchange a message. */
class ClusteredVertxTest {

  private final InJvmNodes nodes = new InJvmNodes();

  @AfterEach
  void closeAll() {
    nodes.close();
  }

  @Test
  void twoNodesOnTheLoopbackFormAClusterAndShareTheEventBus() throws IOException {
    int portA = InJvmNodes.freePort();
    int portB = InJvmNodes.freePort();
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
    Vertx vertx = nodes.node("test-" + ProcessHandle.current().pid(), port, members);
    assertThat(vertx.isClustered()).isTrue();
    return vertx;
  }
}
