package dev.quiesce.launcher.impl;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import dev.quiesce.systemd.impl.UnixDatagrams;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Steers the new connections of this process's shared ports ({@code SO_REUSEPORT}) to the sockets a
 * successor added, so that when this process closes its listeners their accept queues are empty: with
 * {@code net.ipv4.tcp_migrate_req=0} (the default) Linux resets the connections still queued on a
 * listener that closes. A classic BPF program ({@code SO_ATTACH_REUSEPORT_CBPF}, no privilege needed)
 * returns, for each new connection, the index of the first socket after this process's own in the
 * port's group (the kernel appends sockets in the order they bind); once this process's sockets are
 * closed the index is past the group's end and the kernel falls back to its hash. The successor
 * detaches the program ({@code SO_DETACH_REUSEPORT_BPF}) once its predecessor has exited.
 */
final class ListenerSteering {

  private static final Logger LOG = LoggerFactory.getLogger("quiesce.upgrade");
  private static final int SO_ATTACH_REUSEPORT_CBPF = 51;
  private static final int SO_DETACH_REUSEPORT_BPF = 68;
  private static final short BPF_RET_K = 0x06;
  private static final String LISTEN = "0A";

  private ListenerSteering() {
  }

  /** This process's listening TCP sockets: each local address (as /proc/net/tcp writes it) with its fds. */
  static Map<String, List<Integer>> listeningSockets() {
    Map<String, Integer> fdByInode = new LinkedHashMap<>();
    try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
      for (Path fd : fds) {
        try {
          String target = Files.readSymbolicLink(fd).toString();
          if (target.startsWith("socket:[")) {
            fdByInode.put(target.substring(8, target.length() - 1), Integer.parseInt(fd.getFileName().toString()));
          }
        } catch (IOException | RuntimeException e) {
          // a descriptor closed meanwhile
        }
      }
    } catch (IOException e) {
      return Map.of();
    }
    Map<String, List<Integer>> out = new LinkedHashMap<>();
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      try {
        List<String> lines = Files.readAllLines(Path.of(table));
        for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
          String[] f = line.trim().split("\\s+");
          if (f.length > 9 && LISTEN.equals(f[3]) && fdByInode.containsKey(f[9])) {
            out.computeIfAbsent(f[1], k -> new ArrayList<>()).add(fdByInode.get(f[9]));
          }
        }
      } catch (IOException | RuntimeException e) {
        // no IPv6 table, say
      }
    }
    return out;
  }

  /** Steers new connections on each of this process's listening ports to the sockets bound after its own; returns how many ports. */
  static int steerToSuccessor() {
    int steered = 0;
    for (Map.Entry<String, List<Integer>> port : listeningSockets().entrySet()) {
      try (Memory filter = new Memory(8); Memory program = new Memory(16)) {
        filter.setShort(0, BPF_RET_K);
        filter.setByte(2, (byte) 0);
        filter.setByte(3, (byte) 0);
        filter.setInt(4, port.getValue().size());
        program.clear();
        program.setShort(0, (short) 1);
        program.setPointer(8, filter);
        UnixDatagrams.C.setsockopt(port.getValue().get(0), UnixDatagrams.SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF,
            program, 16);
        steered++;
      } catch (LastErrorException | UnsatisfiedLinkError e) {
        LOG.debug("upgrade: could not steer {} to the successor: {}", port.getKey(), e.toString());
      }
    }
    return steered;
  }

  /** Takes the steering program off the groups of this process's listening ports (a successor, after its predecessor exited). */
  static void detach() {
    for (List<Integer> fds : listeningSockets().values()) {
      try (Memory unused = new Memory(4)) {
        unused.setInt(0, 0);
        UnixDatagrams.C.setsockopt(fds.get(0), UnixDatagrams.SOL_SOCKET, SO_DETACH_REUSEPORT_BPF, unused, 4);
      } catch (LastErrorException | UnsatisfiedLinkError e) {
        // ENOENT: nothing attached
      }
    }
  }
}
