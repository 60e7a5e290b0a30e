package dev.quiesce.example;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import dev.quiesce.cluster.FleetAddresses;
import dev.quiesce.lifecycle.EventBusContract;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
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
    // Hazelcast configured here, as a plain Vert.x application would: vertx-hazelcast's defaults, the
    // loopback only (no multicast, no auto-detection, no phone-home), TCP-IP join of the given members
    Config hazelcast = ConfigUtil.loadConfig().setClusterName(args[0])
        .setProperty("hazelcast.phone.home.enabled", "false")
        .setProperty("hazelcast.socket.bind.any", "false");
    NetworkConfig network = hazelcast.getNetworkConfig().setPort(Integer.parseInt(args[1])).setPortAutoIncrement(false);
    network.getInterfaces().setEnabled(true).addInterface("127.0.0.1");
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setMembers(List.of(args[2].split(",")));
    VertxOptions options = new VertxOptions().setEventBusOptions(new EventBusOptions().setHost("127.0.0.1").setPort(0));
    Vertx vertx = Vertx.builder().with(options).withClusterManager(new HazelcastClusterManager(hazelcast))
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
