package dev.quiesce.cluster.impl;

import dev.quiesce.cluster.ClusterConfig;
import dev.quiesce.launcher.VertxFactory;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.Optional;

/**
 * Creates a clustered Vert.x when {@code cluster.enabled}: Hazelcast embedded, configured by
 * {@link HazelcastSetup}, and the event bus listening on {@code cluster.host} (a free port); then the
 * node's fleet part ({@link FleetNode}), so its first state change already reaches the fleet.
 */
public final class ClusteredVertxFactory implements VertxFactory {

  @Override
  public Optional<Future<Vertx>> create(VertxOptions options, JsonObject config) {
    ClusterConfig cluster = ClusterConfig.from(config);
    if (!cluster.enabled()) {
      return Optional.empty();
    }
    EventBusOptions eventBus = options.getEventBusOptions().setHost(cluster.host()).setPort(0);
    cluster.publicHost().ifPresent(eventBus::setClusterPublicHost);
    ClusterManager manager = new HazelcastClusterManager(HazelcastSetup.of(cluster));
    return Optional.of(Vertx.builder().with(options).withClusterManager(manager).buildClustered()
        .compose(vertx -> withFleet(vertx, manager, config)));
  }

  /** Starts the node's fleet part ({@link FleetNode}); when it cannot start, closes Vert.x and fails with the cause. */
  private static Future<Vertx> withFleet(Vertx vertx, ClusterManager manager, JsonObject config) {
    return FleetNode.start(vertx, manager, config).map(vertx).recover(e -> vertx.close().transform(closed ->
        Future.failedFuture(new IllegalStateException("the fleet consumers could not be registered: " + e, e))));
  }
}
