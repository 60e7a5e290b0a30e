package dev.quiesce.cluster.impl;

import dev.quiesce.cluster.ClusterConfig;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.jar.Attributes;
import java.util.jar.JarFile;

/**
 * Who a node is in the fleet: its cluster node id, the application's version and a stable address.
 *
 * @param nodeId the cluster node id (new at each start of the JVM)
 * @param version the application's version: the {@code Implementation-Version} of the jar the JVM runs
 *     ({@code java -jar}), else of the main class's package, else {@code unknown}
 * @param address {@code management.host:management.port} when the management listener is enabled, else
 *     {@code http.host:http.port}, else the Hazelcast member's {@code cluster.host:cluster.port}
 */
record NodeIdentity(String nodeId, String version, String address) {

  static final String UNKNOWN_VERSION = "unknown";

  static NodeIdentity of(String nodeId, JsonObject config) {
    return new NodeIdentity(nodeId, applicationVersion(), addressOf(config));
  }

  static String addressOf(JsonObject config) {
    JsonObject management = config.getJsonObject("management");
    if (management != null && management.getBoolean("enabled", true) && management.getValue("port") != null) {
      return management.getString("host", "127.0.0.1") + ":" + management.getValue("port");
    }
    JsonObject http = config.getJsonObject("http");
    if (http != null && http.getValue("port") != null) {
      return http.getString("host", "0.0.0.0") + ":" + http.getValue("port");
    }
    ClusterConfig cluster = ClusterConfig.from(config);
    return cluster.host() + ":" + cluster.port();
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
