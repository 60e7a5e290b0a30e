package dev.quiesce.example;

import dev.quiesce.cluster.ClusterConfig;
import dev.quiesce.cluster.FleetAddresses;
import dev.quiesce.cluster.impl.HazelcastSetup;
import dev.quiesce.lifecycle.EventBusContract;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A plain clustered Vert.x (no Quiesce lifecycle of its own) for {@link ClusterIsolationIT}: it joins
 * a test cluster on 127.0.0.1 and listens with cluster-wide {@code consumer()}s on every Quiesce
 * lifecycle address ({@link EventBusContract#ADDRESSES}), printing {@code PROBE lifecycle <address>
 * <body>} for each message that reaches it (none should: lifecycle traffic is node-local), and on
 * {@link FleetAddresses#EVENTS}, printing {@code PROBE fleet <event>} (the positive control: a
 * node's cluster-wide publications do reach it). Prints {@code PROBE ready} once every consumer is
 * registered in the cluster; runs until its JVM is ended.
 *
 * <p>Arguments: the cluster name, its Hazelcast port on 127.0.0.1, the members ({@code host:port},
 * comma-separated).
 */
public final class LifecycleProbeNode {

  private LifecycleProbeNode() {
  }

  /**
   * Joins and listens.
   *
   * @param args cluster name, port, members
   * @throws Exception when the node cannot join or register within a minute
   */
  public static void main(String[] args) throws Exception {
    ClusterConfig cluster = ClusterConfig.from(new JsonObject().put("cluster", new JsonObject().put("enabled", true)
        .put("name", args[0]).put("port", Integer.parseInt(args[1]))
        .put("members", new JsonArray(List.of((Object[]) args[2].split(","))))));
    VertxOptions options = new VertxOptions().setEventBusOptions(new EventBusOptions().setHost("127.0.0.1").setPort(0));
    Vertx vertx = Vertx.builder().with(options)
        .withClusterManager(new HazelcastClusterManager(HazelcastSetup.of(cluster, Duration.ofSeconds(60))))
        .buildClustered().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    List<Future<Void>> registered = new ArrayList<>();
    for (String address : EventBusContract.ADDRESSES) {
      registered.add(vertx.eventBus().consumer(address, m -> System.out.println("PROBE lifecycle " + address + " "
          + m.body())).completion());
    }
    registered.add(vertx.eventBus().consumer(FleetAddresses.EVENTS, m -> System.out.println("PROBE fleet "
        + m.body())).completion());
    Future.all(registered).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    System.out.println("PROBE ready");
  }
}
