package dev.quiesce.cluster.impl;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import dev.quiesce.cluster.ClusterConfig;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;

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

  private HazelcastSetup() {
  }

  /**
   * The configuration of one member.
   *
   * @param cluster the validated section
   * @return a new Hazelcast configuration
   */
  public static Config of(ClusterConfig cluster) {
    Config config = ConfigUtil.loadConfig();
    config.setClusterName(cluster.name());
    // Hazelcast reports usage to its vendor by default: a node never phones home
    config.setProperty("hazelcast.phone.home.enabled", "false");
    // bind the configured address only, never every interface
    config.setProperty("hazelcast.socket.bind.any", "false");
    // the launcher owns the JVM's shutdown: the node leaves the cluster last, in the close phase
    config.setProperty("hazelcast.shutdownhook.enabled", "false");
    config.setProperty("hazelcast.logging.type", "slf4j");
    // a member that stops answering (SIGKILL, a frozen host) is removed after a few seconds, not Hazelcast's 60:
    // a fleet operation waiting on it fails then, and GET /fleet/status no longer lists it
    config.setProperty("hazelcast.heartbeat.interval.seconds", String.valueOf(HEARTBEAT_INTERVAL_SECONDS));
    config.setProperty("hazelcast.max.no.heartbeat.seconds", String.valueOf(MAX_NO_HEARTBEAT_SECONDS));
    NetworkConfig network = config.getNetworkConfig();
    network.setPort(cluster.port()).setPortAutoIncrement(false);
    network.getInterfaces().setEnabled(true).clear().addInterface(cluster.host());
    cluster.publicHost().ifPresent(h -> network.setPublicAddress(h + ":" + cluster.port()));
    JoinConfig join = network.getJoin();
    join.getAutoDetectionConfig().setEnabled(false);
    join.getMulticastConfig().setEnabled(cluster.multicast());
    join.getTcpIpConfig().setEnabled(true).setMembers(cluster.members().isEmpty()
        ? java.util.List.of(cluster.host() + ":" + cluster.port()) : cluster.members());
    return config;
  }
}
