package dev.quiesce.cluster.impl;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import dev.quiesce.cluster.ClusterConfig;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import java.time.Duration;

/**
 * The Hazelcast configuration of a node: Vert.x's own maps (from vertx-hazelcast's default
 * configuration), then the {@code cluster} section's network, with everything that could send a
 * packet beyond the configured addresses turned off.
 */
public final class HazelcastSetup {

  /** Seconds between two heartbeats of a member (Hazelcast's default: 5). */
  public static final int HEARTBEAT_INTERVAL_SECONDS = 1;
  /** Seconds without a heartbeat after which a member is removed from the cluster (Hazelcast's default: 60). */
  public static final int MAX_NO_HEARTBEAT_SECONDS = 5;

  /**
   * The most a node's graceful leave waits for its partitions to reach the other members
   * ({@code hazelcast.graceful.shutdown.max.wait}; Hazelcast's default: 600 s). A leave that needs
   * longer ends as a plain shutdown, the others then take over from the backups.
   */
  public static final int GRACEFUL_SHUTDOWN_MAX_WAIT_SECONDS = 3;

  private HazelcastSetup() {
  }

  /** Hazelcast's own bound on a join, {@code hazelcast.max.join.seconds}' default. */
  static final int MAX_JOIN_SECONDS = 20;
  /** How long a master gathers join requests before it admits them ({@code hazelcast.wait.seconds.before.join}). */
  static final int WAIT_BEFORE_JOIN_SECONDS = 1;

  /**
   * The configuration of one member, its join bounded by {@link #MAX_JOIN_SECONDS} (Hazelcast's default).
   *
   * @param cluster the validated section
   * @return a new Hazelcast configuration
   */
  public static Config of(ClusterConfig cluster) {
    return of(cluster, Duration.ofSeconds(3L * MAX_JOIN_SECONDS));
  }

  /**
   * The configuration of one member whose start may take at most {@code startTimeout}: the join (the
   * search for the configured members, {@code hazelcast.max.join.seconds} and the waits before it,
   * and each TCP connection attempt) is bounded by a third of it, at most 20 s and at least 1 s, so a
   * node whose members cannot be reached starts a cluster of its own well before the launcher gives
   * up on the start.
   *
   * @param cluster the validated section
   * @param startTimeout {@code lifecycle.startTimeout}
   * @return a new Hazelcast configuration
   */
  public static Config of(ClusterConfig cluster, Duration startTimeout) {
    int joinSeconds = joinSeconds(startTimeout);
    Config config = ConfigUtil.loadConfig();
    config.setClusterName(cluster.name());
    // Hazelcast reports usage to its vendor by default: a node never phones home
    config.setProperty("hazelcast.phone.home.enabled", "false");
    // bind the configured address only, never every interface
    config.setProperty("hazelcast.socket.bind.any", "false");
    // the launcher owns the JVM's shutdown: the node leaves the cluster last, when Vert.x closes after the stop
    config.setProperty("hazelcast.shutdownhook.enabled", "false");
    // the leave (in vertx.close(), after the stop) is bounded: the launcher's close bound allows for it
    config.setProperty("hazelcast.graceful.shutdown.max.wait", String.valueOf(GRACEFUL_SHUTDOWN_MAX_WAIT_SECONDS));
    config.setProperty("hazelcast.logging.type", "slf4j");
    // a member that stops answering (SIGKILL, a frozen host) is removed after a few seconds, not Hazelcast's 60:
    // a fleet operation waiting on it fails then, and GET /fleet/status no longer lists it
    config.setProperty("hazelcast.heartbeat.interval.seconds", String.valueOf(HEARTBEAT_INTERVAL_SECONDS));
    config.setProperty("hazelcast.max.no.heartbeat.seconds", String.valueOf(MAX_NO_HEARTBEAT_SECONDS));
    // the join never outlasts a third of the start's budget: unreachable members mean a cluster of one
    config.setProperty("hazelcast.max.join.seconds", Integer.toString(joinSeconds));
    config.setProperty("hazelcast.max.wait.seconds.before.join", Integer.toString(joinSeconds));
    // the master gathers join requests for this long before it admits them (Hazelcast: 5 s): every join,
    // a node restarted in a rolling operation too, waits for it; 1 s is enough on a LAN
    config.setProperty("hazelcast.wait.seconds.before.join", Integer.toString(WAIT_BEFORE_JOIN_SECONDS));
    NetworkConfig network = config.getNetworkConfig();
    network.setPort(cluster.port()).setPortAutoIncrement(false);
    network.getInterfaces().setEnabled(true).clear().addInterface(cluster.host());
    cluster.publicHost().ifPresent(h -> network.setPublicAddress(h + ":" + cluster.port()));
    JoinConfig join = network.getJoin();
    join.getAutoDetectionConfig().setEnabled(false);
    join.getMulticastConfig().setEnabled(cluster.multicast());
    join.getTcpIpConfig().setEnabled(true).setConnectionTimeoutSeconds(Math.min(5, joinSeconds))
        .setMembers(cluster.members().isEmpty() ? java.util.List.of(cluster.host() + ":" + cluster.port())
            : cluster.members());
    return config;
  }

  /** A third of {@code startTimeout} in whole seconds, from 1 to {@link #MAX_JOIN_SECONDS}. */
  static int joinSeconds(Duration startTimeout) {
    return (int) Math.max(1, Math.min(MAX_JOIN_SECONDS, startTimeout.toSeconds() / 3));
  }
}
