package dev.quiesce.launcher.impl;

import dev.quiesce.lifecycle.UpgradeHandover;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
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
public final class Handover {

  /** The predecessor's pid, in the successor's environment. */
  static final String ENV_FROM = "QUIESCE_UPGRADE_FROM";
  /** The handover socket's path, in the successor's environment. */
  static final String ENV_SOCKET = "QUIESCE_UPGRADE_SOCKET";
  /** When the predecessor gives up on the successor (epoch ms), in the successor's environment. */
  static final String ENV_DEADLINE = "QUIESCE_UPGRADE_DEADLINE";
  static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(10);
  static final int MAX_LINE = 200;
  /** The predecessor's line for a name it released: {@code released <name>}. */
  static final String RELEASED = "released ";

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
   * The predecessor's pid when this JVM is an upgrade's successor ({@link #isSuccessor}), else empty.
   *
   * @param env this JVM's environment
   * @return the predecessor's pid, or empty outside an upgrade
   */
  public static OptionalLong predecessorOf(Map<String, String> env) {
    return isSuccessor(env) ? OptionalLong.of(Long.parseLong(env.get(ENV_FROM).strip())) : OptionalLong.empty();
  }

  /**
   * When this JVM is an upgrade's successor: on a daemon thread, waits until every hold of
   * {@code handover} has succeeded (its children ready, say), at most {@code bound} and never past
   * the predecessor's deadline ({@value #ENV_DEADLINE}), then tells the
   * predecessor ({@link #tellPredecessorIfSuccessor}) if {@code stillRunning} (a stop that began
   * meanwhile is this process's answer: it says nothing). A hold that fails or outlasts the bound is
   * logged and nothing is said: the predecessor ends this process at its own {@code upgrade.timeout}.
   */
  static void tellPredecessorWhenReady(Map<String, String> env, UpgradeHandover handover, Duration bound,
      BooleanSupplier stillRunning) {
    if (predecessorOf(env).isEmpty()) {
      return;
    }
    Duration wait = deadlineOf(env).map(d -> Duration.ofMillis(Math.max(0, d - System.currentTimeMillis())))
        .filter(left -> left.compareTo(bound) < 0).orElse(bound);
    Thread t = new Thread(() -> {
      List<String> heldBy = handover.handoverHeldBy();
      if (!heldBy.isEmpty()) {
        LOG.info("upgrade: running; waiting for {} before telling the predecessor (at most {} ms)", heldBy,
            wait.toMillis());
      }
      try {
        handover.whenHoldsReleased().toCompletionStage().toCompletableFuture().get(wait.toMillis(),
            TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (ExecutionException | TimeoutException e) {
        LOG.warn("upgrade: not telling the predecessor this process is ready: {} {} within {} ms (upgrade.timeout);"
            + " it ends this process", handover.handoverHeldBy(), e instanceof TimeoutException ? "not ready"
            : "failed: " + e.getCause(), wait.toMillis());
        return;
      }
      if (stillRunning.getAsBoolean()) {
        tellPredecessorIfSuccessor(env, handover);
      } else {
        LOG.info("upgrade: this process is stopping; the predecessor is not told it is ready");
      }
    }, "quiesce-upgrade-ready");
    t.setDaemon(true);
    t.start();
  }

  /**
   * Tells the predecessor this JVM is running and ready, when it is an upgrade's successor; bounded by
   * {@link #ANSWER_TIMEOUT}. After {@code ok} the connection stays open: each {@code released <name>}
   * line the predecessor sends while it stops goes to {@code handover}
   * ({@link UpgradeHandover#predecessorReleased}), on a daemon thread, until the predecessor exits.
   * Never throws: a failure is logged (the predecessor then ends this JVM once its
   * {@code upgrade.timeout} runs out, or, when it is gone, {@code handover} learns of its exit).
   */
  static void tellPredecessorIfSuccessor(Map<String, String> env, UpgradeHandover handover) {
    OptionalLong predecessor = predecessorOf(env);
    if (predecessor.isEmpty()) {
      return;
    }
    Path socket = Path.of(env.get(ENV_SOCKET));
    long pid = ProcessHandle.current().pid();
    long session = ProcStat.ppidAndSession(pid).map(s -> s[1]).orElse(-1L);
    SocketChannel channel;
    try {
      channel = SocketChannel.open(StandardProtocolFamily.UNIX);
    } catch (IOException e) {
      LOG.warn("upgrade: could not open a socket to tell the predecessor (pid {}): {}", predecessor.getAsLong(),
          e.toString());
      return;
    }
    CompletableFuture<String> answer = CompletableFuture.supplyAsync(() -> exchange(channel, socket,
        "ready " + pid + " " + session + "\n"));
    try {
      String reply = answer.get(ANSWER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      if (reply.equals("ok")) {
        LOG.info("upgrade: told the predecessor (pid {}) this process is ready; it stops now", predecessor.getAsLong());
        Thread reader = new Thread(() -> readReleases(channel, handover), "quiesce-upgrade-releases");
        reader.setDaemon(true);
        reader.start();
        detachSteeringOnceGone(predecessor.getAsLong());
        return;
      }
      LOG.warn("upgrade: the predecessor (pid {}) did not take over this process: {}", predecessor.getAsLong(), reply);
    } catch (Exception e) {
      answer.cancel(true);
      LOG.warn("upgrade: could not tell the predecessor (pid {}) over {}: {}", predecessor.getAsLong(), socket,
          e.toString());
    }
    closeQuietly(channel);
  }

  /** {@code released <name>} lines, until the predecessor closes the connection (it exited). */
  private static void readReleases(SocketChannel channel, UpgradeHandover handover) {
    try (channel) {
      for (Optional<String> line = readLine(channel); line.isPresent(); line = readLine(channel)) {
        if (line.get().startsWith(RELEASED)) {
          String name = line.get().substring(RELEASED.length());
          LOG.info("upgrade: the predecessor released {}", name);
          handover.predecessorReleased(name);
        } else {
          LOG.warn("upgrade: ignored a line from the predecessor: {}", line.get());
        }
      }
    } catch (IOException e) {
      LOG.debug("upgrade: the handover connection ended: {}", e.toString());
    }
  }

  /** The predecessor's deadline for this successor (epoch ms), when it gave one. */
  private static Optional<Long> deadlineOf(Map<String, String> env) {
    try {
      return Optional.ofNullable(env.get(ENV_DEADLINE)).map(String::strip).map(Long::parseLong);
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  /**
   * Once the predecessor has exited, its handover socket is removed if it is still there (a
   * predecessor killed before it accepted this process leaves it behind).
   */
  static void removeSocketOnceGone(Map<String, String> env, UpgradeHandover handover) {
    String socket = env.get(ENV_SOCKET);
    if (socket != null && predecessorOf(env).isPresent()) {
      handover.whenPredecessorExited().onSuccess(pid -> {
        try {
          if (Files.deleteIfExists(Path.of(socket))) {
            LOG.info("upgrade: removed the handover socket {} the predecessor (pid {}) left", socket, pid);
          }
        } catch (IOException | RuntimeException e) {
          LOG.warn("upgrade: could not remove the handover socket {}: {}", socket, e.toString());
        }
      });
    }
  }

  /** Once the predecessor has exited, its steering of new connections to this process is taken off. */
  private static void detachSteeringOnceGone(long predecessor) {
    ProcessHandle.of(predecessor).ifPresentOrElse(
        p -> p.onExit().orTimeout(1, TimeUnit.HOURS).whenComplete((gone, e) -> ListenerSteering.detach()),
        ListenerSteering::detach);
  }

  private static String exchange(SocketChannel channel, Path socket, String line) {
    try {
      channel.connect(UnixDomainSocketAddress.of(socket));
      channel.write(ByteBuffer.wrap(line.getBytes(StandardCharsets.US_ASCII)));
      return readLine(channel).orElse("no answer (the predecessor closed the connection)");
    } catch (IOException e) {
      throw new IllegalStateException(e.toString(), e);
    }
  }

  private static void closeQuietly(SocketChannel channel) {
    try {
      channel.close();
    } catch (IOException e) {
      // nothing more to tell
    }
  }

  /**
   * One line of at most {@link #MAX_LINE} bytes, without its newline; empty at end of stream. Reads a
   * byte at a time, so that what follows the line stays in the socket for the next call (the lines are
   * few and short).
   */
  static Optional<String> readLine(SocketChannel channel) throws IOException {
    ByteBuffer one = ByteBuffer.allocate(1);
    byte[] line = new byte[MAX_LINE];
    int n = 0;
    while (n < MAX_LINE) {
      one.clear();
      if (channel.read(one) < 0) {
        return Optional.empty();
      }
      byte b = one.get(0);
      if (b == '\n') {
        return Optional.of(new String(line, 0, n, StandardCharsets.UTF_8));
      }
      line[n++] = b;
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
