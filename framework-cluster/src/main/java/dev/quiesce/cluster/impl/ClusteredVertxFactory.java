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
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.WeakHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates a clustered Vert.x when {@code cluster.enabled}: Hazelcast embedded, configured by
 * {@link HazelcastSetup} (its join bounded by a third of {@code lifecycle.startTimeout}), and the
 * event bus listening on {@code cluster.host} (a free port); then the node's fleet part
 * ({@link FleetNode}), so its first state change already reaches the fleet. A member port already in
 * use fails the creation at once with {@code host:port} named, except in an upgrade's successor, which
 * takes the next free port ({@link SuccessorPort}) and also joins its predecessor; the start line then
 * names the cluster, this node's id, its members, and warns of each configured member it could not join
 * ({@link ClusterView}).
 */
public final class ClusteredVertxFactory implements VertxFactory {

  private static final Logger LOG = LoggerFactory.getLogger("quiesce.cluster");

  /** The section and the managers of each instance {@link #create} made, for {@link #describe}; weakly held. */
  private final Map<Vertx, Made> made = Collections.synchronizedMap(new WeakHashMap<>());

  /**
   * The leave's time beyond Hazelcast's graceful shutdown: the node's entries removed, connections
   * closed, and the step after the leave (the report file's {@code cluster} part), which is bounded by
   * {@link LeavingClusterManager#AFTER_LEAVE_BOUND} (1 s, less than this margin).
   */
  static final Duration LEAVE_MARGIN = Duration.ofSeconds(2);

  private record Made(ClusterConfig cluster, HazelcastClusterManager hazelcast, LeavingClusterManager leaving) {
  }

  @Override
  public Optional<Future<Vertx>> create(VertxOptions options, JsonObject config) {
    return create(options, config, VertxFactory.upgradePredecessor());
  }

  /**
   * {@link #create(VertxOptions, JsonObject)} for a JVM that is an upgrade's successor of
   * {@code predecessor} (when present): its member port is chosen by {@link SuccessorPort} instead of
   * failing when the predecessor holds {@code cluster.port}, and it also joins the predecessor's member.
   */
  Optional<Future<Vertx>> create(VertxOptions options, JsonObject config, OptionalLong predecessor) {
    ClusterConfig configured = ClusterConfig.from(config);
    if (!configured.enabled()) {
      return Optional.empty();
    }
    Optional<String> taken = predecessor.isPresent() ? Optional.empty() : cannotBind(configured);
    if (taken.isPresent()) {
      return Optional.of(Future.failedFuture(new IllegalStateException(taken.get())));
    }
    ClusterConfig cluster;
    try {
      cluster = predecessor.isPresent() ? successorMember(configured, predecessor.getAsLong()) : configured;
    } catch (IllegalStateException e) {
      return Optional.of(Future.failedFuture(e));
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
        .onSuccess(vertx -> made.put(vertx, new Made(configured, hazelcast, leaving)))
        .compose(vertx -> closeOnFailure(vertx, NodeLeave.install(vertx, leaving, config), "the leave's verticle"))
        .compose(vertx -> closeOnFailure(vertx, FleetNode.start(vertx, leaving, config), "the fleet consumers")));
  }

  /**
   * The section as an upgrade's successor runs it: the member port {@link SuccessorPort} chose, and the
   * predecessor's member among the members to join.
   */
  private static ClusterConfig successorMember(ClusterConfig configured, long predecessor) {
    SuccessorPort.Choice choice = SuccessorPort.choose(configured, predecessor);
    List<String> members = new ArrayList<>(configured.members());
    choice.predecessorMembers().stream().filter(m -> !members.contains(m)).forEach(members::add);
    LOG.info("cluster: this JVM is the upgrade's successor of pid {}: Hazelcast member port {}:{}{}, joining {}",
        predecessor, configured.host(), choice.port(), choice.port() == configured.port() ? ""
            : " (cluster.port " + configured.port() + " is held)", members.isEmpty() ? "nobody (a cluster of its own)"
            : members);
    return new ClusterConfig(true, configured.name(), configured.host(), choice.port(), members,
        configured.publicHost(), configured.multicast());
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
    return bindFailure(cluster.host(), cluster.port()).map(e -> bindProblem(cluster.host(), cluster.port(), e));
  }

  /** Why {@code host:port} cannot be bound now (with {@code SO_REUSEADDR}, as Hazelcast binds), or empty. */
  static Optional<IOException> bindFailure(String host, int port) {
    try (ServerSocket probe = new ServerSocket()) {
      probe.setReuseAddress(true);
      probe.bind(new InetSocketAddress(host, port));
      return Optional.empty();
    } catch (IOException e) {
      return Optional.of(e);
    }
  }

  /** A failure to become a member, said with what was configured where a bind failed. */
  static Throwable explain(ClusterConfig cluster, Throwable err) {
    for (Throwable t = err; t != null; t = t.getCause()) {
      if (t instanceof BindException) {
        return new IllegalStateException(bindProblem(cluster.host(), cluster.port(), t), err);
      }
    }
    return err;
  }

  /** {@code cluster.port} taken, or {@code cluster.host} not an address of this machine, from the bind's failure. */
  static String bindProblem(String host, int port, Throwable cause) {
    String where = host + ":" + port;
    String message = String.valueOf(cause.getMessage());
    return message.contains("in use")
        ? "cluster.port: Hazelcast cannot listen on " + where + " (" + message + "): another node or program holds"
            + " it; give each node on a host its own cluster.port"
        : "cluster.host: Hazelcast cannot listen on " + where + " (" + message + "): is " + host
            + " an address of this machine?";
  }
}
