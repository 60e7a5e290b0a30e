package dev.quiesce.process.impl;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A tiny {@code /bin/sh} process, in its own session, that kills the children's process groups
 * when the JVM dies, including grandchildren, which a parent-death signal does not reach.
 *
 * <p>The JVM holds the only write end of the guardian's stdin and writes {@code +<pgid>} for each
 * group started and {@code -<pgid>} for each group found empty. When the JVM dies, even by SIGKILL,
 * the kernel closes that pipe; the guardian reads end-of-file and sends SIGKILL to every group
 * still listed (watched more often than forgotten: a pgid reused while its old group's {@code -} is
 * still on its way stays listed), then exits. A clean stop closes the pipe after every group is gone, so the guardian
 * simply exits. The guardian ignores HUP, INT and TERM so that a signal meant for the application
 * does not take it away. Used from the {@link Spawner} thread only.
 */
public final class Guardian {

  private static final Logger LOG = LoggerFactory.getLogger(Guardian.class);

  /**
   * Each watched group is a shell variable {@code quiesce_pgid_<pgid>} counting its {@code +} lines
   * less its {@code -} lines: a line costs the same however many groups are listed (7–10 µs in dash
   * with 200 to 2,000 listed), where a list rebuilt on each {@code -} cost 0.24–1.4 ms with 200 to
   * 400 listed and 2.3–16 ms with 1,000 to 2,000: a command probe every second for each of 1,000
   * children (2,000 lines a second) was more than the guardian could read, and a full pipe blocks
   * the spawner thread. A line that is not {@code +} or {@code -} and a number is ignored.
   */
  static final String SCRIPT = String.join("\n",
      "trap '' HUP INT TERM",
      "while IFS= read -r l; do",
      "  p=${l#?}",
      "  case \"$p\" in ''|*[!0-9]*) continue ;; esac",
      "  eval \"n=\\${quiesce_pgid_$p:-0}\"",
      "  case \"$l\" in",
      "    +*) eval \"quiesce_pgid_$p=$((n + 1))\" ;;",
      "    -*) if [ \"$n\" -gt 1 ]; then eval \"quiesce_pgid_$p=$((n - 1))\"; else unset \"quiesce_pgid_$p\"; fi ;;",
      "  esac",
      "done",
      "set | while IFS= read -r v; do",
      "  case \"$v\" in quiesce_pgid_[0-9]*=*) v=${v%%=*}; kill -s KILL -- \"-${v#quiesce_pgid_}\" 2>/dev/null || : ;; esac",
      "done",
      "");

  private final Process process;
  private final OutputStream in;
  private boolean broken;
  private boolean closed;

  private Guardian(Process process) {
    this.process = process;
    this.in = process.getOutputStream();
  }

  /** Starts a guardian; {@code setsid} is the path of util-linux's setsid. */
  public static Guardian start(String setsid, String label) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(List.of(setsid, "/bin/sh", "-c", SCRIPT, "quiesce-guardian", label))
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(ProcessBuilder.Redirect.DISCARD);
    return new Guardian(pb.start());
  }

  public long pid() {
    return process.pid();
  }

  /** Completes when the guardian has exited. */
  public CompletableFuture<Process> onExit() {
    return process.onExit();
  }

  /** From now on, the group {@code pgid} is killed if the JVM dies. */
  public void watch(int pgid) {
    send("+" + pgid);
  }

  /** The group {@code pgid} is gone; forget it. */
  public void unwatch(int pgid) {
    send("-" + pgid);
  }

  /** Closes the pipe: the guardian kills what it still lists (nothing, after a clean stop) and exits. */
  public void close() {
    closed = true;
    try {
      in.close();
    } catch (IOException e) {
      // it is gone already
    }
  }

  private void send(String line) {
    if (broken || closed) {
      return;
    }
    try {
      in.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
      in.flush();
    } catch (IOException e) {
      broken = true;
      LOG.error("the guardian process (pid {}) is gone: grandchildren may outlive the JVM if it dies;"
          + " child process leaders still have their parent-death signal", process.pid());
    }
  }
}
