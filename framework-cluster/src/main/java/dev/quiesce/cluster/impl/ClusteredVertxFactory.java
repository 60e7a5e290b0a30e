package dev.quiesce.cluster.impl;

import dev.quiesce.cluster.ClusterConfig;
import dev.quiesce.launcher.VertxFactory;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.Optional;

/**
 * Creates a clustered Vert.x when {@code cluster.enabled}: Hazelcast embedded, configured by
 * {@link HazelcastSetup}, and the event bus listening on {@code cluster.host} (a free port).
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
    return Optional.of(Vertx.builder().with(options)
        .withClusterManager(new LeavingClusterManager(new HazelcastClusterManager(HazelcastSetup.of(cluster))))
        .buildClustered().compose(vertx -> NodeLeave.install(vertx, config)));
  }
}
