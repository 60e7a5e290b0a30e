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
 *
 * <p>Before that, from the upgrade's start until the successor is ready, {@link #steerToSelf()} keeps
 * every new connection on this process's own sockets: the successor binds its ports while it starts,
 * and without the program the kernel's hash would hand part of the new connections to a JVM that is
 * not serving yet, where they wait (seconds, under load) in its accept queue.
 */
final class ListenerSteering {

  private static final Logger LOG = LoggerFactory.getLogger("quiesce.upgrade");
  private static final int SO_ATTACH_REUSEPORT_CBPF = 51;
  private static final int SO_DETACH_REUSEPORT_BPF = 68;
  private static final short BPF_RET_K = 0x06;
  private static final short BPF_RET_A = 0x16;
  private static final short BPF_LD_W_ABS = 0x20;
  private static final short BPF_ALU_MOD_K = 0x94;
  /** Classic BPF's ancillary data: {@code SKF_AD_OFF + SKF_AD_RXHASH} loads the packet's flow hash. */
  private static final int SKF_AD_OFF = -0x1000;
  private static final int SKF_AD_RXHASH = 32;
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
      // return <the number of this process's sockets>: the index of the first socket bound after them
      if (attach(port.getValue().get(0), new short[] {BPF_RET_K}, new int[] {port.getValue().size()}, port.getKey())) {
        steered++;
      }
    }
    return steered;
  }

  /**
   * Keeps new connections on each of this process's listening ports on its own sockets (indices 0 to
   * n-1 of the port's group), whatever binds later; returns how many ports. With several sockets on a
   * port they share the connections by the packet's flow hash; where the kernel refuses that program,
   * all go to the first.
   */
  static int steerToSelf() {
    int steered = 0;
    for (Map.Entry<String, List<Integer>> port : listeningSockets().entrySet()) {
      int fd = port.getValue().get(0);
      int own = port.getValue().size();
      // A = skb->hash; A %= own; return A
      boolean spread = own > 1 && attach(fd, new short[] {BPF_LD_W_ABS, BPF_ALU_MOD_K, BPF_RET_A},
          new int[] {SKF_AD_OFF + SKF_AD_RXHASH, own, 0}, port.getKey());
      if (spread || attach(fd, new short[] {BPF_RET_K}, new int[] {0}, port.getKey())) {
        steered++;
      }
    }
    return steered;
  }

  /** Attaches the classic BPF program of {@code codes} and their {@code k} to the group of {@code fd}. */
  private static boolean attach(int fd, short[] codes, int[] ks, String port) {
    int n = codes.length;
    try (Memory filter = new Memory(8L * n); Memory program = new Memory(16)) {
      for (int i = 0; i < n; i++) {
        filter.setShort(8L * i, codes[i]);
        filter.setByte(8L * i + 2, (byte) 0);
        filter.setByte(8L * i + 3, (byte) 0);
        filter.setInt(8L * i + 4, ks[i]);
      }
      program.clear();
      program.setShort(0, (short) n);
      program.setPointer(8, filter);
      UnixDatagrams.C.setsockopt(fd, UnixDatagrams.SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, program, 16);
      return true;
    } catch (LastErrorException | UnsatisfiedLinkError e) {
      LOG.debug("upgrade: could not attach a steering program to {}: {}", port, e.toString());
      return false;
    }
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
