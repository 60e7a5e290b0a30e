package dev.quiesce.cluster;

import dev.quiesce.cluster.impl.ClusteredVertxFactory;
import dev.quiesce.testing.Await;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Clustered Vert.x instances in the test's JVM, made by {@link ClusteredVertxFactory} on 127.0.0.1;
 * {@link #close()} closes every one (bounded). Use one per test, with a cluster name of the test's own.
 */
public final class InJvmNodes implements AutoCloseable {

  /** How long a node may take to join (a busy machine). */
  public static final Duration JOIN = Duration.ofSeconds(60);

  private final List<Vertx> started = new ArrayList<>();

  /** A node of cluster {@code name} on {@code port}, joining {@code members}, from a new factory. */
  public Vertx node(String name, int port, List<String> members) {
    return node(new ClusteredVertxFactory(), config(name, port, members));
  }

  /** The instance {@code factory} makes for {@code config}, waited for at most {@link #JOIN}. */
  public Vertx node(ClusteredVertxFactory factory, JsonObject config) {
    Vertx vertx = Await.result(factory.create(new VertxOptions(), config).orElseThrow(), JOIN);
    started.add(vertx);
    return vertx;
  }

  /** {@code {"cluster": {"enabled": true, "name": .., "port": .., "members": [..]}}}. */
  public static JsonObject config(String name, int port, List<String> members) {
    return new JsonObject().put("cluster", new JsonObject().put("enabled", true).put("name", name).put("port", port)
        .put("members", new JsonArray(members)));
  }

  /** A port free on 127.0.0.1 now. */
  public static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress("127.0.0.1", 0));
      return s.getLocalPort();
    }
  }

  @Override
  public void close() {
    started.forEach(v -> Await.result(v.close(), Duration.ofSeconds(20)));
  }
}
