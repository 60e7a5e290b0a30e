package dev.quiesce.launcher.impl;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The successor's side of an upgrade's handover: when this JVM was started by an {@code upgrade}
 * ({@value #ENV_FROM} and {@value #ENV_SOCKET} in its environment) and is running and ready, it
 * connects to the predecessor's Unix domain socket and sends {@code ready <pid> <session>\n}; the
 * predecessor answers {@code ok\n} and stops, or {@code refused: <why>\n}.
 *
 * <p>The successor's own children inherit its environment; a child that is a Quiesce application too
 * must not speak for it. So only the JVM whose session (the predecessor started it with
 * {@code setsid}) was started by the predecessor tells; the predecessor checks the session too.
 */
final class Handover {

  /** The predecessor's pid, in the successor's environment. */
  static final String ENV_FROM = "QUIESCE_UPGRADE_FROM";
  /** The handover socket's path, in the successor's environment. */
  static final String ENV_SOCKET = "QUIESCE_UPGRADE_SOCKET";
  static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(10);
  static final int MAX_LINE = 200;

  private static final Logger LOG = LoggerFactory.getLogger("quiesce.launcher");

  private Handover() {
  }

  /** Whether this JVM is the successor an upgrade started: its session leader's parent is the predecessor. */
  static boolean isSuccessor(Map<String, String> env) {
    String from = env.get(ENV_FROM);
    if (from == null || env.get(ENV_SOCKET) == null) {
      return false;
    }
    Optional<long[]> self = ProcStat.ppidAndSession(ProcessHandle.current().pid());
    Optional<long[]> leader = self.flatMap(s -> ProcStat.ppidAndSession(s[1]));
    return leader.isPresent() && String.valueOf(leader.get()[0]).equals(from.strip());
  }

  /**
   * Tells the predecessor this JVM is running and ready, when it is an upgrade's successor; bounded by
   * {@link #ANSWER_TIMEOUT}. Never throws: a failure is logged (the predecessor then ends this JVM
   * once its {@code upgrade.timeout} runs out).
   */
  static void tellPredecessorIfSuccessor(Map<String, String> env) {
    if (!isSuccessor(env)) {
      return;
    }
    Path socket = Path.of(env.get(ENV_SOCKET));
    long pid = ProcessHandle.current().pid();
    long session = ProcStat.ppidAndSession(pid).map(s -> s[1]).orElse(-1L);
    CompletableFuture<String> answer = CompletableFuture.supplyAsync(() -> exchange(socket,
        "ready " + pid + " " + session + "\n"));
    try {
      String reply = answer.get(ANSWER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      if (reply.equals("ok")) {
        LOG.info("upgrade: told the predecessor (pid {}) this process is ready; it stops now", env.get(ENV_FROM));
        detachSteeringOnceGone(env.get(ENV_FROM).strip());
      } else {
        LOG.warn("upgrade: the predecessor (pid {}) did not take over this process: {}", env.get(ENV_FROM), reply);
      }
    } catch (Exception e) {
      answer.cancel(true);
      LOG.warn("upgrade: could not tell the predecessor (pid {}) over {}: {}", env.get(ENV_FROM), socket,
          e.toString());
    }
  }

  /** Once the predecessor has exited, its steering of new connections to this process is taken off. */
  private static void detachSteeringOnceGone(String predecessor) {
    ProcessHandle.of(Long.parseLong(predecessor)).ifPresentOrElse(
        p -> p.onExit().orTimeout(1, TimeUnit.HOURS).whenComplete((gone, e) -> ListenerSteering.detach()),
        ListenerSteering::detach);
  }

  private static String exchange(Path socket, String line) {
    try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      channel.connect(UnixDomainSocketAddress.of(socket));
      channel.write(ByteBuffer.wrap(line.getBytes(StandardCharsets.US_ASCII)));
      return readLine(channel).orElse("no answer (the predecessor closed the connection)");
    } catch (IOException e) {
      throw new IllegalStateException(e.toString(), e);
    }
  }

  /** One line of at most {@link #MAX_LINE} bytes, without its newline; empty at end of stream. */
  static Optional<String> readLine(SocketChannel channel) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(MAX_LINE);
    while (buf.hasRemaining()) {
      if (channel.read(buf) < 0) {
        break;
      }
      for (int i = 0; i < buf.position(); i++) {
        if (buf.get(i) == '\n') {
          return Optional.of(new String(buf.array(), 0, i, StandardCharsets.US_ASCII));
        }
      }
    }
    return Optional.empty();
  }

  /** {@code /proc/<pid>/stat}, the fields the handover needs. */
  static final class ProcStat {
    private ProcStat() {
    }

    /** {@code [ppid, session]} of a running process, empty when it is gone or cannot be read. */
    static Optional<long[]> ppidAndSession(long pid) {
      try {
        String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Optional.of(new long[] {Long.parseLong(f[1]), Long.parseLong(f[3])});
      } catch (IOException | RuntimeException e) {
        return Optional.empty();
      }
    }
  }
}
