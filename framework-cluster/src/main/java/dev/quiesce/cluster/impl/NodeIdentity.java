package dev.quiesce.cluster.impl;

import dev.quiesce.cluster.ClusterConfig;
import dev.quiesce.config.ConfigReader;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.OptionalInt;
import java.util.jar.Attributes;
import java.util.jar.JarFile;

/**
 * Who a node is in the fleet: its cluster node id, the application's version and a stable address.
 *
 * @param nodeId the cluster node id (new at each start of the JVM)
 * @param version the application's version: the {@code Implementation-Version} of the jar the JVM runs
 *     ({@code java -jar}), else of the main class's package, else {@code unknown}
 * @param address {@code host:port}, unique per machine and the same across a restart and an upgrade (how a
 *     returning node is recognised): host = {@code cluster.publicHost}, else {@code cluster.host} (never a
 *     wildcard); port = {@code management.port} when that listener is enabled and its port is set (not 0), else
 *     {@code http.port} when set (not 0), else the Hazelcast member's {@code cluster.port} (bound, so unique, but
 *     an upgrade's successor may bind another one: set a listener port for upgrades)
 */
record NodeIdentity(String nodeId, String version, String address) {

  static final String UNKNOWN_VERSION = "unknown";

  static NodeIdentity of(String nodeId, JsonObject config) {
    return new NodeIdentity(nodeId, applicationVersion(), addressOf(config));
  }

  /** The {@code address} of a node with {@code config}: see {@link NodeIdentity}. */
  static String addressOf(JsonObject config) {
    ClusterConfig cluster = ClusterConfig.from(config);
    String host = cluster.publicHost().orElse(cluster.host());
    int port = listenerPort(ConfigReader.root(config)).orElse(cluster.port());
    return (host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
  }

  /**
   * The port of the listener that stays the node's across restarts and upgrades (they share it): the management
   * listener's when enabled ({@code management.enabled}, true unless false) with a port set, else the HTTP
   * listener's when set; empty when neither names one (a port 0, chosen at bind time, names none). Only keys
   * set in the configuration are read: framework-web's defaults are not repeated here.
   */
  static OptionalInt listenerPort(ConfigReader root) {
    ConfigReader management = root.object("management");
    if (management.has("port") && management.bool("enabled", true)) {
      int port = management.integer("port", 0, 0, 65535);
      if (port > 0) {
        return OptionalInt.of(port);
      }
    }
    ConfigReader http = root.object("http");
    int port = http.has("port") ? http.integer("port", 0, 0, 65535) : 0;
    return port > 0 ? OptionalInt.of(port) : OptionalInt.empty();
  }

  /** The version of what {@code sun.java.command} names: a jar's manifest, or a main class's package. */
  static String applicationVersion() {
    String command = System.getProperty("sun.java.command", "").trim();
    String first = command.isEmpty() ? "" : command.split("\\s+")[0];
    String version = null;
    if (first.endsWith(".jar")) {
      try (JarFile jar = new JarFile(first)) {
        version = jar.getManifest() == null ? null
            : jar.getManifest().getMainAttributes().getValue(Attributes.Name.IMPLEMENTATION_VERSION);
      } catch (IOException | SecurityException e) {
        version = null;
      }
    } else if (!first.isEmpty()) {
      try {
        Package p = Class.forName(first, false, NodeIdentity.class.getClassLoader()).getPackage();
        version = p == null ? null : p.getImplementationVersion();
      } catch (ClassNotFoundException | LinkageError e) {
        version = null;
      }
    }
    return version == null || version.isBlank() ? UNKNOWN_VERSION : version;
  }
}
