package dev.quiesce.cluster.impl;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import dev.quiesce.cluster.ClusterConfig;
import dev.quiesce.launcher.VertxFactory;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * What a node sees of its cluster once it has started, for the start line: the cluster's name, this
 * node's id, the members, and why each configured member that is not among them is missing.
 */
final class ClusterView {

  /** How long the check of one missing member may take (a TCP connect to it). */
  static final Duration PROBE = Duration.ofMillis(500);

  /** Why a configured member is not in the cluster. */
  enum Absence {
    /** The connection was refused. */
    NOT_LISTENING("nothing listens there"),
    /**
     * Something accepts connections there, but it did not join: a member still starting (it joins
     * this cluster later), a member of another cluster name (Hazelcast refuses the join and logs that
     * "the target cluster has a different cluster-name"), or no Hazelcast member at all. Hazelcast
     * forgets which it was once its join ends, so the start line names the possible causes.
     */
    NOT_A_MEMBER("answers, but did not join: a member still starting (it joins later), one of another"
        + " cluster.name (then Hazelcast logs \"the target cluster has a different cluster-name\"), or no Hazelcast"
        + " member"),
    /** No answer within {@link #PROBE}. */
    NO_ANSWER("no answer within " + PROBE.toMillis() + " ms"),
    /** Its host name does not resolve, or not within {@link #PROBE}. */
    UNKNOWN_HOST("its host name does not resolve within " + PROBE.toMillis() + " ms");

    private final String text;

    Absence(String text) {
      this.text = text;
    }
  }

  /**
   * A configured member that is not in the cluster.
   *
   * @param member as configured, {@code host:port}
   * @param why why it is not
   */
  record Absent(String member, Absence why) {
  }

  private ClusterView() {
  }

  /**
   * The start line's part for a running node: {@code cluster "name" node <id> members N [..]}, with a
   * warning naming each configured member it could not join and why.
   *
   * @param cluster the node's section
   * @param nodeId the Vert.x cluster node id ({@code ClusterManager.getNodeId()}: the id the fleet and the
   *     leave use; vertx-hazelcast keeps it as a member attribute, it is not Hazelcast's member UUID)
   * @param hazelcast its running Hazelcast instance
   * @return the description; never blocks longer than twice {@link #PROBE} per configured member (its
   *     name's lookup, then a connection to it when it is missing)
   */
  static VertxFactory.Description describe(ClusterConfig cluster, String nodeId, HazelcastInstance hazelcast) {
    Set<Member> members = hazelcast.getCluster().getMembers();
    String summary = "cluster \"" + cluster.name() + "\" node " + nodeId
        + " members " + members.size() + " " + members.stream()
            .map(m -> m.getAddress().getHost() + ":" + m.getAddress().getPort() + (m.localMember() ? " (this)" : ""))
            .collect(Collectors.joining(", ", "[", "]"));
    List<Absent> absent = absent(cluster, members);
    List<String> warnings = absent.isEmpty() ? List.of() : List.of("could not join cluster.members " + grouped(absent)
        + ": this node runs a cluster of " + members.size() + " without them; a member that starts later joins it"
        + " when its cluster.members name one of this cluster's nodes");
    return new VertxFactory.Description(summary, warnings);
  }

  /** {@code a:1, b:2 (why); c:3 (why)}: the members grouped by reason, in the order configured. */
  static String grouped(List<Absent> absent) {
    Map<Absence, List<String>> byReason = new LinkedHashMap<>();
    absent.forEach(a -> byReason.computeIfAbsent(a.why(), k -> new ArrayList<>()).add(a.member()));
    return byReason.entrySet().stream().map(e -> String.join(", ", e.getValue()) + " (" + e.getKey().text + ")")
        .collect(Collectors.joining("; "));
  }

  /** The configured members that are not in {@code members}, each with the reason. */
  static List<Absent> absent(ClusterConfig cluster, Set<Member> members) {
    List<Absent> out = new ArrayList<>();
    for (String member : cluster.members()) {
      int colon = member.lastIndexOf(':');
      String host = member.substring(0, colon);
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
      }
      int port = Integer.parseInt(member.substring(colon + 1));
      InetSocketAddress address = resolve(host, port);
      if (address.isUnresolved()) {
        out.add(new Absent(member, Absence.UNKNOWN_HOST));
      } else if (members.stream().noneMatch(m -> address.equals(m.getSocketAddress()))) {
        out.add(new Absent(member, probe(address)));
      }
    }
    return out;
  }

  /**
   * {@code host:port} resolved, or unresolved when the name service does not answer within
   * {@link #PROBE} (the lookup goes on in a daemon thread of its own, then ends).
   */
  private static InetSocketAddress resolve(String host, int port) {
    CompletableFuture<InetSocketAddress> lookup = new CompletableFuture<>();
    Thread thread = new Thread(() -> lookup.complete(new InetSocketAddress(host, port)), "quiesce-member-lookup");
    thread.setDaemon(true);
    thread.start();
    try {
      return lookup.get(PROBE.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return InetSocketAddress.createUnresolved(host, port);
    } catch (ExecutionException | TimeoutException e) {
      return InetSocketAddress.createUnresolved(host, port);
    }
  }

  /** Why nothing joined from {@code address}: a TCP connect of at most {@link #PROBE} tells. */
  private static Absence probe(InetSocketAddress address) {
    try (Socket socket = new Socket()) {
      socket.connect(address, (int) PROBE.toMillis());
      return Absence.NOT_A_MEMBER;
    } catch (ConnectException e) {
      return Absence.NOT_LISTENING;
    } catch (SocketTimeoutException e) {
      return Absence.NO_ANSWER;
    } catch (IOException e) {
      return Absence.NOT_LISTENING;
    }
  }
}
