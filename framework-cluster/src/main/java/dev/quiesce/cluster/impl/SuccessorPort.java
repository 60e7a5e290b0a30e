package dev.quiesce.cluster.impl;

import dev.quiesce.cluster.ClusterConfig;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The Hazelcast member port of an upgrade's successor, a JVM that starts beside its predecessor on the
 * same host while the predecessor still holds its member port: the first port of {@code cluster.port}
 * to {@code cluster.port + }{@value #RANGE} on {@code cluster.host} that can be bound now
 * ({@code cluster.port} itself once the predecessor is on another one), chosen before Hazelcast starts;
 * and the predecessor's own member address, found among the ports of that range on which the
 * predecessor's process listens ({@code /proc/<pid>/fd} and {@code /proc/<pid>/net/tcp*}), which the
 * successor joins besides {@code cluster.members}, so it finds the cluster also when every configured
 * member has moved to another port of its range.
 */
final class SuccessorPort {

  /** How many ports after {@code cluster.port} a successor may take. */
  static final int RANGE = 10;

  /**
   * Where the successor's member listens and whom it joins besides its configured members.
   *
   * @param port the member port chosen (free when it was chosen)
   * @param predecessorMembers {@code host:port} of each port of the range the predecessor listens on (its
   *     member port; empty when {@code /proc} could not tell)
   */
  record Choice(int port, List<String> predecessorMembers) {
  }

  private SuccessorPort() {
  }

  /**
   * Chooses the member port of a successor of {@code predecessorPid}.
   *
   * @param cluster the validated section
   * @param predecessorPid the predecessor's pid
   * @return the choice
   * @throws IllegalStateException when no port of the range can be bound, or {@code cluster.host} cannot be
   *     bound at all; its message names {@code host} and the ports tried
   */
  static Choice choose(ClusterConfig cluster, long predecessorPid) {
    int last = Math.min(65535, cluster.port() + RANGE);
    Optional<IOException> problem = Optional.empty();
    int chosen = -1;
    for (int port = cluster.port(); port <= last && chosen < 0; port++) {
      problem = ClusteredVertxFactory.bindFailure(cluster.host(), port);
      if (problem.isEmpty()) {
        chosen = port;
      } else if (!String.valueOf(problem.get().getMessage()).contains("in use")) {
        throw new IllegalStateException(ClusteredVertxFactory.bindProblem(cluster.host(), port, problem.get()));
      }
    }
    if (chosen < 0) {
      throw new IllegalStateException("cluster.port: an upgrade's successor (of pid " + predecessorPid + ") found none"
          + " of " + cluster.host() + ":" + cluster.port() + " to " + last + " free (" + problem.map(
              IOException::getMessage).orElse("") + "): free one of them, or give the node another cluster.port");
    }
    List<String> predecessor = new ArrayList<>();
    for (int port : listeningPorts(predecessorPid)) {
      if (port >= cluster.port() && port <= last && port != chosen) {
        predecessor.add(cluster.host() + ":" + port);
      }
    }
    return new Choice(chosen, List.copyOf(predecessor));
  }

  /**
   * The TCP ports process {@code pid} listens on (IPv4 and IPv6), from {@code /proc}: its socket inodes
   * matched with the listening sockets of its network namespace; empty when {@code /proc} cannot be read
   * (another user's process, not Linux).
   */
  static Set<Integer> listeningPorts(long pid) {
    Path proc = Path.of("/proc", String.valueOf(pid));
    Set<String> inodes = new HashSet<>();
    try (DirectoryStream<Path> fds = Files.newDirectoryStream(proc.resolve("fd"))) {
      for (Path fd : fds) {
        try {
          String target = Files.readSymbolicLink(fd).toString();
          if (target.startsWith("socket:[")) {
            inodes.add(target.substring("socket:[".length(), target.length() - 1));
          }
        } catch (IOException e) {
          // the descriptor was closed meanwhile
        }
      }
    } catch (IOException | SecurityException e) {
      return Set.of();
    }
    Set<Integer> ports = new TreeSet<>();
    for (String table : List.of("tcp", "tcp6")) {
      try {
        for (String line : Files.readAllLines(proc.resolve("net").resolve(table))) {
          // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
          String[] f = line.trim().split("\\s+");
          if (f.length > 9 && "0A".equals(f[3]) && inodes.contains(f[9])) {
            ports.add(Integer.parseInt(f[1].substring(f[1].lastIndexOf(':') + 1), 16));
          }
        }
      } catch (IOException | RuntimeException e) {
        // no such table (IPv6 off) or a line of another form: the other table may still tell
      }
    }
    return ports;
  }
}
