package dev.quiesce.cluster;

import dev.quiesce.config.ConfigProblem;
import dev.quiesce.config.ConfigReader;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The validated {@code cluster} section: whether this node joins a clustered Vert.x (Hazelcast
 * embedded), under which cluster name, where it listens and whom it joins.
 *
 * @param enabled whether the launcher creates a clustered Vert.x; default false (a single node)
 * @param name the cluster's name: nodes with another name never join this cluster; default
 *     {@code quiesce}
 * @param host the address Hazelcast binds and the event bus listens on; default {@code 127.0.0.1}
 *     (never every address: a wider bind is asked for by naming the address)
 * @param port Hazelcast's member port on {@code host}; default 5701; never auto-incremented, except by an
 *     upgrade's successor, which starts beside its predecessor and takes the next free port up to
 *     {@code port + 10}
 * @param members the other members to join by TCP-IP, each {@code host:port}; default empty (this
 *     node starts a cluster of its own and others join it)
 * @param publicHost the address other members reach this node at, when it differs from {@code host}
 *     (behind NAT); absent by default
 * @param multicast whether members are also found by multicast; default false, and then no packet
 *     leaves for a multicast group
 */
public record ClusterConfig(boolean enabled, String name, String host, int port, List<String> members,
    Optional<String> publicHost, boolean multicast) {

  /** The section's key. */
  public static final String SECTION = "cluster";
  /** The default {@code name}. */
  public static final String DEFAULT_NAME = "quiesce";
  /** The default {@code host}: loopback only. */
  public static final String DEFAULT_HOST = "127.0.0.1";
  /** The default {@code port}, Hazelcast's own. */
  public static final int DEFAULT_PORT = 5701;

  static final List<String> KEYS = ConfigReader.keys("enabled", "name", "host", "port", "members", "publicHost",
      "multicast");

  /**
   * Checks the components.
   *
   * @param enabled whether the launcher creates a clustered Vert.x
   * @param name the cluster's name
   * @param host the address to bind
   * @param port Hazelcast's member port
   * @param members the members to join, each {@code host:port}
   * @param publicHost the address other members reach this node at
   * @param multicast whether members are also found by multicast
   * @throws NullPointerException if {@code name}, {@code host}, {@code members} or {@code publicHost} is null
   */
  public ClusterConfig {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(host, "host");
    members = List.copyOf(members);
    Objects.requireNonNull(publicHost, "publicHost");
  }

  /**
   * The built-in defaults: a single node, not clustered.
   *
   * @return {@code {"cluster": {...}}}
   */
  public static JsonObject defaultsJson() {
    return new JsonObject().put(SECTION, new JsonObject().put("enabled", false).put("name", DEFAULT_NAME)
        .put("host", DEFAULT_HOST).put("port", DEFAULT_PORT).put("members", new JsonArray())
        .put("multicast", false));
  }

  /**
   * Reads and validates the {@code cluster} section of a whole configuration.
   *
   * @param root the whole configuration
   * @return the section, valid
   * @throws dev.quiesce.config.ConfigException naming the JSON path and rule of every problem
   */
  public static ClusterConfig from(JsonObject root) {
    return ConfigReader.readAll(root, ClusterConfig::read);
  }

  /**
   * Reads the {@code cluster} section of {@code root}, recording problems in it (never throws for bad input).
   *
   * @param root a reader of the whole configuration, which collects the problems
   * @return the section as far as it could be read (defaults where a value is invalid)
   */
  public static ClusterConfig read(ConfigReader root) {
    ConfigReader r = root.object(SECTION);
    r.allowOnly(KEYS);
    boolean enabled = r.bool("enabled", false);
    String name = r.string("name", DEFAULT_NAME);
    if (name.isBlank()) {
      r.problem("name", "must not be empty");
      name = DEFAULT_NAME;
    }
    String host = r.host("host", DEFAULT_HOST);
    if (isWildcard(host)) {
      r.problem("host", "\"" + host + "\" would bind every address: name the one address to bind");
      host = DEFAULT_HOST;
    }
    int port = r.integer("port", DEFAULT_PORT, 1, 65535);
    List<String> members = new ArrayList<>();
    List<String> given = r.strings("members", List.of());
    for (int i = 0; i < given.size(); i++) {
      String member = given.get(i);
      if (isMember(member)) {
        members.add(member);
      } else {
        r.addProblems(List.of(new ConfigProblem(r.pathOf("members") + "[" + i + "]", ConfigReader.describe(member)
            + " is not host:port (a host name or IP address, and a port from 1 to 65535)")));
      }
    }
    Optional<String> publicHost = Optional.ofNullable(r.host("publicHost", null));
    boolean multicast = r.bool("multicast", false);
    return new ClusterConfig(enabled, name, host, port, members, publicHost, multicast);
  }

  /**
   * Whether {@code host} is an IP literal of the wildcard address in any spelling ({@code 0.0.0.0},
   * {@code ::}, {@code ::0}, {@code 0:0:0:0:0:0:0:0}, bracketed or not); a host name is never looked up.
   */
  static boolean isWildcard(String host) {
    String literal = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    // only a literal: an IPv6 one has a colon, an IPv4 one only digits and dots (no name service is asked)
    if (literal.isEmpty() || !(literal.contains(":") || literal.matches("[0-9.]+"))) {
      return false;
    }
    try {
      return InetAddress.getByName(literal).isAnyLocalAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  /** Whether {@code member} is {@code host:port}, the host checked by syntax only (never looked up). */
  private static boolean isMember(String member) {
    int colon = member.lastIndexOf(':');
    if (colon <= 0 || !member.substring(colon + 1).matches("[0-9]{1,5}")) {
      return false;
    }
    int port = Integer.parseInt(member.substring(colon + 1));
    ConfigReader host = ConfigReader.at("", new JsonObject().put("host", member.substring(0, colon)));
    host.host("host", null);
    return port >= 1 && port <= 65535 && host.problems().isEmpty();
  }
}
