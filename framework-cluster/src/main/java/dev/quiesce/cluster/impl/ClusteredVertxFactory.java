package dev.quiesce.cluster.impl;

import dev.quiesce.cluster.ClusterConfig;
import dev.quiesce.launcher.VertxFactory;
import dev.quiesce.lifecycle.LifecycleConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.WeakHashMap;

/**
 * Creates a clustered Vert.x when {@code cluster.enabled}: Hazelcast embedded, configured by
 * {@link HazelcastSetup} (its join bounded by a third of {@code lifecycle.startTimeout}), and the
 * event bus listening on {@code cluster.host} (a free port); then the node's fleet part
 * ({@link FleetNode}), so its first state change already reaches the fleet. A member port already in
 * use fails the creation at once with {@code host:port} named; the start line then names the
 * cluster, this node's id, its members, and warns of each configured member it could not join
 * ({@link ClusterView}).
 */
public final class ClusteredVertxFactory implements VertxFactory {

  /** The section and the managers of each instance {@link #create} made, for {@link #describe}; weakly held. */
  private final Map<Vertx, Made> made = Collections.synchronizedMap(new WeakHashMap<>());

  /** The leave's time beyond Hazelcast's graceful shutdown: the node's entries removed, connections closed. */
  static final Duration LEAVE_MARGIN = Duration.ofSeconds(2);

  private record Made(ClusterConfig cluster, HazelcastClusterManager hazelcast, LeavingClusterManager leaving) {
  }

  @Override
  public Optional<Future<Vertx>> create(VertxOptions options, JsonObject config) {
    ClusterConfig cluster = ClusterConfig.from(config);
    if (!cluster.enabled()) {
      return Optional.empty();
    }
    Optional<String> cannotBind = cannotBind(cluster);
    if (cannotBind.isPresent()) {
      return Optional.of(Future.failedFuture(new IllegalStateException(cannotBind.get())));
    }
    EventBusOptions eventBus = options.getEventBusOptions().setHost(cluster.host()).setPort(0);
    cluster.publicHost().ifPresent(eventBus::setClusterPublicHost);
    HazelcastClusterManager hazelcast = new HazelcastClusterManager(
        HazelcastSetup.of(cluster, LifecycleConfig.from(config).startTimeout()));
    LeavingClusterManager leaving = new LeavingClusterManager(hazelcast);
    return Optional.of(Vertx.builder().with(options)
        .withClusterManager(leaving)
        .buildClustered()
        .recover(err -> Future.failedFuture(explain(cluster, err)))
        .onSuccess(vertx -> made.put(vertx, new Made(cluster, hazelcast, leaving)))
        .compose(vertx -> closeOnFailure(vertx, NodeLeave.install(vertx, leaving, config), "the leave's verticle"))
        .compose(vertx -> closeOnFailure(vertx, FleetNode.start(vertx, leaving, config), "the fleet consumers")));
  }

  /** {@code vertx} once {@code part} has started; when it cannot, closes Vert.x and fails naming {@code what}. */
  private static Future<Vertx> closeOnFailure(Vertx vertx, Future<?> part, String what) {
    return part.map(vertx).recover(e -> vertx.close().transform(closed ->
        Future.failedFuture(new IllegalStateException(what + " could not be registered: " + e, e))));
  }

  /** The cluster's name, this node's id, its members, and a warning for each configured member not among them. */
  @Override
  public Description describe(Vertx created) {
    Made it = made.get(created);
    return it == null ? Description.NONE
        : ClusterView.describe(it.cluster(), it.leaving().getNodeId(), it.hazelcast().getHazelcastInstance());
  }

  /**
   * The time the node's leave may take in {@code vertx.close()}: Hazelcast's graceful shutdown
   * ({@link HazelcastSetup#GRACEFUL_SHUTDOWN_MAX_WAIT_SECONDS}) and {@link #LEAVE_MARGIN} for the rest of
   * the leave; nothing for an instance this factory did not make.
   *
   * @param created an instance
   * @return 5 s for an instance this factory made, else zero
   */
  @Override
  public Duration closeAllowance(Vertx created) {
    return made.containsKey(created)
        ? Duration.ofSeconds(HazelcastSetup.GRACEFUL_SHUTDOWN_MAX_WAIT_SECONDS).plus(LEAVE_MARGIN) : Duration.ZERO;
  }

  /** The cluster manager of {@code created}, an instance {@link #create} made (tests). */
  LeavingClusterManager leavingClusterManager(Vertx created) {
    return Objects.requireNonNull(made.get(created), "not made by this factory").leaving();
  }

  /** Why {@code cluster.host:port} cannot be Hazelcast's, or empty when it can be bound now. */
  static Optional<String> cannotBind(ClusterConfig cluster) {
    try (ServerSocket probe = new ServerSocket()) {
      probe.setReuseAddress(true);
      probe.bind(new InetSocketAddress(cluster.host(), cluster.port()));
      return Optional.empty();
    } catch (IOException e) {
      return Optional.of(bindProblem(cluster, e));
    }
  }

  /** A failure to become a member, said with what was configured where a bind failed. */
  static Throwable explain(ClusterConfig cluster, Throwable err) {
    for (Throwable t = err; t != null; t = t.getCause()) {
      if (t instanceof BindException) {
        return new IllegalStateException(bindProblem(cluster, t), err);
      }
    }
    return err;
  }

  /** {@code cluster.port} taken, or {@code cluster.host} not an address of this machine, from the bind's failure. */
  private static String bindProblem(ClusterConfig cluster, Throwable cause) {
    String where = cluster.host() + ":" + cluster.port();
    String message = String.valueOf(cause.getMessage());
    return message.contains("in use")
        ? "cluster.port: Hazelcast cannot listen on " + where + " (" + message + "): another node or program holds"
            + " it; give each node on a host its own cluster.port"
        : "cluster.host: Hazelcast cannot listen on " + where + " (" + message + "): is " + cluster.host()
            + " an address of this machine?";
  }
}
